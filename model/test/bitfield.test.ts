import {
  decodeBits,
  decodeElement,
  encodeRaw,
  loadRegisterMaps,
  SUNSPEC_SENTINELS,
  unknownBits,
  worstState,
  type BitDefinition,
  type RegisterPoint,
  type WordOrder,
} from '../src';

/**
 * Issue 4 "Show": bitfield16 and bitfield32 decoding in every word order, expected 0 and 1, unknown bits,
 * sentinel → no data.
 */

const ORDERS: WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

const bitfield = (type: 'bitfield16' | 'bitfield32', order: WordOrder, bits: BitDefinition[]): RegisterPoint => ({
  name: 'EVT',
  metric: 'stringEvents',
  fn: 'holding',
  address: 0,
  type,
  words: type === 'bitfield16' ? 1 : 2,
  count: 1,
  order,
  scale: 1,
  sign: 1,
  unit: '',
  sentinel: SUNSPEC_SENTINELS[type],
  group: 'g',
  kind: 'measurement',
  bits,
});

/** Bits at both ends of each byte and word, expected 1 and 0, each severity, one without expectation. */
const bitsOf = (width: 16 | 32): BitDefinition[] => [
  { bit: 0, name: 'closed', expected: 1, severity: 'ALARM' },
  { bit: 1, name: 'fault', expected: 0, severity: 'ALARM' },
  { bit: 7, name: 'warn', expected: 0, severity: 'WARNING' },
  { bit: 8, name: 'enabled', expected: 1, severity: 'WARNING' },
  { bit: 9, name: 'balancing', expected: 0, severity: 'INFO' },
  { bit: 10, name: 'heater', severity: 'INFO' },
  { bit: 11, name: 'cosmetic', expected: 0, severity: 'OK' },
  ...(width === 32
    ? [
        { bit: 16, name: 'lowWordOfHigh', expected: 1 as const, severity: 'WARNING' as const },
        { bit: 31, name: 'top', expected: 0 as const, severity: 'ALARM' as const },
      ]
    : [{ bit: 15, name: 'top', expected: 0 as const, severity: 'ALARM' as const }]),
];

/** The wire registers of a value in a word order, written out by hand (A = most significant byte). */
function wire(value: number, width: 16 | 32, order: WordOrder): number[] {
  const bytes =
    width === 16
      ? [(value >>> 8) & 0xff, value & 0xff]
      : [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  const w = (hi: number, lo: number) => (hi << 8) | lo;
  if (width === 16) return order === 'BADC' || order === 'DCBA' ? [w(bytes[1], bytes[0])] : [w(bytes[0], bytes[1])];
  const [a, b, c, d] = bytes;
  switch (order) {
    case 'ABCD':
      return [w(a, b), w(c, d)];
    case 'CDAB':
      return [w(c, d), w(a, b)];
    case 'BADC':
      return [w(b, a), w(d, c)];
    case 'DCBA':
      return [w(d, c), w(b, a)];
  }
}

const state = (p: RegisterPoint, value: number | null) =>
  Object.fromEntries(decodeBits(p, value).map((b) => [b.name, [b.value, b.state]]));

describe.each([16, 32] as const)('bitfield%i', (width) => {
  const type = width === 16 ? 'bitfield16' : 'bitfield32';
  describe.each(ORDERS)('word order %s', (order) => {
    const p = bitfield(type, order, bitsOf(width));
    const top = width === 16 ? 15 : 31;
    // normal operation: the expected-1 bits set, everything else clear
    const normal = 0b1 + 0b1_0000_0000 + (width === 32 ? 2 ** 16 : 0);

    it('decodes the hand-built wire layout and encodes back to it', () => {
      for (const v of [normal, normal + 2 ** top, 0x5a5a & (2 ** width - 1), 2 ** width - 2]) {
        const regs = wire(v, width, order);
        expect(encodeRaw(p, v)).toEqual(regs);
        expect(decodeElement(p, regs, 0)).toBe(v);
      }
    });

    it('normal value: every bit with an expectation is OK, the bit without one is NO_DATA', () => {
      const v = decodeElement(p, wire(normal, width, order), 0) as number;
      const s = state(p, v);
      expect(s.closed).toEqual([1, 'OK']);
      expect(s.enabled).toEqual([1, 'OK']);
      expect(s.fault).toEqual([0, 'OK']);
      expect(s.top).toEqual([0, 'OK']);
      expect(s.heater).toEqual([0, 'NO_DATA']);
      expect(worstState(decodeBits(p, v).map((b) => b.state))).toBe('OK');
      expect(unknownBits(p, v)).toEqual([]);
    });

    it('expected 1 cleared and expected 0 set take the bit severity', () => {
      // closed (exp 1) cleared, fault (exp 0) set, warn set, balancing set, cosmetic (OK severity) set, top set
      const v = normal - 1 + 0b10 + 0b1000_0000 + 2 ** 9 + 2 ** 11 + 2 ** top;
      const s = state(p, decodeElement(p, wire(v, width, order), 0) as number);
      expect(s.closed).toEqual([0, 'ALARM']);
      expect(s.fault).toEqual([1, 'ALARM']);
      expect(s.warn).toEqual([1, 'WARNING']);
      expect(s.balancing).toEqual([1, 'INFO']);
      expect(s.cosmetic).toEqual([1, 'OK']);
      expect(s.top).toEqual([1, 'ALARM']);
      expect(s.enabled).toEqual([1, 'OK']);
      if (width === 32) expect(s.lowWordOfHigh).toEqual([1, 'OK']);
    });

    it('a set bit the map does not define is reported as unknown, and changes no defined state', () => {
      const extra = width === 16 ? [3, 12] : [3, 12, 20, 30];
      const v = normal + extra.reduce((a, b) => a + 2 ** b, 0);
      const d = decodeElement(p, wire(v, width, order), 0) as number;
      expect(unknownBits(p, d)).toEqual(extra);
      expect(worstState(decodeBits(p, d).map((b) => b.state))).toBe('OK');
    });

    it('the SunSpec not-implemented value decodes to no data: every bit NO_DATA, no unknown bits', () => {
      const sentinel = 2 ** width - 1;
      const d = decodeElement(p, wire(sentinel, width, order), 0);
      expect(d).toBeNull();
      expect(decodeBits(p, d as null).every((b) => b.value === null && b.state === 'NO_DATA')).toBe(true);
      expect(worstState(decodeBits(p, null).map((b) => b.state))).toBe('NO_DATA');
      expect(unknownBits(p, null)).toEqual([]);
      // one below the sentinel is a value (all bits but bit 0 set)
      expect(decodeElement(p, wire(sentinel - 1, width, order), 0)).toBe(sentinel - 1);
    });
  });
});

describe('shipped maps', () => {
  const maps = loadRegisterMaps();
  const point = (map: string, metric: string) => maps.get(map)!.points.find((x) => x.metric === metric)!;

  it('bms-string-803 StrEvt1 (bitfield32): OVER_TEMP_ALARM and CONTACTOR_ERROR are ALARM when set', () => {
    const p = point('bms-string-803', 'stringEvents');
    const bit = (n: string) => p.bits!.find((b) => b.name === n)!.bit;
    const v = 2 ** bit('overTempAlarm') + 2 ** bit('contactorError') + 2 ** bit('overTempWarning');
    const s = state(p, decodeElement(p, encodeRaw(p, v), 0) as number);
    expect(s.overTempAlarm).toEqual([1, 'ALARM']);
    expect(s.contactorError).toEqual([1, 'ALARM']);
    expect(s.overTempWarning).toEqual([1, 'WARNING']);
    expect(s.groundFault).toEqual([0, 'OK']);
    expect(decodeElement(p, [0xffff, 0xffff], 0)).toBeNull();
  });

  it('bms-string-803 StrConSt (bitfield32, expected 1): an open positive contactor is an ALARM', () => {
    const p = point('bms-string-803', 'contactorState');
    const s = state(p, 0b1010);
    expect(s.positiveContactorClosed).toEqual([0, 'ALARM']);
    expect(s.negativeContactorClosed).toEqual([1, 'OK']);
    expect(s.disconnectSwitchClosed).toEqual([1, 'OK']);
  });

  it('every shipped bitfield point decodes its all-clear and all-set values without throwing', () => {
    let n = 0;
    for (const m of maps.values())
      for (const p of m.points) {
        if (p.type !== 'bitfield16' && p.type !== 'bitfield32') continue;
        n++;
        const width = p.type === 'bitfield16' ? 16 : 32;
        expect(decodeBits(p, 0)).toHaveLength(p.bits!.length);
        expect(decodeElement(p, encodeRaw(p, 2 ** width - 2), 0)).toBe(2 ** width - 2);
      }
    expect(n).toBeGreaterThan(5);
  });
});
