/**
 * The `status` frame contract between the OpenBESS datasource (`status` query type, issue 4) and this panel.
 *
 * One table frame named `status`, one row per (device, register, bit):
 *
 * | field           | type          | meaning                                                                  |
 * |-----------------|---------------|--------------------------------------------------------------------------|
 * | `device`        | string        | device id, e.g. `FI006ES1BK1BS3`                                         |
 * | `register`      | string        | metric name of the bitfield point, e.g. `stringEvents`                   |
 * | `registerLabel` | string        | the point's label, e.g. `String event 1`                                 |
 * | `raw`           | number\|null  | raw unsigned register value; null when there is no sample                |
 * | `hex`           | string        | `raw` in hex, `0x003F` (16-bit) / `0x0000003F` (32-bit); `""` if no data |
 * | `bit`           | number        | bit index, 0 = least significant (null for a register without bits)     |
 * | `bitName`       | string        | bit name from the register map, e.g. `overTempAlarm`                     |
 * | `description`   | string        | bit description from the register map                                    |
 * | `value`         | 0\|1\|null    | the bit in the sample; null without data                                 |
 * | `expected`      | 0\|1\|null    | value in normal operation; null when the map has no expectation          |
 * | `severity`      | string        | `OK` \| `INFO` \| `WARNING` \| `ALARM`: the state when value ≠ expected  |
 * | `state`         | string        | `OK` \| `INFO` \| `WARNING` \| `ALARM` \| `NO_DATA`                      |
 * | `time`          | time          | time of the register sample (epoch ms)                                   |
 * | `stale`         | boolean       | optional: the sample is older than 3 poll intervals (API `status` query) |
 *
 * `state` follows model/src/maps/codec.ts `decodeBits`. A stale register (`stale` true on its rows) keeps its raw
 * value and hex as the last known value, but its bits are no data (value null, state NO_DATA, whatever the row
 * says) and no `unknown bit` rows are added for it. A register without any value is no data, stale or not. Set bits of `raw` that no row lists are shown as
 * `unknown bit n` (INFO). A frame counts as a status frame when it is named `status` or has the fields `device`,
 * `register`, `bit` and `state`.
 */
import type { DataFrame, Field } from '@grafana/data';
import { unlistedSetBits } from './decode';
import {
  deviceStatus,
  emptyCounts,
  formatHex,
  naturalCompare,
  STATE_RANK,
  type BitState,
  type BitStatus,
  type DeviceStatus,
  type RegisterStatus,
  type Severity,
} from './model';

/** Name of the frame the datasource's `status` query returns. */
export const STATUS_FRAME_NAME = 'status';

/** Field names of the status frame. */
export const STATUS_FIELDS = [
  'device',
  'register',
  'registerLabel',
  'raw',
  'hex',
  'bit',
  'bitName',
  'description',
  'value',
  'expected',
  'severity',
  'state',
  'time',
  'stale',
] as const;

type StatusField = (typeof STATUS_FIELDS)[number];
type Columns = Record<StatusField, unknown[] | undefined>;

/** Fields a frame must have to be read as a status frame. */
const REQUIRED: readonly StatusField[] = ['device', 'register', 'bit', 'state'];
const MAX_PROBLEMS = 5;
const SEVERITIES: readonly string[] = ['OK', 'INFO', 'WARNING', 'ALARM'];
const RANKED: BitState[] = ['NO_DATA', 'OK', 'INFO', 'WARNING', 'ALARM']; // index = STATE_RANK
const BIT_STATE_SET = new Set<unknown>(RANKED);

/** True when `frame` is a status frame (named `status`, or carrying device/register/bit/state fields). */
export function isStatusFrame(frame: DataFrame): boolean {
  if (frame.name === STATUS_FRAME_NAME) {
    return true;
  }
  const names = new Set(frame.fields.map((f) => f.name));
  return REQUIRED.every((n) => names.has(n));
}

function bitValue(v: unknown): 0 | 1 | null {
  return v === 0 || v === 1 ? v : v === true ? 1 : v === false ? 0 : null;
}

function num(v: unknown): number | null {
  if (typeof v === 'number') {
    return Number.isFinite(v) ? v : null;
  }
  if (v === null || v === undefined || v === '') {
    return null;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A `stale` cell: boolean true (our API), or 1 / "true" from a datasource without booleans. */
const isStale = (v: unknown): boolean => v === true || v === 1 || v === 'true';

/** One register while scanning: its sample and the rows holding its bits (bits are built on first use). */
interface RegisterAcc {
  key: string;
  label: string;
  raw: number | null;
  hex: string;
  time: number | null;
  /** Any of its rows says `stale`. */
  stale: boolean;
  cols: Columns;
  /** Rows of the frame holding its bits, as [start, end) ranges, flat (one range when the rows are together). */
  ranges: number[];
  /** Listed bits as an unsigned 32-bit mask. */
  listed: number;
  rank: number;
  counts: Record<BitState, number>;
}

/** The bits of a register: its rows of the frame plus `unknown bit n` rows for unlisted set bits. */
function materialiseBits(acc: RegisterAcc): BitStatus[] {
  const c = acc.cols;
  const rows: number[] = [];
  for (let k = 0; k < acc.ranges.length; k += 2) {
    for (let row = acc.ranges[k]; row < acc.ranges[k + 1]; row++) {
      rows.push(row);
    }
  }
  const bits: BitStatus[] = rows.map((row) => {
    const b = num(c.bit?.[row]) ?? 0;
    const sev = str(c.severity?.[row]);
    const state = c.state?.[row];
    return {
      bit: b,
      name: str(c.bitName?.[row]) || `bit ${b}`,
      description: str(c.description?.[row]),
      value: acc.stale ? null : bitValue(c.value?.[row]),
      expected: bitValue(c.expected?.[row]),
      severity: (SEVERITIES.includes(sev) ? sev : 'WARNING') as Severity,
      state: !acc.stale && BIT_STATE_SET.has(state) ? (state as BitState) : 'NO_DATA',
      unknown: false,
    };
  });
  for (const bit of acc.stale ? [] : unlistedSetBits(acc.raw, acc.listed)) {
    bits.push({
      bit,
      name: `unknown bit ${bit}`,
      description: 'Set, but not in the register map',
      value: 1,
      expected: null,
      severity: 'INFO',
      state: 'INFO',
      unknown: true,
    });
  }
  return bits.sort((a, b) => a.bit - b.bit);
}

/** A register of a status frame; its `bits` are built from the frame rows on first access. */
class StatusFrameRegister implements RegisterStatus {
  readonly key: string;
  readonly label: string;
  readonly raw: number | null;
  readonly hex: string;
  readonly time: number | null;
  readonly stale: boolean;
  readonly counts: Record<BitState, number>;
  readonly state: BitState;
  private cached: BitStatus[] | undefined;

  constructor(private readonly acc: RegisterAcc) {
    const unknown = acc.stale ? 0 : unlistedSetBits(acc.raw, acc.listed).length;
    this.key = acc.key;
    this.label = acc.label || acc.key;
    this.raw = acc.raw;
    this.hex = acc.hex;
    this.time = acc.time;
    // the API also flags a register never written (raw null) stale: that is plain no data, no last known value
    this.stale = acc.stale && acc.raw !== null;
    this.counts = acc.counts;
    this.counts.INFO += unknown;
    this.state =
      RANKED[
        acc.raw === null || acc.stale ? STATE_RANK.NO_DATA : Math.max(acc.rank, unknown > 0 ? STATE_RANK.INFO : 0)
      ];
  }

  get bits(): BitStatus[] {
    this.cached ??= materialiseBits(this.acc);
    return this.cached;
  }
}

/**
 * Reads status frames into devices (natural order) → registers (frame order) → bits (bit order), in one pass over
 * the rows; per-bit objects are made only when a register's `bits` are read. Rows without a device or register are
 * skipped and reported in `problems`, as are unknown state values (read as NO_DATA). Throws nothing.
 */
export function parseStatusFrames(frames: DataFrame[]): { devices: DeviceStatus[]; problems: string[] } {
  const problems: string[] = [];
  let skipped = 0;
  const note = (msg: string) => {
    if (problems.length < MAX_PROBLEMS) {
      problems.push(msg);
    } else {
      skipped++;
    }
  };
  const devices = new Map<string, Map<string, RegisterAcc>>();

  for (const frame of frames) {
    const byName = new Map<string, Field>(frame.fields.map((f) => [f.name, f]));
    const missing = REQUIRED.filter((n) => !byName.has(n));
    if (missing.length > 0) {
      note(`frame "${frame.name ?? frame.refId ?? ''}" has no field ${missing.map((m) => `"${m}"`).join(', ')}`);
      continue;
    }
    const cols = Object.fromEntries(STATUS_FIELDS.map((n) => [n, byName.get(n)?.values])) as Columns;
    const { device, register, registerLabel, raw, hex, bit, state, time, stale } = cols;
    let prevDev: unknown;
    let prevReg: unknown;
    let acc: RegisterAcc | undefined;
    for (let i = 0; i < frame.length; i++) {
      const dev = device![i];
      const reg = register![i];
      if (dev !== prevDev || reg !== prevReg || !acc) {
        prevDev = dev;
        prevReg = reg;
        if (typeof dev !== 'string' || dev === '' || typeof reg !== 'string' || reg === '') {
          acc = undefined;
          note(`row ${i + 1}: no device or register`);
          continue;
        }
        let regs = devices.get(dev);
        if (!regs) {
          regs = new Map();
          devices.set(dev, regs);
        }
        acc = regs.get(reg);
        if (!acc) {
          acc = {
            key: reg,
            label: '',
            raw: null,
            hex: '',
            time: null,
            stale: false,
            cols,
            ranges: [],
            listed: 0,
            rank: 0,
            counts: emptyCounts(),
          };
          regs.set(reg, acc);
        }
        if (!acc.label) {
          acc.label = str(registerLabel?.[i]);
        }
      }
      if (acc.raw === null) {
        const r = num(raw?.[i]);
        if (r !== null) {
          acc.raw = r;
          const h = hex?.[i];
          acc.hex = typeof h === 'string' && h !== '' ? h : formatHex(r, r > 0xffff ? 32 : 16);
        }
      }
      const t = time?.[i];
      if (typeof t === 'number' && (acc.time === null || t > acc.time)) {
        acc.time = t;
      }
      const rowStale = isStale(stale?.[i]);
      if (rowStale) {
        acc.stale = true;
      }
      const b = bit![i];
      if (typeof b !== 'number') {
        continue; // a register row without bits (raw value only)
      }
      let s = (rowStale ? 'NO_DATA' : state![i]) as BitState;
      let rank = BIT_STATE_SET.has(s) ? STATE_RANK[s] : undefined;
      if (rank === undefined) {
        note(`row ${i + 1}: ${dev} ${reg} bit ${b}: unknown state "${String(s)}" (read as no data)`);
        s = 'NO_DATA';
        rank = 0;
      }
      if (rank > acc.rank) {
        acc.rank = rank;
      }
      acc.counts[s]++;
      const n = acc.ranges.length;
      if (n > 0 && acc.ranges[n - 1] === i) {
        acc.ranges[n - 1] = i + 1;
      } else {
        acc.ranges.push(i, i + 1);
      }
      if (b >= 0 && b < 32) {
        acc.listed = (acc.listed | (1 << b)) >>> 0;
      }
    }
  }
  if (skipped > 0) {
    problems.push(`… and ${skipped} more`);
  }

  const out: DeviceStatus[] = [];
  for (const [dev, regs] of devices) {
    out.push(
      deviceStatus(
        dev,
        [...regs.values()].map((acc) => new StatusFrameRegister(acc))
      )
    );
  }
  out.sort((a, b) => naturalCompare(a.device, b.device));
  return { devices: out, problems };
}
