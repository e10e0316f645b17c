/**
 * Test/bench helper: builds `status` frames (the datasource contract, see data/statusFrame.ts) from register
 * definitions and raw values, with the bit states computed by the model's codec (`decodeBits`) — the same code
 * the API uses. Output is plain frame input (`{ name, fields: [{ name, type, values }] }`), usable with
 * `toDataFrame()` in jsdom tests and as harness props in the browser.
 */
import { decodeBits } from '@openbess/model/src/maps/codec';
import type { BitDefinition } from '@openbess/model/src/maps/types';

/** A bitfield register as a register map defines it. */
export interface RegisterSpec {
  /** Metric name, e.g. `stringEvents`. */
  key: string;
  label: string;
  type: 'bitfield16' | 'bitfield32';
  bits: BitDefinition[];
}

/** One register sample of one device. */
export interface StatusSample {
  device: string;
  register: RegisterSpec;
  /** Raw unsigned value, null = no data. */
  raw: number | null;
  /** Epoch ms. */
  time: number;
  /** Too old to trust (the API's `stale`): raw and bit values kept as last known, every state NO_DATA. */
  stale?: boolean;
}

/** Plain frame input (what `toDataFrame` and the browser harness accept). */
export interface FrameInput {
  name?: string;
  refId?: string;
  fields: Array<{ name: string; type: string; values: unknown[] }>;
}

/** Hex as the datasource writes it: 4 digits for bitfield16, 8 for bitfield32, `""` without data. */
export function hexOf(raw: number | null, type: RegisterSpec['type']): string {
  return raw === null
    ? ''
    : `0x${raw
        .toString(16)
        .toUpperCase()
        .padStart(type === 'bitfield32' ? 8 : 4, '0')}`;
}

/**
 * A `status` frame with one row per (device, register, bit) of `samples`, shaped as the API's `status` query answers
 * (collector/src/api/query/status.ts), `stale` column included.
 */
export function statusFrameInput(samples: StatusSample[], refId = 'A'): FrameInput {
  const cols: Record<string, unknown[]> = {
    device: [],
    register: [],
    registerLabel: [],
    raw: [],
    hex: [],
    bit: [],
    bitName: [],
    description: [],
    value: [],
    expected: [],
    severity: [],
    state: [],
    time: [],
    stale: [],
  };
  for (const s of samples) {
    const decoded = decodeBits(s.register, s.raw);
    const stale = s.stale ?? false;
    decoded.forEach((b, i) => {
      const def = s.register.bits[i];
      cols.device.push(s.device);
      cols.register.push(s.register.key);
      cols.registerLabel.push(s.register.label);
      cols.raw.push(s.raw);
      cols.hex.push(hexOf(s.raw, s.register.type));
      cols.bit.push(b.bit);
      cols.bitName.push(b.name);
      cols.description.push(def.description ?? '');
      cols.value.push(b.value);
      cols.expected.push(b.expected);
      cols.severity.push(def.severity);
      cols.state.push(stale ? 'NO_DATA' : b.state);
      cols.time.push(s.time);
      cols.stale.push(stale);
    });
  }
  const type = (name: string) =>
    name === 'time'
      ? 'time'
      : name === 'stale'
        ? 'boolean'
        : ['raw', 'bit', 'value', 'expected'].includes(name)
          ? 'number'
          : 'string';
  return {
    name: 'status',
    refId,
    fields: Object.entries(cols).map(([name, values]) => ({ name, type: type(name), values })),
  };
}

/** The value where every bit has its expected value (bits without expectation 0). */
export function healthyRaw(spec: RegisterSpec): number {
  return spec.bits.reduce((v, b) => v + (b.expected === 1 ? 2 ** b.bit : 0), 0);
}
