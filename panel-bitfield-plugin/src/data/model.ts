/**
 * What the panel renders, whatever the data came from (our datasource's `status` frame or any numeric field
 * decoded with bit definitions from the panel options): devices → status registers → bits, each with a state.
 *
 * States and their ranking are the model's (model/src/maps/codec.ts `BitState`, `STATE_RANK`, `worstState`):
 * ALARM > WARNING > INFO > OK > NO_DATA, so the same register reads the same in the collector, the API and here.
 */
import { STATE_RANK, worstState, type BitState } from '@openbess/model/src/maps/codec';
import type { Severity } from '@openbess/model/src/maps/types';

export { STATE_RANK, worstState };
export type { BitState, Severity };

/** Every state, best to worst for display order in legends. */
export const BIT_STATES: readonly BitState[] = ['OK', 'INFO', 'WARNING', 'ALARM', 'NO_DATA'];

/** One bit of a status register. */
export interface BitStatus {
  /** Bit index, 0 = least significant. */
  bit: number;
  /** Bit name (camelCase in our maps), or `unknown bit n` for a set bit no definition names. */
  name: string;
  description: string;
  /** Bit value in the sample; null when the register has no value. */
  value: 0 | 1 | null;
  /** Value in normal operation; null when the definition has none. */
  expected: 0 | 1 | null;
  /** Severity when the bit differs from `expected`. */
  severity: Severity;
  /** OK when equal to expected, `severity` when not, NO_DATA without value or expectation. */
  state: BitState;
  /** True for a set bit that no definition names (state INFO). */
  unknown: boolean;
}

/** One status register of one device. */
export interface RegisterStatus {
  /** Register key: the metric name (e.g. `stringEvents`) or, in numeric-field mode, the definition's `field`. */
  key: string;
  /** Human label (e.g. `String event 1`). */
  label: string;
  /** Raw unsigned value; null when there is no sample. */
  raw: number | null;
  /** Hex of `raw` (`0x003F`, 4 digits for 16-bit and 8 for 32-bit registers); empty without a sample. */
  hex: string;
  /** Time of the sample, epoch ms; null when unknown. */
  time: number | null;
  /**
   * The sample is too old to trust (API `status` query: older than 3 poll intervals): `raw`/`hex` are the last
   * known value, every bit is no data (value null, state NO_DATA) and the register's state is NO_DATA.
   */
  stale?: boolean;
  /**
   * The bits, in bit order. For `status` frames this list is built on first access (a site's grid shows only
   * register states, so the per-bit objects of 240 devices × 70 bits are never made unless a register is opened).
   */
  readonly bits: BitStatus[];
  /** How many bits are in each state (unknown bits count as INFO). */
  counts: Record<BitState, number>;
  /** Worst bit state; NO_DATA when there is no sample. */
  state: BitState;
  /** Why a value could not be decoded (e.g. not an integer), shown next to the register. */
  note?: string;
}

/** One device and its status registers. */
export interface DeviceStatus {
  device: string;
  registers: RegisterStatus[];
  /** Worst register state. */
  state: BitState;
}

/** A register column of the device grid. */
export interface RegisterColumn {
  key: string;
  label: string;
}

/** The panel's view of the data. */
export interface StatusModel {
  /** Where the states come from: our `status` frame, numeric fields + option definitions, or nothing usable. */
  source: 'status' | 'numeric' | 'none';
  /** Devices in natural order (BS9 before BS10). */
  devices: DeviceStatus[];
  /** Register columns in first-seen order. */
  registers: RegisterColumn[];
  /** Problems worth telling the user (bad rows, unmatched fields …). */
  problems: string[];
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural string order: digit runs compare as numbers, so `FI006ES1BK1BS9` < `FI006ES1BK1BS10`. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}

/** Zero counts of every state. */
export function emptyCounts(): Record<BitState, number> {
  return { OK: 0, INFO: 0, WARNING: 0, ALARM: 0, NO_DATA: 0 };
}

/** Counts of the states of `bits`. */
export function countStates(bits: BitStatus[]): Record<BitState, number> {
  const counts = emptyCounts();
  for (const b of bits) {
    counts[b.state]++;
  }
  return counts;
}

/** Worst state of a register's bits (NO_DATA without a sample). */
export function registerState(raw: number | null, bits: BitStatus[]): BitState {
  return raw === null ? 'NO_DATA' : worstState(bits.map((b) => b.state));
}

/** A device with its worst state computed. */
export function deviceStatus(device: string, registers: RegisterStatus[]): DeviceStatus {
  return { device, registers, state: worstState(registers.map((r) => r.state)) };
}

/** True when any register of the device is not OK (problem, unknown bit or missing data). */
export function hasNonOk(device: DeviceStatus): boolean {
  return device.registers.some((r) => r.state !== 'OK');
}

/**
 * Hex text of a raw register value, zero-padded to the register width: `0x003F` (16-bit), `0x0000003F` (32-bit).
 * A value wider than `widthBits` gets as many digits as it needs. Empty string for null.
 */
export function formatHex(raw: number | null, widthBits: 16 | 32): string {
  if (raw === null) {
    return '';
  }
  return `0x${raw
    .toString(16)
    .toUpperCase()
    .padStart(widthBits / 4, '0')}`;
}

/** Register columns (first-seen order) of a list of devices. */
export function registerColumns(devices: DeviceStatus[]): RegisterColumn[] {
  const seen = new Map<string, RegisterColumn>();
  for (const d of devices) {
    for (const r of d.registers) {
      if (!seen.has(r.key)) {
        seen.set(r.key, { key: r.key, label: r.label });
      }
    }
  }
  return [...seen.values()];
}
