/**
 * The bars of the current view as columns (typed arrays): one entry per string (string mode) or per block (block
 * mode), with footprint, signed value, freshness and time. Built once per data change; the per-update hot path
 * (`instances.ts`) only reads these arrays, so 100,000 bars update without allocating objects.
 */
import type { MetricKey, SiteModel, ViewMode } from '../types';
import { aggregateBlock, freshness, type Freshness, type StaleRule } from './aggregate';
import { effectiveMode, metricRange } from './colorScales';
import type { SiteLayout } from './layout';

/** Freshness codes stored in `BarSet.freshness`. */
export const FRESHNESS_CODE: Record<Freshness, number> = { ok: 0, stale: 1, offline: 2 };

/** Bars in columns; index i describes bar i. */
export interface BarSet {
  mode: ViewMode;
  metric: MetricKey;
  count: number;
  ids: string[];
  names: string[];
  /** 'batteryString' or 'bessBlock'. */
  profiles: string[];
  /** Extra tooltip line (block mode: strings used), '' when none. */
  details: string[];
  /** Offline / stale reason from the data (`offlineReason`), '' when none. */
  reasons: string[];
  /** Footprint centre and size, m. */
  x: Float32Array;
  z: Float32Array;
  w: Float32Array;
  d: Float32Array;
  /** Signed value (generator sign), NaN when missing. */
  values: Float64Array;
  /** `FRESHNESS_CODE` per bar. */
  freshness: Uint8Array;
  /** Epoch ms of the value, NaN when unknown. */
  times: Float64Array;
  /** Scale range [min, max] of the metric. */
  range: [number, number];
  /** Tallest bar, m. */
  maxHeight: number;
}

/** Allocates an empty bar set of n bars. */
export function allocBars(n: number, metric: MetricKey, mode: ViewMode): BarSet {
  return {
    mode,
    metric,
    count: n,
    ids: new Array<string>(n),
    names: new Array<string>(n),
    profiles: new Array<string>(n),
    details: new Array<string>(n),
    reasons: new Array<string>(n).fill(''),
    x: new Float32Array(n),
    z: new Float32Array(n),
    w: new Float32Array(n),
    d: new Float32Array(n),
    values: new Float64Array(n),
    freshness: new Uint8Array(n),
    times: new Float64Array(n),
    range: [0, 1],
    maxHeight: 1,
  };
}

const num = (v: number | null): number => (v === null ? NaN : v);

/**
 * Builds the bars of a site for a metric and mode. String-only metrics (DC voltage) force string mode.
 * @param layout must come from `layoutSite` with the same block / string counts as `site`.
 * @throws Error when the layout does not match the site.
 */
export function buildBars(
  site: SiteModel,
  layout: SiteLayout,
  metric: MetricKey,
  mode: ViewMode,
  rule: StaleRule,
  powerMaxKw = 0
): BarSet {
  if (layout.blocks.length !== site.blocks.length) {
    throw new Error(`layout has ${layout.blocks.length} blocks but the site has ${site.blocks.length}`);
  }
  const m = effectiveMode(metric, mode);
  const n = m === 'block' ? site.blocks.length : site.blocks.reduce((s, b) => s + b.strings.length, 0);
  const bars = allocBars(n, metric, m);
  bars.range = metricRange(metric, m, site, powerMaxKw);
  bars.maxHeight = layout.maxBarHeight;
  let i = 0;
  site.blocks.forEach((block, bi) => {
    const bl = layout.blocks[bi];
    if (m === 'block') {
      const agg = aggregateBlock(block, rule);
      const f = bl.blockBar;
      bars.ids[i] = block.id;
      bars.names[i] = block.name;
      bars.profiles[i] = 'bessBlock';
      bars.details[i] = block.strings.length
        ? `${agg.liveStrings}/${block.strings.length} strings fresh${agg.staleStrings ? `, ${agg.staleStrings} stale/offline` : ''}`
        : '';
      bars.x[i] = f.x;
      bars.z[i] = f.z;
      bars.w[i] = f.w;
      bars.d[i] = f.d;
      bars.values[i] = num(agg.values[metric]);
      bars.freshness[i] = FRESHNESS_CODE[agg.freshness];
      bars.reasons[i] = agg.freshness === 'ok' ? '' : (block.reason ?? '');
      bars.times[i] = num(agg.time);
      i++;
      return;
    }
    if (bl.strings.length !== block.strings.length) {
      throw new Error(`layout of block ${block.id} has ${bl.strings.length} slots for ${block.strings.length} strings`);
    }
    block.strings.forEach((s, si) => {
      const f = bl.strings[si];
      bars.ids[i] = s.id;
      bars.names[i] = s.name;
      bars.profiles[i] = 'batteryString';
      bars.details[i] = '';
      bars.x[i] = f.x;
      bars.z[i] = f.z;
      bars.w[i] = f.w;
      bars.d[i] = f.d;
      bars.values[i] = num(s.values[metric]);
      bars.freshness[i] = FRESHNESS_CODE[freshness(s.offline || block.offline, s.time, rule, s.stale)];
      bars.reasons[i] = s.reason ?? (block.offline ? (block.reason ?? '') : '');
      bars.times[i] = num(s.time);
      i++;
    });
  });
  return bars;
}
