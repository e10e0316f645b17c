import type { DataFrameJSON, TimeseriesQuery } from '@openbess/model';
import { HttpError } from '../errors';
import { canSeeSite } from '../identity';
import { frame, seriesValueColumn, timeColumn } from './frames';
import { M4_RAW_SQL, m4LevelSql } from './m4';
import { chooseResolution } from './resolution';
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

/**
 * `timeseries`: each series over [from, to), downsampled with M4 (see m4.ts) to at most
 * 4 × maxDataPoints points, read from the coarsest pyramid level that still resolves a pixel column
 * (continuous aggregates under TimescaleDB) or from raw rows. One frame per series: `time` + `value`
 * with unit, display name "<device> <metric>", axis placement and labels {site, device, metric};
 * `meta.custom` says which source and bucket were used, `meta.executedQueryString` the SQL.
 */
export async function timeseriesQuery(ctx: QueryContext, q: TimeseriesQuery): Promise<DataFrameJSON[]> {
  const series = await resolveSeries(ctx, q.series);
  const res = chooseResolution(
    { fromMs: ctx.from, toMs: ctx.to, maxDataPoints: q.maxDataPoints, intervalMs: q.intervalMs },
    await ctx.pyramid()
  );
  const sql = res.level ? m4LevelSql(res.level) : M4_RAW_SQL;
  const rows = await ctx.pool.query<{ series_id: number; t: number; value: number }>(sql, [
    ctx.from,
    ctx.to,
    res.bucketMs,
    series.map((s) => s.id),
  ]);
  const points = new Map<number, { t: number[]; v: number[] }>(series.map((s) => [s.id, { t: [], v: [] }]));
  for (const row of rows.rows) {
    const p = points.get(row.series_id)!;
    p.t.push(Number(row.t));
    p.v.push(row.value);
  }
  const meta = {
    type: 'timeseries-multi',
    executedQueryString: sql.trim(),
    custom: { source: res.level?.view ?? 'telemetry', bucketMs: res.bucketMs, downsampling: 'M4' },
  };
  return series.map((s) => {
    const p = points.get(s.id)!;
    return frame(`${s.device} ${s.metric}`, q.refId, [timeColumn('time', p.t), seriesValueColumn(s, p.v)], meta);
  });
}
