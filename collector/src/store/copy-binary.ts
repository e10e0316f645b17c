/**
 * Encoder for PostgreSQL's binary COPY format (PostgreSQL docs, "COPY — Binary Format"): an
 * 11-byte signature, flags and header-extension length, then per row an int16 field count and per
 * field an int32 byte length (-1 = NULL) followed by the type's binary send representation; an
 * int16 -1 trailer. All integers big-endian.
 *
 * Used for the telemetry hot path: no number is formatted as text and the server parses no text
 * (a `real[]` of 416 cells is 416 × 8 bytes written with `writeFloatBE` instead of ~7 k characters of
 * decimal digits).
 */

import { stripNul } from './copy-text';

/** `PGCOPY\n\377\r\n\0` + flags (0) + header extension length (0). */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** PostgreSQL epoch (2000-01-01T00:00:00Z) in Unix epoch ms: timestamptz is int64 µs after it. */
const PG_EPOCH_MS = 946_684_800_000;
/** OID of `float4` (pg_type), the element type of `real[]` in array_send. */
const FLOAT4_OID = 700;
/** Buffers handed to the COPY stream are about this large. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Builds binary COPY data in chunks of ~256 kB. Call {@link row} per row, then the typed field
 * writers, then {@link end}; {@link take} returns the chunks completed so far.
 */
export class BinaryCopyWriter {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private done: Buffer[] = [];
  private lastMs = Number.NaN;
  /** µs after the PostgreSQL epoch of `lastMs` as two 32-bit halves (no BigInt per row). */
  private lastHi = 0;
  private lastLo = 0;

  constructor() {
    this.put(HEADER);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
    this.pos = 0;
  }

  private put(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Starts a row of `fields` columns. */
  row(fields: number): void {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(fields, this.pos);
  }

  /** A `timestamptz` from epoch ms (sub-millisecond fractions truncated, as `new Date(ms)` does). */
  timestamptz(ms: number): void {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      // |µs| < 2^53 for years 1970–9999 (the writer rejects others): exact in a double
      const us = (Math.trunc(ms) - PG_EPOCH_MS) * 1000;
      this.lastHi = Math.floor(us / 4_294_967_296);
      this.lastLo = us - this.lastHi * 4_294_967_296;
    }
    this.ensure(12);
    this.pos = this.buf.writeInt32BE(8, this.pos);
    this.pos = this.buf.writeInt32BE(this.lastHi, this.pos);
    this.pos = this.buf.writeUInt32BE(this.lastLo, this.pos);
  }

  /** A `text` (UTF-8); null/undefined as NULL. NUL characters, which `text` cannot hold, are dropped. */
  text(v: string | null | undefined): void {
    if (typeof v !== 'string') return this.nullField();
    const str = stripNul(v);
    const n = Buffer.byteLength(str, 'utf8');
    this.ensure(4 + n);
    this.pos = this.buf.writeInt32BE(n, this.pos);
    this.pos += this.buf.write(str, this.pos, 'utf8');
  }

  /** A `boolean`. */
  bool(v: boolean): void {
    this.ensure(5);
    this.pos = this.buf.writeInt32BE(1, this.pos);
    this.pos = this.buf.writeUInt8(v ? 1 : 0, this.pos);
  }

  /** A `real` (rounded like `Math.fround`); null/undefined/non-finite as NULL. */
  float4(v: number | null | undefined): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.nullField();
    this.ensure(8);
    this.pos = this.buf.writeInt32BE(4, this.pos);
    this.pos = this.buf.writeFloatBE(v, this.pos);
  }

  /** An `int4`; null/undefined/non-integers as NULL. */
  int4OrNull(v: number | null | undefined): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.nullField();
    this.int4(v);
  }

  /** An `int4`. */
  int4(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeInt32BE(4, this.pos);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  /** A `float8`; null/undefined/non-numbers as NULL (NaN and ±Infinity are stored as such). */
  float8(v: number | null | undefined): void {
    if (typeof v !== 'number') return this.nullField();
    this.ensure(12);
    this.pos = this.buf.writeInt32BE(8, this.pos);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  /**
   * A one-dimensional `real[]` (array_send layout: ndim, has-null flag, element OID, then size and
   * lower bound 1, then each element as length + float4). Elements are rounded to float4 like
   * `Math.fround` (beyond the float4 range: ±Infinity); null/undefined/non-numbers are NULL elements.
   * An empty array is sent with ndim 0.
   */
  realArray(values: readonly (number | null | undefined)[]): void {
    const n = values.length;
    let hasNull = 0;
    for (let i = 0; i < n; i++) if (typeof values[i] !== 'number') hasNull = 1;
    const body = n === 0 ? 12 : 20 + 8 * n - 4 * this.countNulls(values, hasNull);
    this.ensure(4 + body);
    const b = this.buf;
    let p = b.writeInt32BE(body, this.pos);
    p = b.writeInt32BE(n === 0 ? 0 : 1, p);
    p = b.writeInt32BE(hasNull, p);
    p = b.writeInt32BE(FLOAT4_OID, p);
    if (n > 0) {
      p = b.writeInt32BE(n, p);
      p = b.writeInt32BE(1, p);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'number') {
          p = b.writeInt32BE(4, p);
          p = b.writeFloatBE(v, p);
        } else p = b.writeInt32BE(-1, p);
      }
    }
    this.pos = p;
  }

  private countNulls(values: readonly (number | null | undefined)[], hasNull: number): number {
    if (hasNull === 0) return 0;
    let k = 0;
    for (const v of values) if (typeof v !== 'number') k++;
    return k;
  }

  /** A NULL field. */
  nullField(): void {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(-1, this.pos);
  }

  /** Chunks completed so far (removed from the writer); call between rows to stream. */
  take(): Buffer[] {
    const out = this.done;
    this.done = [];
    return out;
  }

  /** Writes the trailer and returns the remaining chunks. */
  end(): Buffer[] {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(-1, this.pos);
    this.done.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return this.take();
  }
}
