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
  ];
}
