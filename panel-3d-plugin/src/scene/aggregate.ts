/**
 * Block aggregation, freshness and the unsigned bar magnitude of the 3D view (issue 5, "Modes" and "Metrics").
 */
import type { BlockModel, MetricKey, MetricValues, StringModel } from '../types';

/** Freshness of a device's values. */
export type Freshness = 'ok' | 'stale' | 'offline';

/** When values count as stale. */
export interface StaleRule {
  /** Reference time, epoch ms (the query's `to`, i.e. now for live dashboards). */
  now: number;
  /** Expected update interval, ms. */
  intervalMs: number;
  /** Stale when older than `intervals` × `intervalMs`. */
  intervals: number;
}

/**
 * Whether a timestamp is stale: older than `intervals × intervalMs` before `now`. An unknown time (null) is not
 * stale: frames without a time field cannot tell, and only their offline flag counts.
 */
export function isStale(time: number | null, rule: StaleRule): boolean {
  if (time === null) return false;
  return rule.now - time > rule.intervals * rule.intervalMs;
}

/**
 * Freshness of a device: offline (flag) wins over stale; stale when the data flags it (`flaggedStale`, the API's
 * `isOffline` with reason `no data`) or when its time is older than the rule allows.
 */
export function freshness(offline: boolean, time: number | null, rule: StaleRule, flaggedStale = false): Freshness {
  if (offline) return 'offline';
  return flaggedStale || isStale(time, rule) ? 'stale' : 'ok';
}

/**
 * Bar magnitude: the 3D view is unsigned (bar height = |value|, BESS Monitor user guide "3D Values"); every
 * other view keeps the generator sign. Null / NaN → null.
 */
export function magnitude(value: number | null): number | null {
  return value === null || Number.isNaN(value) ? null : Math.abs(value);
}

/** Aggregated values of a block. */
export interface BlockAggregate {
  values: MetricValues;
  /** Newest time among the strings used (or the block's own time). */
  time: number | null;
  /** Strings that contributed (fresh, online). */
  liveStrings: number;
  /** Strings left out as stale or offline. */
  staleStrings: number;
  freshness: Freshness;
}

const METRICS: readonly MetricKey[] = ['power', 'soc', 'tempMax', 'tempMin', 'dcVoltage'];

/**
 * Aggregates a block's fresh, online strings into one bar: power = sum (signed, generator convention; the bar
 * shows |sum|), SOC = capacity-weighted mean Σ(Eᵢ·SOCᵢ)/ΣEᵢ (equal weights when a capacity is missing), temp max =
 * max of the strings' max, temp min = min of the strings' min, DC voltage = mean (strings of a block share the DC
 * bus only through the PCS, so the mean is informative, not physical). A metric no fresh string carries falls back
 * to the block device's own value. The block is stale when it is flagged offline, or when it has strings and none
 * is fresh, or when it has none and its own time is stale.
 */
export function aggregateBlock(block: BlockModel, rule: StaleRule): BlockAggregate {
  const live: StringModel[] = [];
  for (const s of block.strings) if (freshness(s.offline, s.time, rule, s.stale) === 'ok') live.push(s);
  const values: MetricValues = { power: null, soc: null, tempMax: null, tempMin: null, dcVoltage: null };
  const allWeighted = live.every((s) => s.capacityKwh !== null && s.capacityKwh > 0);
  let socNum = 0;
  let socDen = 0;
  let dcSum = 0;
  let dcN = 0;
  let time: number | null = null;
  for (const s of live) {
    const v = s.values;
    if (v.power !== null) values.power = (values.power ?? 0) + v.power;
    if (v.soc !== null) {
      const w = allWeighted ? s.capacityKwh! : 1;
      socNum += w * v.soc;
      socDen += w;
    }
    if (v.tempMax !== null) values.tempMax = values.tempMax === null ? v.tempMax : Math.max(values.tempMax, v.tempMax);
    if (v.tempMin !== null) values.tempMin = values.tempMin === null ? v.tempMin : Math.min(values.tempMin, v.tempMin);
    if (v.dcVoltage !== null) {
      dcSum += v.dcVoltage;
      dcN++;
    }
    if (s.time !== null) time = time === null ? s.time : Math.max(time, s.time);
  }
  if (socDen > 0) values.soc = socNum / socDen;
  if (dcN > 0) values.dcVoltage = dcSum / dcN;
  for (const m of METRICS) if (values[m] === null) values[m] = block.values[m];
  if (time === null) time = block.time;
  let fresh: Freshness;
  if (block.offline) fresh = 'offline';
  else if (block.strings.length > 0)
    fresh = live.length > 0 ? 'ok' : block.strings.every((s) => s.offline) ? 'offline' : 'stale';
  else fresh = freshness(false, block.time, rule, block.stale);
  return { values, time, liveStrings: live.length, staleStrings: block.strings.length - live.length, freshness: fresh };
}
