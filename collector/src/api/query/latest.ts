import type { DataFrameJSON, LatestQuery } from '@openbess/model';
import { column, frame, timeColumn } from './frames';
import {
  assertDeviceAccess,
  assertDevices,
  assertSiteAccess,
  assertSites,
  siteFilter,
  type QueryContext,
} from './context';
import { epochMs, packFloat8, packInt4, readFloat8, readInt4 } from '../../store/pg-array';
import { SERIES_STAMP_SQL, seriesCache, type SeriesInfo, type SeriesSnapshot } from './series-cache';
import type { LatestMemory } from '../../store/latest-values';

/**
 * Values of the latest-values table for a list of series ids, with the series-catalogue stamp read in
 * the same statement (one round trip; packed binary columns instead of rows — see store/pg-array.ts; a
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

/** The series a latest query answers and where their values come from (NaN time = no row). */
interface LatestSource {
  wanted: SeriesInfo[];
  snap: SeriesSnapshot;
  timeAt: (id: number) => number;
  valueAt: (id: number) => number;
}

/**
 * Values from the latest-values table, with the series-catalogue stamp read in the same statement: a
 * stale catalogue is reloaded and the read repeated, so an answer never mixes a newer catalogue with
 * older grants.
 */
async function fromTable(ctx: QueryContext, q: LatestQuery): Promise<LatestSource> {
  const cache = seriesCache(ctx.pool);
  let snap = (await cache.get()).data;
  for (let attempt = 0; attempt < 3; attempt++) {
    const sel = selectSeries(ctx, q, snap);
    const r = await ctx.pool.query<LatestValuesRow>(LATEST_VALUES_SQL, [sel.idsLiteral]);
    const row = r.rows[0];
    const checked = await cache.get(row.stamp);
    if (checked.reloaded) {
      snap = checked.data;
      continue;
    }
    const ids = readInt4(row.id);
    const values = readFloat8(row.v);
    const times = readFloat8(row.t);
    // series id → position in the answer (ids are small serials: a typed array beats a Map)
    let maxId = 0;
    for (const id of ids) if (id > maxId) maxId = id;
    const at = new Int32Array(maxId + 1).fill(-1);
    ids.forEach((id, i) => (at[id] = i));
    const pos = (id: number) => (id < at.length ? at[id] : -1);
    return {
      wanted: sel.wanted,
      snap,
      timeAt: (id) => times[pos(id)] ?? NaN,
      valueAt: (id) => values[pos(id)] ?? NaN,
    };
  }
  throw new Error('series catalogue kept changing during a latest query');
}

/** A catalogue change is seen by in-memory latest reads within this long, ms ({@link SeriesCache.current}). */
export const LATEST_STAMP_MAX_AGE_MS = 1000;

/**
 * Values from the in-process {@link LatestValues} (the collector's own writes; same contents as the
 * table). No statement per request: the catalogue stamp is checked at most every
 * {@link LATEST_STAMP_MAX_AGE_MS}, so names, units and grants follow a catalogue change within that.
 */
async function fromMemory(ctx: QueryContext, q: LatestQuery, latest: LatestMemory): Promise<LatestSource> {
  const snap = await seriesCache(ctx.pool).current(LATEST_STAMP_MAX_AGE_MS);
  return {
    wanted: selectSeries(ctx, q, snap).wanted,
    snap,
    timeAt: (id) => latest.timeAt(id),
    valueAt: (id) => latest.valueAt(id),
  };
}

/**
 * {@link assertSites} / {@link assertDevices} answered from the catalogue snapshot when it knows every
 * named site and device (the in-memory path: no statement); anything it does not know is checked
 * in the database (404 for unknown, sites without series).
 */
async function assertFromSnapshot(ctx: QueryContext, q: LatestQuery, snap: SeriesSnapshot): Promise<void> {
  const sites = q.site ?? [];
  if (!sites.every((site) => snap.sites.has(site))) await assertSites(ctx, sites);
  else for (const site of sites) assertSiteAccess(ctx, site);
  const devices = q.devices ?? [];
  if (!devices.every((d) => snap.deviceSite.has(d))) await assertDevices(ctx, devices);
  else for (const d of devices) assertDeviceAccess(ctx, d, snap.deviceSite.get(d)!);
}

/**
 * `latest`: the latest value of each scalar series with its timestamp, as one table frame with the
 * columns site, device, metric, value, unit, time — from the store's latest-values table (O(series),
 * independent of history length; collector-and-storage notes §5), or from its in-memory copy when the
 * process writes the telemetry itself (`ctx.latest`, store/latest-values.ts: no database read of values). Filters: `site` (one or several),
 * `devices`, `metrics`; without site and devices, every visible site. Series never written are left
 * out. Rows are restricted to the user's sites (device's stored site, never the request).
 *
 * Array series (cell voltages/temperatures) named in `metrics` come as a second frame, see
 * {@link latestArrays}.
 *
 * Names, units and sites come from the in-process series cache (./series-cache.ts), validated by the
 * catalogue stamp (see {@link fromTable}, {@link fromMemory}). A large site (≈ 7.6 k series) is one
 * indexed read, or none.
 * @throws HttpError 404/403 for a named site or device that is unknown or not granted
 */
export async function latestQuery(ctx: QueryContext, q: LatestQuery): Promise<DataFrameJSON[]> {
  let source: LatestSource;
  // the in-memory values once they are loaded (see LatestMemory.ready), else the table
  const memory = ctx.latest && (await ctx.latest.ready()) ? ctx.latest : undefined;
  if (memory) {
    source = await fromMemory(ctx, q, memory);
    await assertFromSnapshot(ctx, q, source.snap);
  } else {
    // the checks and the read run concurrently (round trips overlap); nothing is answered unless all pass
    [, , source] = await Promise.all([
      q.site ? assertSites(ctx, q.site) : undefined,
      q.devices?.length ? assertDevices(ctx, q.devices) : undefined,
      fromTable(ctx, q),
    ]);
  }
  const { wanted, snap, valueAt, timeAt } = source;
  const arrays = await latestArrays(ctx, q, snap);
  // answers from memory are reused while nothing changed (see `answers`); array frames are read from
  // the table and are never reused
  const version = memory?.version;
  const key = memory && arrays.length === 0 ? JSON.stringify([q.refId, q.metrics ?? null]) : null;
  if (key !== null) {
    const hit = answers.get(key);
    if (hit && hit.wanted === wanted && hit.version === version) return hit.frames;
  }
  const read = () => {
    const cols = {
      site: [] as string[],
      device: [] as string[],
      metric: [] as string[],
      value: [] as (number | null)[],
      unit: [] as string[],
      time: [] as number[],
    };
    for (const s of wanted) {
      const t = timeAt(s.id);
      if (Number.isNaN(t)) continue;
      cols.site.push(s.site);
      cols.device.push(s.device);
      cols.metric.push(s.metric);
      const v = valueAt(s.id);
      cols.value.push(Number.isFinite(v) ? v : null);
      cols.unit.push(s.unit);
      cols.time.push(t);
    }
    return cols;
  };
  // from memory: all values of one state (no write half seen)
  const cols = memory ? memory.consistent(read) : read();
  const out = [
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
  if (key !== null && version !== undefined) {
    if (answers.size >= MAX_SELECTIONS) answers.clear();
    answers.set(key, { wanted, version, frames: out });
  }
  return out;
}

/**
 * Latest answers built from memory, by refId and metrics, reused while the selected series are the
 * same list object (selections are memoized per catalogue snapshot and filter, user grants included:
 * {@link selectSeries}) and the {@link LatestValues} version is unchanged (no held value changed) —
 * e.g. 50 dashboards showing one site between two ingest flushes. The router serializes a reused
 * answer once (router.ts `framesText`).
 */
const answers = new Map<string, { wanted: SeriesInfo[]; version: number; frames: DataFrameJSON[] }>();

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
