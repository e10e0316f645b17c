import type { DataFrameJSON, LatestQuery } from '@openbess/model';
import { column, frame, timeColumn } from './frames';
import { assertDevices, assertSites, siteFilter, type QueryContext } from './context';
import { epochMs, packFloat8, packInt4, readFloat8, readInt4 } from './pg-array';
import { SERIES_STAMP_SQL, seriesCache, type SeriesInfo, type SeriesSnapshot } from './series-cache';

/**
 * Values of the latest-values table for a list of series ids, with the series-catalogue stamp read in
 * the same statement (one round trip; packed binary columns instead of rows — see pg-array.ts; a
 * NULL value travels as NaN). $1 = series ids (int[]).
 */
export const LATEST_VALUES_SQL = `
SELECT ${SERIES_STAMP_SQL} AS stamp, ${packInt4('l.series_id')} AS id,
       ${packFloat8(`coalesce(l.value, 'NaN'::float8)`)} AS v, ${packFloat8(epochMs('l.time'))} AS t
  FROM latest l
 WHERE l.series_id = ANY($1::int[])`;

/**
 * Latest arrays (cell voltages/temperatures of battery strings, SunSpec 805) for a list of series ids.
 * $1 = series ids (int[]).
 */
export const LATEST_ARRAYS_SQL = `
SELECT la.series_id AS id, la.value AS v, ${epochMs('la.time')} AS t
  FROM latest_array la
 WHERE la.series_id = ANY($1::int[])`;

/** The row of {@link LATEST_VALUES_SQL}. */
interface LatestValuesRow {
  stamp: string;
  id: Buffer | null;
  v: Buffer | null;
  t: Buffer | null;
}

/** The series a latest query reads, in frame order, and their ids as one array literal. */
interface Selection {
  wanted: SeriesInfo[];
  idsLiteral: string;
}

/** Selections memoized per snapshot (dashboards repeat the same few filters every refresh). */
const selections = new WeakMap<SeriesSnapshot, Map<string, Selection>>();
const MAX_SELECTIONS = 256;

/**
 * Scalar series of the snapshot that pass the query's filters and the user's site grants, in frame
 * order, with their ids as a PostgreSQL array literal (built with one join: node-postgres' element by
 * element array serialization costs several ms for a large site's 7.6 k ids). Memoized per snapshot
 * and filter, grants included in the key.
 */
function selectSeries(ctx: QueryContext, q: LatestQuery, snap: SeriesSnapshot): Selection {
  const granted = siteFilter(ctx.access);
  const key = JSON.stringify([granted, q.site ?? null, q.devices ?? null, q.metrics ?? null]);
  let memo = selections.get(snap);
  if (!memo) selections.set(snap, (memo = new Map()));
  const hit = memo.get(key);
  if (hit) return hit;
  const grantedSet = granted ? new Set(granted) : null;
  const sites = q.site ? new Set(q.site) : null;
  const devices = q.devices?.length ? new Set(q.devices) : null;
  const metrics = q.metrics?.length ? new Set(q.metrics) : null;
  const wanted = snap.scalars.filter(
    (s) =>
      (!grantedSet || grantedSet.has(s.site)) &&
      (!sites || sites.has(s.site)) &&
      (!devices || devices.has(s.device)) &&
      (!metrics || metrics.has(s.metric))
  );
  const sel = { wanted, idsLiteral: `{${wanted.map((s) => s.id).join(',')}}` };
  if (memo.size >= MAX_SELECTIONS) memo.clear();
  memo.set(key, sel);
  return sel;
}

/**
 * `latest`: the latest value of each scalar series with its timestamp, as one table frame with the
 * columns site, device, metric, value, unit, time — from the store's latest-values table (O(series),
 * independent of history length; collector-and-storage notes §5). Filters: `site` (one or several),
 * `devices`, `metrics`; without site and devices, every visible site. Series never written are left
 * out. Rows are restricted to the user's sites (device's stored site, never the request).
 *
 * Array series (cell voltages/temperatures) named in `metrics` come as a second frame, see
 * {@link latestArrays}.
 *
 * Names, units and sites come from the in-process series cache (./series-cache.ts), validated by the
 * stamp read with the values: a stale cache is reloaded and the read repeated, so an answer never
 * mixes a newer catalogue with older grants. A large site (≈ 7.6 k series) is one indexed read.
 * @throws HttpError 404/403 for a named site or device that is unknown or not granted
 */
export async function latestQuery(ctx: QueryContext, q: LatestQuery): Promise<DataFrameJSON[]> {
  if (q.site) await assertSites(ctx, q.site);
  if (q.devices?.length) await assertDevices(ctx, q.devices);
  const cache = seriesCache(ctx.pool);
  let snap = (await cache.get()).data;
  let wanted: SeriesInfo[] = [];
  let row: LatestValuesRow | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const sel = selectSeries(ctx, q, snap);
    wanted = sel.wanted;
    const r = await ctx.pool.query<LatestValuesRow>(LATEST_VALUES_SQL, [sel.idsLiteral]);
    row = r.rows[0];
    const checked = await cache.get(row.stamp);
    if (!checked.reloaded) break;
    snap = checked.data;
    row = undefined;
  }
  if (!row) throw new Error('series catalogue kept changing during a latest query');
  const arrays = await latestArrays(ctx, q, snap);
  const ids = readInt4(row.id);
  const values = readFloat8(row.v);
  const times = readFloat8(row.t);
  // series id → position in the answer (ids are small serials: a typed array beats a Map)
  let maxId = 0;
  for (const id of ids) if (id > maxId) maxId = id;
  const at = new Int32Array(maxId + 1).fill(-1);
  ids.forEach((id, i) => (at[id] = i));
  const cols = {
    site: [] as string[],
    device: [] as string[],
    metric: [] as string[],
    value: [] as (number | null)[],
    unit: [] as string[],
    time: [] as number[],
  };
  for (const s of wanted) {
    const i = s.id < at.length ? at[s.id] : -1;
    if (i < 0) continue;
    cols.site.push(s.site);
    cols.device.push(s.device);
    cols.metric.push(s.metric);
    const v = values[i];
    cols.value.push(Number.isFinite(v) ? v : null);
    cols.unit.push(s.unit);
    cols.time.push(times[i]);
  }
  return [
    frame(
      'latest',
      q.refId,
      [
        column('site', 'string', cols.site),
        column('device', 'string', cols.device),
        column('metric', 'string', cols.metric),
        column('value', 'number', cols.value),
        column('unit', 'string', cols.unit),
        timeColumn('time', cols.time),
      ],
      { preferredVisualisationType: 'table' }
    ),
    ...arrays,
  ];
}

/**
 * Array series (kind `array`, e.g. `cellVoltages`, `cellTemperatures`) named explicitly in `metrics`:
 * one extra long-form frame `latestArrays` (site, device, metric, value = number array, unit, time),
 * same filters and site grants as the scalar frame. Arrays are only read when asked for by name — a
 * large site holds 240 × 416 × 2 cell values.
 */
async function latestArrays(ctx: QueryContext, q: LatestQuery, snap: SeriesSnapshot): Promise<DataFrameJSON[]> {
  if (!q.metrics?.length) return [];
  const metrics = new Set(q.metrics);
  const granted = siteFilter(ctx.access);
  const grantedSet = granted ? new Set(granted) : null;
  const sites = q.site ? new Set(q.site) : null;
  const devices = q.devices?.length ? new Set(q.devices) : null;
  const wanted = [...snap.byId.values()]
    .filter(
      (s) =>
        s.kind === 'array' &&
        metrics.has(s.metric) &&
        (!grantedSet || grantedSet.has(s.site)) &&
        (!sites || sites.has(s.site)) &&
        (!devices || devices.has(s.device))
    )
    .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : a.metric < b.metric ? -1 : 1));
  if (wanted.length === 0) return [];
  const r = await ctx.pool.query<{ id: number; v: number[] | null; t: number | string }>(LATEST_ARRAYS_SQL, [
    `{${wanted.map((s) => s.id).join(',')}}`,
  ]);
  const byId = new Map(r.rows.map((x) => [x.id, x]));
  const cols = {
    site: [] as string[],
    device: [] as string[],
    metric: [] as string[],
    value: [] as (number[] | null)[],
    unit: [] as string[],
    time: [] as number[],
  };
  for (const s of wanted) {
    const x = byId.get(s.id);
    if (!x) continue;
    cols.site.push(s.site);
    cols.device.push(s.device);
    cols.metric.push(s.metric);
    cols.value.push(x.v);
    cols.unit.push(s.unit);
    cols.time.push(Number(x.t));
  }
  return [
    frame(
      'latestArrays',
      q.refId,
      [
        column('site', 'string', cols.site),
        column('device', 'string', cols.device),
        column('metric', 'string', cols.metric),
        column('value', 'other', cols.value),
        column('unit', 'string', cols.unit),
        timeColumn('time', cols.time),
      ],
      { preferredVisualisationType: 'table' }
    ),
  ];
}
