/**
 * One level of the resolution pyramid: a pre-aggregated view of `telemetry` (min/max/first/last per
 * bucket).
 * - `aggregate`: a TimescaleDB continuous aggregate (`telemetry_5m` …): values only, sample times
 *   unknown inside a bucket;
 * - `rollup`: a plain-PostgreSQL rollup table (`telemetry_rollup_5m` …, store/rollup-schema.ts) that
 *   also stores each extreme's exact sample time (`*_offset_ms`), so answers consist of real samples.
 */
export interface PyramidLevel {
  /** Relation name, e.g. `telemetry_15m` or `telemetry_rollup_15m` (from the store's fixed lists). */
  view: string;
  /** Bucket width of the view, ms. */
  bucketMs: number;
  /** Which kind of pre-aggregation (default `aggregate`). */
  kind?: 'aggregate' | 'rollup';
}

/** Where a timeseries query reads from and at what bucket width. */
export interface Resolution {
  /** Width of one output bucket (≈ one pixel column), ms. */
  bucketMs: number;
  /** Pyramid level read, or null for raw `telemetry` rows. */
  level: PyramidLevel | null;
}

/** Default `maxDataPoints` when a query gives none (a typical panel width). */
export const DEFAULT_MAX_DATA_POINTS = 1000;

/**
 * Raw rows (all series of one query together) up to which a query reads raw `telemetry` even when a
 * rollup level could serve it: M4 over raw rows is exact (the same pixels as the data), M4 over a
 * rollup is exact only up to one rollup bucket at each pixel column's edges. 20 000 rows cost about
 * as much as the rollup read of a 30-day query here (PG 15, 2 cores: ≈ 10 ms), so exactness is free
 * below it. Only rollups give this count cheaply (their 1-day level's `count`); continuous aggregates
 * are chosen by range alone.
 */
export const RAW_ROW_BUDGET = 20_000;

/**
 * Chooses the output bucket and the source of a timeseries query.
 *
 * Bucket = max(intervalMs, ⌈(to − from) / maxDataPoints⌉, 1 ms): one bucket per pixel column, as
 * Grafana computes `intervalMs` = (to − from) / maxDataPoints (grafana rangeutil `calculateInterval`),
 * never finer than the interval Grafana asked for. Aligned at `from`, the range then holds at most
 * maxDataPoints buckets.
 *
 * Source = the coarsest pyramid level whose bucket is ≤ the output bucket (each output bucket then
 * aggregates whole pre-aggregated buckets, ≥ 1 per pixel), raw rows when even the finest level is
 * coarser than a pixel (short ranges) or no levels are available. The caller may still prefer raw
 * rows for a rollup level when few raw rows are in range ({@link RAW_ROW_BUDGET}).
 *
 * @param levels available pyramid levels in any order (empty = raw only)
 */
export function chooseResolution(
  q: { fromMs: number; toMs: number; maxDataPoints?: number; intervalMs?: number },
  levels: readonly PyramidLevel[]
): Resolution {
  const points = q.maxDataPoints ?? DEFAULT_MAX_DATA_POINTS;
  const bucketMs = Math.max(1, Math.ceil(q.intervalMs ?? 0), Math.ceil((q.toMs - q.fromMs) / points));
  let level: PyramidLevel | null = null;
  for (const l of levels) if (l.bucketMs <= bucketMs && (!level || l.bucketMs > level.bucketMs)) level = l;
  return { bucketMs, level };
}
