/**
 * Compression codecs for kafkajs, which has only gzip built in: snappy from the `kafkajs-snappy`
 * codec package, lz4 (the LZ4 frame format Kafka uses) from `lz4js`, and zstd decompression from
 * `fzstd` — all pure JavaScript, dependencies of sqc, nothing downloaded or built at install.
 * Writing zstd is not supported (the sink says so); reading every codec is.
 */
import { createRequire } from 'node:module';
import { CompressionTypes, kafkajs } from './kafkajs.ts';

const require = createRequire(import.meta.url);
let registered = false;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const lz4 = (): Codec => {
  const m = require('lz4js') as {
    compress(b: Uint8Array): Uint8Array | number[];
    decompress(b: Uint8Array): Uint8Array | number[];
  };
  return {
    compress: async (encoder) => Buffer.from(m.compress(encoder.buffer)),
    decompress: async (buffer) => Buffer.from(m.decompress(buffer)),
  };
};

const zstd = (): Codec => {
  const m = require('fzstd') as { decompress(b: Uint8Array): Uint8Array };
  return {
    compress: async () => {
      throw new Error(
        "writing zstd is not supported by sqc; use properties.compression.type 'gzip', 'snappy' or 'lz4'",
      );
    },
    decompress: async (buffer) => {
      const out = m.decompress(buffer);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    },
  };
};

/** Registers the codecs (idempotent). */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = kafkajs().CompressionCodecs as unknown as Record<number, () => Codec>;
  codecs[CompressionTypes.Snappy] = require('kafkajs-snappy') as () => Codec;
  codecs[CompressionTypes.LZ4] = lz4;
  codecs[CompressionTypes.ZSTD] = zstd;
}
