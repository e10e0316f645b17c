/**
 * Encoder for PostgreSQL's binary COPY format (PostgreSQL docs, "COPY — Binary Format"): an
 * 11-byte signature, flags and header-extension length, then per row an int16 field count and per
 * field an int32 byte length (-1 = NULL) followed by the type's binary send representation; an
 * int16 -1 trailer. All integers big-endian.
 *
 * Used for the telemetry hot path: no number is formatted as text and the server parses no text
 * (a `real[]` of 416 cells is 416 × 8 bytes set through a DataView instead of ~7 k characters of
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

const viewOf = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * Builds binary COPY data in chunks of ~256 kB. Call {@link row} per row, then the typed field
 * writers, then {@link end}; {@link take} returns the chunks completed so far.
 */
export class BinaryCopyWriter {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  /** The same memory as `buf`: DataView's big-endian setters are several times cheaper than Buffer's. */
  private dv = viewOf(this.buf);
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
    this.dv = viewOf(this.buf);
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
    this.dv.setInt16(this.pos, fields);
    this.pos += 2;
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
    const dv = this.dv;
    const p = this.pos;
    dv.setInt32(p, 8);
    dv.setInt32(p + 4, this.lastHi);
    dv.setUint32(p + 8, this.lastLo);
    this.pos = p + 12;
  }

  /** A `text` (UTF-8); null/undefined as NULL. NUL characters, which `text` cannot hold, are dropped. */
  text(v: string | null | undefined): void {
    if (typeof v !== 'string') return this.nullField();
    const str = stripNul(v);
    const n = Buffer.byteLength(str, 'utf8');
    this.ensure(4 + n);
    this.dv.setInt32(this.pos, n);
    this.pos += 4;
    this.pos += this.buf.write(str, this.pos, 'utf8');
  }

  /** A `boolean`. */
  bool(v: boolean): void {
    this.ensure(5);
    this.dv.setInt32(this.pos, 1);
    this.dv.setUint8(this.pos + 4, v ? 1 : 0);
    this.pos += 5;
  }

  /** A `real` (rounded like `Math.fround`); null/undefined/non-finite as NULL. */
  float4(v: number | null | undefined): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.nullField();
    this.ensure(8);
    this.dv.setInt32(this.pos, 4);
    this.dv.setFloat32(this.pos + 4, v);
    this.pos += 8;
  }

  /** An `int4`; null/undefined/non-integers as NULL. */
  int4OrNull(v: number | null | undefined): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.nullField();
    this.int4(v);
  }

  /**
   * An `int4`.
   * @throws RangeError when `v` is outside the int4 range (DataView would wrap it silently)
   */
  int4(v: number): void {
    if (!(v >= -2_147_483_648 && v <= 2_147_483_647)) throw new RangeError(`int4 out of range: ${v}`);
    this.ensure(8);
    this.dv.setInt32(this.pos, 4);
    this.dv.setInt32(this.pos + 4, v);
    this.pos += 8;
  }

  /** A `float8`; null/undefined/non-numbers as NULL (NaN and ±Infinity are stored as such). */
  float8(v: number | null | undefined): void {
    if (typeof v !== 'number') return this.nullField();
    this.ensure(12);
    this.dv.setInt32(this.pos, 8);
    this.dv.setFloat64(this.pos + 4, v);
    this.pos += 12;
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
    const dv = this.dv;
    let p = this.pos;
    dv.setInt32(p, body);
    dv.setInt32(p + 4, n === 0 ? 0 : 1);
    dv.setInt32(p + 8, hasNull);
    dv.setInt32(p + 12, FLOAT4_OID);
    p += 16;
    if (n > 0) {
      dv.setInt32(p, n);
      dv.setInt32(p + 4, 1);
      p += 8;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'number') {
          dv.setInt32(p, 4);
          dv.setFloat32(p + 4, v);
          p += 8;
        } else {
          dv.setInt32(p, -1);
          p += 4;
        }
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
    this.dv.setInt32(this.pos, -1);
    this.pos += 4;
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
    this.dv.setInt16(this.pos, -1);
    this.pos += 2;
    this.done.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.alloc(0);
    this.dv = viewOf(this.buf);
    this.pos = 0;
    return this.take();
  }
}
