import type { DataFrameJSON, TimeseriesQuery } from '@openbess/model';
import { HttpError } from '../errors';
import { canSeeSite } from '../identity';
import { frame, seriesValueColumn, timeColumn } from './frames';
import {
  concatPoints,
  levelPoints,
  levelPointsSql,
  m4,
  RAW_POINTS_SQL,
  RAW_TAIL_SQL,
  rawPoints,
  rawRowEstimateSql,
  type LevelPointsRow,
  type RawPointsRow,
  type SeriesPoints,
} from './m4';
import { chooseResolution, RAW_ROW_BUDGET, type PyramidLevel, type Resolution } from './resolution';
import type { QueryContext } from './context';

interface SeriesRow {
  id: number;
  device: string;
  metric: string;
  unit: string;
  kind: string;
  site: string;
}

/**
 * Resolves the requested (device, metric) pairs to series rows, in request order, duplicates removed.
 * Site access is enforced here from the device's stored site, never from anything in the request.
 * @throws HttpError 404 unknown device/metric, 403 site not granted, 400 array metric
 */
export async function resolveSeries(ctx: QueryContext, refs: TimeseriesQuery['series']): Promise<SeriesRow[]> {
  const r = await ctx.pool.query<SeriesRow>(
    `SELECT s.id, s.device, s.metric, s.unit, s.kind, d.site
       FROM unnest($1::text[], $2::text[]) AS w(device, metric)
       JOIN series s ON s.device = w.device AND s.metric = w.metric
       JOIN device d ON d.id = s.device`,
    [refs.map((x) => x.device), refs.map((x) => x.metric)]
  );
  const byKey = new Map(r.rows.map((x) => [`${x.device}\u0000${x.metric}`, x]));
  const out: SeriesRow[] = [];
  const seen = new Set<number>();
  for (const ref of refs) {
    const row = byKey.get(`${ref.device}\u0000${ref.metric}`);
    if (!row) {
      const d = await ctx.pool.query<{ site: string }>('SELECT site FROM device WHERE id = $1', [ref.device]);
      if (d.rowCount === 0) throw new HttpError(404, `unknown device ${ref.device}`);
      if (!canSeeSite(ctx.access, d.rows[0].site))
        throw new HttpError(403, `no access to device ${ref.device} (site ${d.rows[0].site})`);
      throw new HttpError(404, `device ${ref.device} has no metric ${ref.metric}`);
    }
    if (!canSeeSite(ctx.access, row.site))
      throw new HttpError(403, `no access to device ${row.device} (site ${row.site})`);
    if (row.kind !== 'scalar')
      throw new HttpError(400, `${row.device} ${row.metric} is an array metric; timeseries reads scalar metrics`);
    if (!seen.has(row.id)) out.push(row);
    seen.add(row.id);
  }
  return out;
}

/** How a timeseries query was answered (frame `meta.custom`). */
interface SourceInfo {
  /** Relation read: `telemetry` or a pyramid level. */
  source: string;
  bucketMs: number;
  downsampling: 'M4';
  /** Raw rows in range estimated from the rollups, when that decided the source. */
  rawRowsEstimate?: number;
  /** Raw rows read after the rollups' watermark (real-time part of a rollup read). */
  rawTailRows?: number;
}

/**
 * Reads the candidate points of the series from the chosen source and reduces each with M4.
 * A rollup level is replaced by raw rows when the rollups count at most {@link RAW_ROW_BUDGET} raw
 * rows in range (exact M4 at the same cost).
 */
async function readPoints(
  ctx: QueryContext,
  ids: number[],
  res: Resolution,
  levels: readonly PyramidLevel[]
): Promise<{ points: SeriesPoints; sql: string; info: SourceInfo }> {
  const params = [ctx.from, ctx.to, ids];
  let level = res.level;
  const info: SourceInfo = { source: 'telemetry', bucketMs: res.bucketMs, downsampling: 'M4' };
  if (level?.kind === 'rollup') {
    const coarsest = levels.reduce((a, b) => (b.kind === 'rollup' && b.bucketMs > a.bucketMs ? b : a), level);
    const est = await ctx.pool.query<{ n: number }>(rawRowEstimateSql(coarsest), params);
    info.rawRowsEstimate = Number(est.rows[0]?.n ?? 0);
    if (info.rawRowsEstimate <= RAW_ROW_BUDGET) level = null;
  }
  const points: SeriesPoints = new Map();
  if (!level) {
    const r = await ctx.pool.query<RawPointsRow>(RAW_POINTS_SQL, params);
    for (const row of r.rows) points.set(row.series_id, m4(rawPoints(row), ctx.from, ctx.to, res.bucketMs));
    return { points, sql: RAW_POINTS_SQL, info };
  }
  const sql = levelPointsSql(level);
  // rollups: plus the raw rows from the watermark on (not materialized yet); continuous aggregates
  // are real-time by themselves
  const rollup = level.kind === 'rollup';
  const [r, tail] = await Promise.all([
    ctx.pool.query<LevelPointsRow>(sql, params),
    rollup ? ctx.pool.query<RawPointsRow>(RAW_TAIL_SQL, params) : null,
  ]);
  const lv = new Map(r.rows.map((row) => [row.series_id, levelPoints(row, level, ctx.from, ctx.to)]));
  const raw = new Map((tail?.rows ?? []).map((row) => [row.series_id, rawPoints(row)]));
  for (const id of new Set([...lv.keys(), ...raw.keys()]))
    points.set(id, m4(concatPoints(lv.get(id), raw.get(id)), ctx.from, ctx.to, res.bucketMs));
  info.source = level.view;
  if (!tail) return { points, sql, info };
  info.rawTailRows = tail.rows.reduce((n, row) => n + row.t.length / 8, 0);
  return { points, sql: `${sql};\n${RAW_TAIL_SQL}`, info };
}

/**
 * `timeseries`: each series over [from, to), downsampled with M4 (see m4.ts) to at most
 * 4 × maxDataPoints points, from the coarsest pyramid level that still resolves a pixel column
 * (continuous aggregates under TimescaleDB, the store's rollup tables on plain PostgreSQL — unless few
 * raw rows are in range, see RAW_ROW_BUDGET) or from raw rows. One frame per series: `time` + `value`
 * with unit, display name "<device> <metric>", axis placement and labels {site, device, metric};
 * `meta.custom` says which source and bucket were used, `meta.executedQueryString` the SQL.
 */
export async function timeseriesQuery(ctx: QueryContext, q: TimeseriesQuery): Promise<DataFrameJSON[]> {
  const series = await resolveSeries(ctx, q.series);
  const levels = await ctx.pyramid();
  const res = chooseResolution(
    { fromMs: ctx.from, toMs: ctx.to, maxDataPoints: q.maxDataPoints, intervalMs: q.intervalMs },
    levels
  );
  const { points, sql, info } = await readPoints(
    ctx,
    series.map((s) => s.id),
    res,
    levels
  );
  const meta = { type: 'timeseries-multi', executedQueryString: sql.trim(), custom: { ...info } };
  return series.map((s) => {
    const p = points.get(s.id) ?? { t: [], v: [] };
    return frame(`${s.device} ${s.metric}`, q.refId, [timeColumn('time', p.t), seriesValueColumn(s, p.v)], meta);
  });
}
