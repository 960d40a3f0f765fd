/**
 * Compression codecs for kafkajs, which has only gzip built in. snappy comes from the
 * `kafkajs-snappy` codec package (pure JavaScript, a dependency of sqc). A topic compressed with
 * a codec that is not registered fails with a message saying so (client.ts).
 */
import { createRequire } from 'node:module';
import { CompressionCodecs, CompressionTypes } from './kafkajs.ts';

const require = createRequire(import.meta.url);
let registered = false;

/** Registers every codec package that is installed (idempotent). */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as unknown as Record<number, () => unknown>;
  try {
    codecs[CompressionTypes.Snappy] = require('kafkajs-snappy') as () => unknown;
  } catch {
    // not installed: reading a snappy topic says which package is missing
  }
}
