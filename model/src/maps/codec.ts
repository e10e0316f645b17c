import type { RegisterPoint, WordOrder } from './types';

/**
 * Register codec: turns raw 16-bit Modbus registers into engineering values and back.
 *
 * Byte/word orders follow Telegraf's inputs.modbus convention (A = most significant byte):
 * ABCD big-endian, CDAB word swap, BADC byte swap within each word, DCBA little-endian.
 */

function orderFlags(order: WordOrder): { wordSwap: boolean; byteSwap: boolean } {
  return { wordSwap: order === 'CDAB' || order === 'DCBA', byteSwap: order === 'BADC' || order === 'DCBA' };
}

function swapBytes(w: number): number {
  return ((w & 0xff) << 8) | ((w >> 8) & 0xff);
}

/**
 * Puts `n` registers starting at `offset` into big-endian (ABCD) word order.
 * @param regs - raw registers as read from the wire (each 0..65535)
 */
export function normaliseWords(regs: ArrayLike<number>, offset: number, n: number, order: WordOrder): number[] {
  const { wordSwap, byteSwap } = orderFlags(order);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const w = regs[offset + (wordSwap ? n - 1 - i : i)] & 0xffff;
    out[i] = byteSwap ? swapBytes(w) : w;
  }
  return out;
}

/** Inverse of {@link normaliseWords}: big-endian words → wire order. */
export function denormaliseWords(words: number[], order: WordOrder): number[] {
  const { wordSwap, byteSwap } = orderFlags(order);
  const n = words.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const w = words[wordSwap ? n - 1 - i : i] & 0xffff;
    out[i] = byteSwap ? swapBytes(w) : w;
  }
  return out;
}

const f32 = new DataView(new ArrayBuffer(4));

/**
 * The raw (unscaled) value of one element: integers as numbers (64-bit via BigInt, then Number),
 * float32 as its IEEE value, string as text. Returns the unsigned raw value in `rawUnsigned` for
 * sentinel comparison.
 */
export function rawElement(
  point: Pick<RegisterPoint, 'type' | 'words' | 'order'>,
  regs: ArrayLike<number>,
  offset: number
): { value: number | string; rawUnsigned: number; isNaN: boolean } {
  const w = normaliseWords(regs, offset, point.words, point.order);
  switch (point.type) {
    case 'int16':
    case 'sunssf': {
      const u = w[0];
      return { value: u >= 0x8000 ? u - 0x10000 : u, rawUnsigned: u, isNaN: false };
    }
    case 'uint16':
    case 'acc16':
    case 'enum16':
    case 'bitfield16':
      return { value: w[0], rawUnsigned: w[0], isNaN: false };
    case 'int32': {
      const u = w[0] * 0x10000 + w[1];
      return { value: u >= 0x80000000 ? u - 0x100000000 : u, rawUnsigned: u, isNaN: false };
    }
    case 'uint32':
    case 'acc32':
    case 'bitfield32': {
      const u = w[0] * 0x10000 + w[1];
      return { value: u, rawUnsigned: u, isNaN: false };
    }
    case 'float32': {
      f32.setUint16(0, w[0]);
      f32.setUint16(2, w[1]);
      const v = f32.getFloat32(0);
      return { value: v, rawUnsigned: w[0] * 0x10000 + w[1], isNaN: Number.isNaN(v) };
    }
    case 'int64':
    case 'uint64':
    case 'acc64': {
      let u = 0n;
      for (const x of w) u = (u << 16n) | BigInt(x);
      const signed = point.type === 'int64' && u >= 0x8000000000000000n ? u - 0x10000000000000000n : u;
      return { value: Number(signed), rawUnsigned: Number(u), isNaN: false };
    }
    case 'string': {
      let s = '';
      for (const x of w) s += String.fromCharCode((x >> 8) & 0xff, x & 0xff);
      // eslint-disable-next-line no-control-regex
      return { value: s.replace(/\u0000+$/g, '').trim(), rawUnsigned: w.every((x) => x === 0) ? 0 : 1, isNaN: false };
    }
  }
}

/** Scale-factor exponents by point name, as read in the same poll (undefined/null when not implemented). */
export type ScaleFactors = Record<string, number | null | undefined>;

/**
 * Decodes one element of a point to its engineering value in the generator sign convention:
 * `raw × 10^sf × scale × sign`. Returns null for the not-implemented sentinel, for a NaN float,
 * or when the referenced scale factor is itself not implemented.
 *
 * Source: SunSpec Information Model Reference (scale factors: value = raw × 10^SF; unimplemented
 * values per type) and the map's `scale`/`sign` fields.
 */
export function decodeElement(
  point: RegisterPoint,
  regs: ArrayLike<number>,
  offset: number,
  sfs: ScaleFactors = {}
): number | string | null {
  const r = rawElement(point, regs, offset);
  if (r.isNaN) return null;
  if (point.sentinel !== null && r.rawUnsigned === point.sentinel) return null;
  if (typeof r.value === 'string') return r.value;
  if (point.type === 'sunssf' || point.type === 'bitfield16' || point.type === 'bitfield32' || point.type === 'enum16')
    return r.value;
  let v = r.value;
  if (point.sf) {
    const e = sfs[point.sf];
    if (e === null || e === undefined) return null;
    v = v * Math.pow(10, e);
  }
  v = v * point.scale * point.sign;
  // Avoid float noise such as 0.30000000000000004 from ×10^-1 scaling.
  return Number.isInteger(v) ? v : Number(v.toPrecision(12));
}

/**
 * Decodes a whole point (all `count` elements) from a register block.
 * @param regs - registers of a read block
 * @param blockStart - wire address of `regs[0]` (relative to the same base as `point.address`)
 * @returns a scalar, a string, null, or an array of numbers/nulls for `count` > 1
 */
export function decodePoint(
  point: RegisterPoint,
  regs: ArrayLike<number>,
  blockStart: number,
  sfs: ScaleFactors = {}
): number | string | null | (number | null)[] {
  const off = point.address - blockStart;
  if (off < 0 || off + point.words * point.count > regs.length) {
    throw new RangeError(`point ${point.name} (${point.address}) is outside the block ${blockStart}+${regs.length}`);
  }
  if (point.count === 1) return decodeElement(point, regs, off, sfs);
  const out = new Array<number | null>(point.count);
  for (let i = 0; i < point.count; i++) {
    const v = decodeElement(point, regs, off + i * point.words, sfs);
    out[i] = typeof v === 'string' ? null : v;
  }
  return out;
}

/** State of one status bit against its expectation. */
export type BitState = 'OK' | 'INFO' | 'WARNING' | 'ALARM' | 'NO_DATA';

/** One decoded bit of a bitfield value. */
export interface DecodedBit {
  bit: number;
  name: string;
  value: 0 | 1 | null;
  expected: 0 | 1 | null;
  /** OK when equal to expected; the bit's severity when it differs; NO_DATA when there is no value or expectation. */
  state: BitState;
}

/**
 * Decodes the listed bits of a bitfield point's value.
 * A bit without an expected value is NO_DATA ("no expectation") unless its severity is OK/INFO and it is set.
 */
export function decodeBits(point: Pick<RegisterPoint, 'bits'>, value: number | null): DecodedBit[] {
  return (point.bits ?? []).map((b) => {
    const bitValue: 0 | 1 | null = value === null ? null : Math.floor(value / 2 ** b.bit) % 2 === 1 ? 1 : 0;
    const expected = b.expected ?? null;
    let state: BitState;
    if (bitValue === null || expected === null) state = 'NO_DATA';
    else if (bitValue === expected) state = 'OK';
    else state = b.severity;
    return { bit: b.bit, name: b.name, value: bitValue, expected, state };
  });
}

/** Bits set in `value` that the point does not define (reported as unknown bits). */
export function unknownBits(point: Pick<RegisterPoint, 'bits' | 'type'>, value: number | null): number[] {
  if (value === null) return [];
  const width = point.type === 'bitfield32' ? 32 : 16;
  const known = new Set((point.bits ?? []).map((b) => b.bit));
  const out: number[] = [];
  for (let i = 0; i < width; i++) if (!known.has(i) && Math.floor(value / 2 ** i) % 2 === 1) out.push(i);
  return out;
}

/** Ranks bit states: worst wins (ALARM > WARNING > INFO > OK > NO_DATA). */
export const STATE_RANK: Record<BitState, number> = { NO_DATA: 0, OK: 1, INFO: 2, WARNING: 3, ALARM: 4 };

/** The worst state of a list (NO_DATA when empty). */
export function worstState(states: Iterable<BitState>): BitState {
  let worst: BitState = 'NO_DATA';
  for (const s of states) if (STATE_RANK[s] > STATE_RANK[worst]) worst = s;
  return worst;
}

/**
 * Encodes one element's raw value into wire-order registers (used by the simulator and tests).
 * @param raw - the unscaled raw value (integer for integer types, float for float32, text for string)
 * @throws RangeError when the value does not fit the type.
 */
export function encodeRaw(
  point: Pick<RegisterPoint, 'type' | 'words' | 'order' | 'name'>,
  raw: number | string
): number[] {
  let words: number[];
  const t = point.type;
  if (t === 'string') {
    const s = String(raw);
    words = [];
    for (let i = 0; i < point.words; i++) {
      const a = s.charCodeAt(2 * i) || 0;
      const b = s.charCodeAt(2 * i + 1) || 0;
      words.push(((a & 0xff) << 8) | (b & 0xff));
    }
  } else if (t === 'float32') {
    f32.setFloat32(0, Number(raw));
    words = [f32.getUint16(0), f32.getUint16(2)];
  } else {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new RangeError(`${point.name}: ${raw} is not finite`);
    const bits = point.words * 16;
    let u = BigInt(Math.round(n));
    const signed = t === 'int16' || t === 'int32' || t === 'int64' || t === 'sunssf';
    const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
    const hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    if (u < lo || u > hi) throw new RangeError(`${point.name}: ${raw} does not fit ${t}`);
    if (u < 0n) u += 1n << BigInt(bits);
    words = [];
    for (let i = point.words - 1; i >= 0; i--) words.push(Number((u >> BigInt(16 * i)) & 0xffffn));
  }
  return denormaliseWords(words, point.order);
}

/**
 * Encodes an engineering value (generator sign convention) into wire registers: the inverse of
 * {@link decodeElement}. Null encodes the point's sentinel (or NaN for float32).
 * Values are clamped into the type's range so a simulator never throws on an extreme value.
 */
export function encodeElement(point: RegisterPoint, value: number | string | null, sfs: ScaleFactors = {}): number[] {
  if (value === null) {
    if (point.type === 'float32') return encodeRaw(point, NaN);
    // Sentinels of 64-bit types are not exact as numbers (2^64 − 1 rounds to 2^64): clamp to the type.
    const maxU = (1n << BigInt(16 * point.words)) - 1n;
    let u = BigInt(Math.round(point.sentinel ?? 0));
    if (u > maxU) u = maxU;
    const words: number[] = [];
    for (let i = point.words - 1; i >= 0; i--) words.push(Number((u >> BigInt(16 * i)) & 0xffffn));
    return denormaliseWords(words, point.order);
  }
  if (typeof value === 'string' || point.type === 'string') return encodeRaw(point, value);
  if (point.type === 'sunssf' || point.type === 'bitfield16' || point.type === 'bitfield32' || point.type === 'enum16')
    return encodeRaw(point, value);
  let raw = value / (point.scale * point.sign);
  if (point.sf) raw = raw / Math.pow(10, sfs[point.sf] ?? 0);
  if (point.type !== 'float32') {
    raw = Math.round(raw);
    const bits = point.words * 16;
    const signed = point.type === 'int16' || point.type === 'int32' || point.type === 'int64';
    let max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    let min = signed ? -(2 ** (bits - 1)) : 0;
    // Keep clear of the sentinel at the ends of the range (int 0x8000…, uint 0xFFFF…) so a value
    // never reads back as "not implemented".
    if (point.sentinel !== null) {
      if (signed && point.sentinel === 2 ** (bits - 1)) min += 1;
      if (!signed && point.sentinel >= 2 ** bits - 1) max -= 1;
    }
    raw = Math.min(max, Math.max(min, raw));
    if (raw === point.sentinel) raw += 1; // e.g. acc32 0 would read as "not implemented"
  }
  return encodeRaw(point, raw);
}
