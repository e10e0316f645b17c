/**
 * Time-based, capacity-weighted availability of a BESS site and its blocks (issue 6 §4).
 *
 * ## Formula
 * Over a period of length T (hours), for block b with nameplate energy C_b and battery strings s with C_s:
 *
 *   u_b(t) = 1                                  if b (or an ancestor: the BESS node) is out at t
 *          = min(1, Σ_{s out at t} C_s / C_b)   otherwise            (strings pro rata to their capacity share)
 *
 *   D_b = ∫_T u_b(t) dt                 equivalent full-block downtime, hours
 *   A_b = 1 − D_b / T                   block availability
 *   A_site = Σ_b C_b · A_b / Σ_b C_b    site availability (capacity-weighted mean of the blocks)
 *
 * Contract availability is A_site compared with a target (default {@link DEFAULT_AVAILABILITY_TARGET_PCT}).
 *
 * ## Source
 * The time-based availability of IEC 61400-26-1:2019 (wind; the category model adopted by BESS long-term
 * service agreements): available time over period time, with partial unavailability of a unit counted in
 * proportion to the capacity lost, i.e. the "equivalent" derating hours of IEEE Std 762-2006 / NERC GADS
 * Equivalent Availability Factor, EAF = (AH − EUDH − EPDH) / PH, where a string outage derates its block by
 * C_s / C_b.
 *
 * ## Which outages count
 * Manual offline periods from the maintenance app's device status (a device marked offline with a reason,
 * until marked online; an open period lasts to the end of the range). Communication loss (`device_quality`)
 * is deliberately NOT counted: a lost SCADA link says nothing about whether the BESS can deliver, and LTSAs
 * exclude monitoring outages from unavailability; operators who judge a device really down mark it offline.
 * HVAC, safety and meter devices do not count either: they are not energy-storage capacity.
 *
 * Pure: no I/O, times in epoch milliseconds.
 */

/** Default contract availability target, percent. */
export const DEFAULT_AVAILABILITY_TARGET_PCT = 98;

/** One outage of one device: [from, to) in epoch ms; `to` null = still out (until the end of the range). */
export interface OutagePeriod {
  device: string;
  from: number;
  to: number | null;
}

/** A battery string of a block. */
export interface AvailabilityString {
  id: string;
  /** Nameplate energy, kWh (`device.capacity_kwh`); missing → equal share of the block. */
  capacityKwh?: number | null;
}

/** A block and what takes it out. */
export interface AvailabilityBlock {
  id: string;
  /** Nameplate energy, kWh; missing → sum of its strings (or 1 when none are known). */
  capacityKwh?: number | null;
  strings: AvailabilityString[];
  /** Devices whose outage takes the whole block out besides the block itself (e.g. the BESS node `FI006ES1`). */
  ancestors?: string[];
}

/** Inputs of {@link computeAvailability}. */
export interface AvailabilityInput {
  /** Period start, epoch ms. */
  from: number;
  /** Period end (exclusive), epoch ms; must be after `from`. */
  to: number;
  blocks: AvailabilityBlock[];
  /** Outages of any devices (others than blocks, their strings and ancestors are ignored); may overlap. */
  outages: OutagePeriod[];
  /** Contract target, percent (default 98). */
  targetPct?: number;
}

/** Availability of one block. */
export interface BlockAvailability {
  device: string;
  capacityKwh: number;
  /** A_b × 100. */
  availabilityPct: number;
  /** D_b, hours. */
  equivalentDowntimeHours: number;
  /** Outage periods that touched the block or its strings in the range. */
  outages: number;
}

/** Result of {@link computeAvailability}. */
export interface AvailabilityResult {
  from: number;
  to: number;
  /** T, hours. */
  periodHours: number;
  targetPct: number;
  /** A_site × 100 (100 for a site without blocks). */
  availabilityPct: number;
  /** Capacity-weighted equivalent downtime Σ C_b D_b / Σ C_b, hours. */
  equivalentDowntimeHours: number;
  /** availabilityPct ≥ targetPct. */
  meetsTarget: boolean;
  /** targetPct − availabilityPct when below target, else 0 (percentage points). */
  shortfallPct: number;
  blocks: BlockAvailability[];
}

const HOUR = 3_600_000;

type Iv = [number, number];

/** Clips to [from, to) and merges overlapping intervals; returns sorted disjoint intervals. */
function union(ivs: Iv[], from: number, to: number): Iv[] {
  const c = ivs
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as Iv)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: Iv[] = [];
  for (const iv of c) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else out.push([iv[0], iv[1]]);
  }
  return out;
}

const length = (ivs: Iv[]): number => ivs.reduce((n, [a, b]) => n + (b - a), 0);

/** Length of `a` minus its overlap with `b` (both sorted and disjoint). */
function lengthOutside(a: Iv[], b: Iv[]): number {
  let n = 0;
  let j = 0;
  for (const [s, e] of a) {
    let covered = 0;
    while (j < b.length && b[j][1] <= s) j++;
    for (let k = j; k < b.length && b[k][0] < e; k++) covered += Math.min(e, b[k][1]) - Math.max(s, b[k][0]);
    n += e - s - covered;
  }
  return n;
}

/**
 * Computes time-based, capacity-weighted availability (formula and source in the module TSDoc).
 * O(n log n) in the number of outage periods.
 * @throws RangeError when `to` ≤ `from` or a target outside 0..100 is given.
 */
export function computeAvailability(input: AvailabilityInput): AvailabilityResult {
  const { from, to } = input;
  if (!(to > from)) throw new RangeError(`availability period must end after it starts (from ${from}, to ${to})`);
  const targetPct = input.targetPct ?? DEFAULT_AVAILABILITY_TARGET_PCT;
  if (!(targetPct >= 0 && targetPct <= 100)) throw new RangeError(`availability target ${targetPct} % is not 0..100`);
  const T = to - from;
  const byDevice = new Map<string, Iv[]>();
  for (const o of input.outages) {
    const end = o.to ?? to;
    if (end <= from || o.from >= to || end <= o.from) continue;
    let l = byDevice.get(o.device);
    if (!l) byDevice.set(o.device, (l = []));
    l.push([o.from, end]);
  }
  const blocks: BlockAvailability[] = input.blocks.map((b) => {
    const stringSum = b.strings.reduce((n, s) => n + (s.capacityKwh ?? 0), 0);
    const cap = b.capacityKwh && b.capacityKwh > 0 ? b.capacityKwh : stringSum > 0 ? stringSum : 1;
    const blockIvs: Iv[] = [];
    let touched = 0;
    for (const d of [b.id, ...(b.ancestors ?? [])]) {
      const l = byDevice.get(d) ?? [];
      touched += l.length;
      blockIvs.push(...l);
    }
    const whole = union(blockIvs, from, to);
    let downtime = length(whole);
    for (const s of b.strings) {
      const l = byDevice.get(s.id);
      if (!l) continue;
      touched += l.length;
      const share =
        stringSum > 0 ? Math.min(1, (s.capacityKwh ?? 0) / cap) : b.strings.length > 0 ? 1 / b.strings.length : 0;
      downtime += share * lengthOutside(union(l, from, to), whole);
    }
    downtime = Math.min(downtime, T);
    return {
      device: b.id,
      capacityKwh: cap,
      availabilityPct: (1 - downtime / T) * 100,
      equivalentDowntimeHours: downtime / HOUR,
      outages: touched,
    };
  });
  const capTotal = blocks.reduce((n, b) => n + b.capacityKwh, 0);
  const availabilityPct =
    blocks.length === 0 ? 100 : blocks.reduce((n, b) => n + b.capacityKwh * b.availabilityPct, 0) / capTotal;
  const equivalentDowntimeHours =
    blocks.length === 0 ? 0 : blocks.reduce((n, b) => n + b.capacityKwh * b.equivalentDowntimeHours, 0) / capTotal;
  return {
    from,
    to,
    periodHours: T / HOUR,
    targetPct,
    availabilityPct,
    equivalentDowntimeHours,
    meetsTarget: availabilityPct >= targetPct,
    shortfallPct: Math.max(0, targetPct - availabilityPct),
    blocks,
  };
}
