import { ROLLUP_ORIGIN_MS } from './rollup-schema';
import type { ScalarRows } from './rows';

/**
 * Rollup rows in memory: the 5-minute (or coarser) aggregates of samples per series and bucket, as the
 * refresh computes them from raw rows (./rollup.ts) and the writer keeps them for the rows it
 * committed (./rollup-delta.ts). Pure: no database.
 */

/** Per (series, bucket) aggregates of one level, column-wise; times as ms after the bucket start. */
export interface RollupRows {
  series: number[];
  /** Bucket start, epoch ms. */
  bucket: number[];
  min: number[];
  minOffset: number[];
  max: number[];
  maxOffset: number[];
  first: number[];
  firstOffset: number[];
  last: number[];
  lastOffset: number[];
  sum: number[];
  count: number[];
}

/** Bucket start (epoch ms) of a time on the grid of `bucketMs` anchored at {@link ROLLUP_ORIGIN_MS} (= date_bin). */
export function bucketStart(timeMs: number, bucketMs: number): number {
  return ROLLUP_ORIGIN_MS + Math.floor((timeMs - ROLLUP_ORIGIN_MS) / bucketMs) * bucketMs;
}

const emptyRows = (): RollupRows => ({
  series: [],
  bucket: [],
  min: [],
  minOffset: [],
  max: [],
  maxOffset: [],
  first: [],
  firstOffset: [],
  last: [],
  lastOffset: [],
  sum: [],
  count: [],
});

/**
 * Builds one level's rows from samples given in any order: finite values only (NULL/NaN/±Infinity
 * skipped). Ties: among equal minima (maxima) the earliest sample. Offsets are whole ms (timestamptz
 * keeps µs, the offset columns are int).
 */
export class RollupAccumulator {
  private readonly index = new Map<number, Map<number, number>>();
  private readonly a = emptyRows();
  /** The row of the last sample's (series, bucket): consecutive samples mostly share it. */
  private lastSeries = Number.NaN;
  private lastBucket = Number.NaN;
  private lastRow = -1;

  constructor(readonly bucketMs: number) {}

  /** Number of (series, bucket) rows so far. */
  get size(): number {
    return this.a.series.length;
  }

  /** Adds one sample (time in epoch ms). */
  add(s: number, t: number, v: number | null): void {
    if (v === null || !Number.isFinite(v)) return;
    const a = this.a;
    const b = bucketStart(t, this.bucketMs);
    const off = Math.floor(t - b);
    let k: number | undefined = this.lastRow;
    if (s !== this.lastSeries || b !== this.lastBucket) {
      let perSeries = this.index.get(s);
      if (!perSeries) this.index.set(s, (perSeries = new Map()));
      k = perSeries.get(b);
      if (k === undefined) {
        k = a.series.length;
        perSeries.set(b, k);
      }
      this.lastSeries = s;
      this.lastBucket = b;
      this.lastRow = k;
    }
    if (k === a.series.length) {
      a.series.push(s);
      a.bucket.push(b);
      a.min.push(v);
      a.minOffset.push(off);
      a.max.push(v);
      a.maxOffset.push(off);
      a.first.push(v);
      a.firstOffset.push(off);
      a.last.push(v);
      a.lastOffset.push(off);
      a.sum.push(v);
      a.count.push(1);
      return;
    }
    if (v < a.min[k] || (v === a.min[k] && off < a.minOffset[k])) {
      a.min[k] = v;
      a.minOffset[k] = off;
    }
    if (v > a.max[k] || (v === a.max[k] && off < a.maxOffset[k])) {
      a.max[k] = v;
      a.maxOffset[k] = off;
    }
    if (off < a.firstOffset[k]) {
      a.first[k] = v;
      a.firstOffset[k] = off;
    }
    if (off > a.lastOffset[k]) {
      a.last[k] = v;
      a.lastOffset[k] = off;
    }
    a.sum[k] += v;
    a.count[k]++;
  }

  /** The rows, sorted by (series, bucket) so concurrent upserts lock in one order. */
  rows(): RollupRows {
    return sortedRows(this.a);
  }
}

/** A copy of `a` sorted by (series, bucket). */
function sortedRows(a: RollupRows): RollupRows {
  const order = a.series.map((_, i) => i);
  order.sort((x, y) => a.series[x] - a.series[y] || a.bucket[x] - a.bucket[y]);
  const out = emptyRows();
  for (const key of Object.keys(out) as (keyof RollupRows)[]) out[key] = order.map((i) => a[key][i]);
  return out;
}

/** Aggregates scalar rows into one level's buckets (see {@link RollupAccumulator}). Output sorted by (series, bucket). */
export function aggregateRollup(rows: ScalarRows, bucketMs: number): RollupRows {
  const acc = new RollupAccumulator(bucketMs);
  for (let i = 0; i < rows.series.length; i++) acc.add(rows.series[i], rows.time[i], rows.value[i]);
  return acc.rows();
}

/** The rows of several {@link RollupRows} in one, sorted by (series, bucket). */
export function concatRows(parts: RollupRows[]): RollupRows {
  if (parts.length === 1) return parts[0];
  const all = emptyRows();
  for (const key of Object.keys(all) as (keyof RollupRows)[]) all[key] = parts.flatMap((p) => p[key]);
  return sortedRows(all);
}
