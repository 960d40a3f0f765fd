/**
 * Kafka's classic (non-flexible) wire encoding: big-endian integers, int16-length strings,
 * int32-length bytes and arrays (-1 = null). `Reader` throws `MalformedFrame` when a request
 * ends early, so a bad frame closes its connection instead of reaching a handler half-read.
 * `Writer` keeps large byte blobs (record batches) as their own chunks, so a fetch response is
 * written to the socket without copying the log.
 */

export class MalformedFrame extends Error {}

export class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.buf.length) {
      throw new MalformedFrame(`frame ends at byte ${this.buf.length}, needed ${n} more from byte ${at}`);
    }
    this.pos = at + n;
    return at;
  }
  remaining(): number {
    return this.buf.length - this.pos;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  /** Offsets, producer ids and timestamps all fit a double exactly (< 2^53). */
  int64(): number {
    return Number(this.buf.readBigInt64BE(this.need(8)));
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new MalformedFrame(`null string at byte ${this.pos - 2}`);
    return s;
  }
  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    const at = this.need(n);
    return this.buf.toString('utf8', at, at + n);
  }
  /** A view into the frame (no copy): copy before keeping it past the request. */
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }
  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }
  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n < 0) return null;
    // Every element takes at least one byte: a huge count in a short frame is malformed.
    if (n > this.remaining()) throw new MalformedFrame(`array of ${n} elements in ${this.remaining()} bytes`);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }
}

const SCRATCH = 4096;

export class Writer {
  private readonly chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(SCRATCH);
  private at = 0;
  private total = 0;

  private room(n: number): void {
    if (this.at + n <= this.cur.length) return;
    this.flushScratch();
    this.cur = Buffer.allocUnsafe(Math.max(SCRATCH, n));
  }
  private flushScratch(): void {
    if (this.at > 0) this.chunks.push(this.cur.subarray(0, this.at));
    this.cur = this.cur.subarray(this.at);
    this.at = 0;
  }
  get length(): number {
    return this.total;
  }
  int8(v: number): this {
    this.room(1);
    this.cur.writeInt8(v, this.at);
    this.at += 1;
    this.total += 1;
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.room(2);
    this.cur.writeInt16BE(v, this.at);
    this.at += 2;
    this.total += 2;
    return this;
  }
  int32(v: number): this {
    this.room(4);
    this.cur.writeInt32BE(v, this.at);
    this.at += 4;
    this.total += 4;
    return this;
  }
  int64(v: number): this {
    this.room(8);
    this.cur.writeBigInt64BE(BigInt(v), this.at);
    this.at += 8;
    this.total += 8;
    return this;
  }
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const n = Buffer.byteLength(s);
    this.int16(n);
    this.room(n);
    this.cur.write(s, this.at, 'utf8');
    this.at += n;
    this.total += n;
    return this;
  }
  /** int32 length + the bytes; several buffers are written as one field. */
  bytes(b: Buffer | readonly Buffer[] | null): this {
    if (b === null) return this.int32(-1);
    const parts = Buffer.isBuffer(b) ? [b] : b;
    let n = 0;
    for (const p of parts) n += p.length;
    this.int32(n);
    for (const p of parts) this.raw(p);
    return this;
  }
  raw(b: Buffer): this {
    if (b.length === 0) return this;
    if (b.length <= 256) {
      this.room(b.length);
      b.copy(this.cur, this.at);
      this.at += b.length;
    } else {
      this.flushScratch();
      this.chunks.push(b);
    }
    this.total += b.length;
    return this;
  }
  array<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }
  /** The encoded chunks, in order. The writer must not be used afterwards. */
  finish(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }
}
