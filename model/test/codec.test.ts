import { decodeBits, decodePoint, encodeElement, encodeRaw, normaliseWords, unknownBits, worstState } from '../src';
import type { RegisterPoint, WordOrder } from '../src';

const point = (over: Partial<RegisterPoint>): RegisterPoint => ({
  name: 'P',
  metric: 'activePower',
  fn: 'holding',
  address: 0,
  type: 'int16',
  words: 1,
  count: 1,
  order: 'ABCD',
  scale: 1,
  sign: 1,
  unit: 'kW',
  sentinel: null,
  group: 'fast',
  kind: 'measurement',
  ...over,
});

describe('word orders', () => {
  // 0x11223344 in the four conventional layouts (A = most significant byte).
  const layouts: Record<WordOrder, number[]> = {
    ABCD: [0x1122, 0x3344],
    CDAB: [0x3344, 0x1122],
    BADC: [0x2211, 0x4433],
    DCBA: [0x4433, 0x2211],
  };
  for (const [order, regs] of Object.entries(layouts) as [WordOrder, number[]][]) {
    it(`${order} uint32 decodes 0x11223344 and encodes back`, () => {
      const p = point({ type: 'uint32', words: 2, order });
      expect(decodePoint(p, regs, 0)).toBe(0x11223344);
      expect(encodeRaw(p, 0x11223344)).toEqual(regs);
    });
    it(`${order} float32 round-trips`, () => {
      const p = point({ type: 'float32', words: 2, order });
      const wire = encodeRaw(p, 49.987);
      expect(decodePoint(p, wire, 0)).toBeCloseTo(49.987, 3);
    });
    it(`${order} bitfield32 sees bit 31 and bit 0`, () => {
      const p = point({ type: 'bitfield32', words: 2, order, bits: [] });
      const wire = encodeRaw(p, 0x80000001);
      expect(normaliseWords(wire, 0, 2, order)).toEqual([0x8000, 0x0001]);
      expect(decodePoint(p, wire, 0)).toBe(0x80000001);
    });
    it(`${order} int64 decodes a negative value`, () => {
      const p = point({ type: 'int64', words: 4, order });
      expect(decodePoint(p, encodeRaw(p, -123456789012), 0)).toBe(-123456789012);
    });
  }
  it('16-bit byte-swapped orders swap the two bytes', () => {
    expect(decodePoint(point({ type: 'uint16', order: 'BADC' }), [0x3412], 0)).toBe(0x1234);
    expect(decodePoint(point({ type: 'uint16', order: 'CDAB' }), [0x1234], 0)).toBe(0x1234);
  });
});

describe('scaling, sign and sentinels', () => {
  it('applies a SunSpec scale factor, literal scale and vendor sign', () => {
    const p = point({ type: 'int16', sf: 'W_SF', scale: 0.001, sign: -1 });
    // raw 12345 W × 10^1 = 123450 W → 123.45 kW, vendor reports charge positive → −123.45
    expect(decodePoint(p, [12345], 0, { W_SF: 1 })).toBe(-123.45);
  });
  it('negative int16 values', () => {
    expect(decodePoint(point({ type: 'int16' }), [0xfffe], 0)).toBe(-2);
  });
  it('sentinel → null, never a number', () => {
    expect(decodePoint(point({ type: 'int16', sentinel: 0x8000 }), [0x8000], 0)).toBeNull();
    expect(decodePoint(point({ type: 'uint32', words: 2, sentinel: 0xffffffff }), [0xffff, 0xffff], 0)).toBeNull();
    expect(decodePoint(point({ type: 'acc32', words: 2, sentinel: 0 }), [0, 0], 0)).toBeNull();
    expect(
      decodePoint(point({ type: 'float32', words: 2 }), encodeRaw(point({ type: 'float32', words: 2 }), NaN), 0)
    ).toBeNull();
  });
  it('a not-implemented scale factor makes the value null', () => {
    expect(decodePoint(point({ sf: 'W_SF' }), [100], 0, { W_SF: null })).toBeNull();
  });
  it('encodeElement is the inverse of decode, and null encodes the sentinel', () => {
    const p = point({
      type: 'int32',
      words: 2,
      sf: 'W_SF',
      scale: 0.001,
      sign: -1,
      order: 'CDAB',
      sentinel: 0x80000000,
    });
    const regs = encodeElement(p, -2500.5, { W_SF: -1 });
    expect(decodePoint(p, regs, 0, { W_SF: -1 })).toBe(-2500.5);
    expect(decodePoint(p, encodeElement(p, null), 0)).toBeNull();
  });
  it('arrays decode element by element', () => {
    const p = point({
      type: 'uint16',
      address: 1,
      count: 3,
      scale: 0.001,
      unit: 'V',
      metric: 'cellVoltages',
      kind: 'array',
    });
    expect(decodePoint(p, [9, 3301, 3299, 3302], 0)).toEqual([3.301, 3.299, 3.302]);
  });
  it('strings trim trailing NULs', () => {
    const p = point({ type: 'string', words: 4, kind: 'attribute' });
    expect(decodePoint(p, encodeRaw(p, 'TMEIC'), 0)).toBe('TMEIC');
  });
});

describe('bits', () => {
  const p = point({
    type: 'bitfield16',
    bits: [
      { bit: 0, name: 'running', expected: 1, severity: 'WARNING' },
      { bit: 3, name: 'overTemp', expected: 0, severity: 'ALARM' },
      { bit: 5, name: 'fanOn', severity: 'INFO' },
    ],
  });
  it('states against expected values', () => {
    const bits = decodeBits(p, 0b1000);
    expect(bits.map((b) => [b.name, b.value, b.state])).toEqual([
      ['running', 0, 'WARNING'],
      ['overTemp', 1, 'ALARM'],
      ['fanOn', 0, 'NO_DATA'],
    ]);
    expect(worstState(bits.map((b) => b.state))).toBe('ALARM');
    expect(decodeBits(p, 0b1).map((b) => b.state)).toEqual(['OK', 'OK', 'NO_DATA']);
  });
  it('no value → every bit NO_DATA', () => {
    expect(decodeBits(p, null).every((b) => b.state === 'NO_DATA' && b.value === null)).toBe(true);
  });
  it('reports unknown bits', () => {
    expect(unknownBits(p, 0b1000_0001_0000_0001)).toEqual([8, 15]);
  });
});
