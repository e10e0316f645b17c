import { decodeRegister, toRawValue, unlistedSetBits } from './decode';
import type { RegisterDefinition } from './definitions';
import { formatHex } from './model';

const pcs: RegisterDefinition = {
  field: 'status',
  label: 'PCS status',
  type: 'bitfield16',
  sentinel: null,
  bits: [
    { bit: 0, name: 'running', expected: 1, severity: 'WARNING', description: 'PCS running' },
    { bit: 1, name: 'gridConnected', expected: 1, severity: 'ALARM' },
    { bit: 3, name: 'fault', expected: 0, severity: 'ALARM' },
    { bit: 4, name: 'derating', expected: 0, severity: 'WARNING' },
    { bit: 5, name: 'heater', severity: 'INFO' },
  ],
};

const contactor: RegisterDefinition = {
  field: 'events',
  label: 'String events',
  type: 'bitfield32',
  sentinel: null,
  bits: [
    { bit: 0, name: 'communicationError', expected: 0, severity: 'ALARM' },
    { bit: 20, name: 'contactorError', expected: 0, severity: 'ALARM' },
    { bit: 26, name: 'otherWarning', expected: 0, severity: 'WARNING' },
    { bit: 31, name: 'enabled', expected: 1, severity: 'WARNING' },
  ],
};

const stateOf = (r: ReturnType<typeof decodeRegister>, bit: number) => r.bits.find((b) => b.bit === bit)?.state;

describe('decodeRegister, bitfield16', () => {
  it('compares each bit with its expected value: expected 1 missing and expected 0 set are problems', () => {
    const r = decodeRegister(pcs, 0x0009, 1000); // bits 0 and 3 set
    expect(r.hex).toBe('0x0009');
    expect(r.raw).toBe(9);
    expect(r.bits.map((b) => [b.bit, b.value, b.state])).toEqual([
      [0, 1, 'OK'], // running, expected 1
      [1, 0, 'ALARM'], // gridConnected expected 1, is 0
      [3, 1, 'ALARM'], // fault expected 0, is 1
      [4, 0, 'OK'],
      [5, 0, 'NO_DATA'], // no expectation
    ]);
    expect(r.state).toBe('ALARM');
    expect(r.time).toBe(1000);
  });

  it('is OK when every bit has its expected value, and WARNING when only a warning bit differs', () => {
    expect(decodeRegister(pcs, 0x0003, null).state).toBe('OK');
    const derated = decodeRegister(pcs, 0x0013, null);
    expect(stateOf(derated, 4)).toBe('WARNING');
    expect(derated.state).toBe('WARNING');
    expect(decodeRegister(pcs, 0x0002, null).state).toBe('WARNING'); // not running
  });

  it('reports set bits no definition names as "unknown bit n" with state INFO', () => {
    const r = decodeRegister(pcs, 0x0043, null); // bits 0, 1 (OK) and 6 (undefined)
    const unknown = r.bits.filter((b) => b.unknown);
    expect(unknown.map((b) => [b.bit, b.name, b.state])).toEqual([[6, 'unknown bit 6', 'INFO']]);
    expect(r.state).toBe('INFO');
    expect(r.bits.map((b) => b.bit)).toEqual([0, 1, 3, 4, 5, 6]);
  });

  it('null, NaN and non-numbers are no data: every bit NO_DATA, empty hex', () => {
    for (const v of [null, undefined, NaN, Infinity, 'abc']) {
      const r = decodeRegister(pcs, v, null);
      expect(r.raw).toBeNull();
      expect(r.hex).toBe('');
      expect(r.state).toBe('NO_DATA');
      expect(r.bits.every((b) => b.value === null && b.state === 'NO_DATA')).toBe(true);
    }
  });

  it('a non-integer is no data with the reason', () => {
    const r = decodeRegister(pcs, 3.5, null);
    expect(r.state).toBe('NO_DATA');
    expect(r.note).toMatch(/3.5 is not an integer/);
  });

  it('the sentinel value means "not implemented" → no data', () => {
    const r = decodeRegister({ ...pcs, sentinel: 0xffff }, 0xffff, null);
    expect(r.state).toBe('NO_DATA');
    expect(r.note).toMatch(/0xFFFF/);
    expect(decodeRegister(pcs, 0xffff, null).state).toBe('ALARM'); // without a sentinel it is a value
  });

  it('negative values (read as int16) are two’s complement', () => {
    expect(toRawValue(-1, pcs)).toEqual({ raw: 0xffff });
    expect(toRawValue(-32768, pcs)).toEqual({ raw: 0x8000 });
    expect(toRawValue(-32769, pcs).raw).toBeNull();
  });
});

describe('decodeRegister, bitfield32', () => {
  it('decodes high bits without sign problems and pads hex to 8 digits', () => {
    const r = decodeRegister(contactor, 0x80100000, null); // bits 31 and 20
    expect(r.hex).toBe('0x80100000');
    expect(stateOf(r, 31)).toBe('OK');
    expect(stateOf(r, 20)).toBe('ALARM');
    expect(stateOf(r, 0)).toBe('OK');
    expect(r.state).toBe('ALARM');
  });

  it('expected 1 on bit 31: missing → WARNING; an int32 reading of the same word decodes the same', () => {
    expect(decodeRegister(contactor, 0x04000000, null).state).toBe('WARNING');
    const signed = decodeRegister(contactor, 0x80000000 - 2 ** 32, null);
    expect(signed.raw).toBe(0x80000000);
    expect(signed.state).toBe('OK');
  });

  it('unknown bits above 16 are found in 32-bit registers', () => {
    const r = decodeRegister(contactor, 0x80000000 + 2 ** 17, null);
    expect(r.bits.filter((b) => b.unknown).map((b) => b.bit)).toEqual([17]);
  });
});

describe('helpers', () => {
  it('formatHex pads to the register width', () => {
    expect(formatHex(0x3f, 16)).toBe('0x003F');
    expect(formatHex(0x3f, 32)).toBe('0x0000003F');
    expect(formatHex(null, 16)).toBe('');
  });

  it('unlistedSetBits finds set bits outside a list', () => {
    expect(unlistedSetBits(0b1011, 0b0011)).toEqual([3]);
    expect(unlistedSetBits(0x80000001, 0x1)).toEqual([31]);
    expect(unlistedSetBits(null, 0)).toEqual([]);
  });
});
