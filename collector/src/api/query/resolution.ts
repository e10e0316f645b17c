/** One level of the resolution pyramid: a pre-aggregated view of `telemetry` (min/max/first/last per bucket). */
export interface PyramidLevel {
  /** Relation name, e.g. `telemetry_15m` (the store's continuous aggregates). */
  view: string;
  /** Bucket width of the view, ms. */
  bucketMs: number;
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
 * Chooses the output bucket and the source of a timeseries query.
 *
 * Bucket = max(intervalMs, ⌈(to − from) / maxDataPoints⌉, 1 ms): one bucket per pixel column, as
 * Grafana computes `intervalMs` = (to − from) / maxDataPoints (grafana rangeutil `calculateInterval`),
 * never finer than the interval Grafana asked for. Aligned at `from`, the range then holds at most
 * maxDataPoints buckets.
 *
 * Source = the coarsest pyramid level whose bucket is ≤ the output bucket (each output bucket then
 * aggregates whole pre-aggregated buckets, ≥ 1 per pixel), raw rows when even the finest level is
 * coarser than a pixel (short ranges) or no levels are available (plain PostgreSQL).
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
