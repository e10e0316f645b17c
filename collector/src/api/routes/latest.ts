import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { SITE_CODE, type SiteConfig } from '@openbess/model';
import { asyncRoute, badRequest, HttpError } from '../errors';
import { accessFor, assertSiteVisible } from '../identity';
import type { StatsProvider } from './health';
import type { LatestValues } from '../../store/latest-values';

/** One metric's latest value. Arrays (cell voltages …) carry `values` instead of `value`. */
export interface LatestValue {
  value?: number | null;
  values?: (number | null)[];
  unit: string;
  /** ISO timestamp of the sample, null when the series was never written. */
  time: string | null;
}

/** Body of `GET /api/sites/:site/latest`. */
export interface SiteLatest {
  site: string;
  devices: { id: string; profile: string; parent: string; metrics: Record<string, LatestValue> }[];
}

const querySchema = z
  .object({
    arrays: z.enum(['true', 'false', '1', '0']).optional(),
  })
  .strict();

/** One series of a site as the route lists it. */
interface SeriesMeta {
  id: number;
  device: string;
  metric: string;
  unit: string;
}

/** A site's devices and series, in response order (devices by id, metrics by name). */
interface SiteMeta {
  at: number;
  devices: { id: string; profile: string; parent: string }[];
  scalars: SeriesMeta[];
  arrays: SeriesMeta[];
  /**
   * Per series (scalars then arrays, in response order) the fixed JSON text around its value:
   * `"metric":{"value":` / `"metric":{"values":` and `,"unit":"V","time":`.
   */
  head: string[];
  tail: string[];
  /** Series id → position in `head`/`tail`. */
  position: Map<number, number>;
  /** Per device (same order as `devices`): the JSON text before its metrics. */
  deviceHead: string[];
  /** Smallest and largest series id of the site's scalar and array series ([0, -1] when none). */
  scalarIdRange: [number, number];
  arrayIdRange: [number, number];
}

/** A cached body is reused for at most this long, ms (see {@link latestRouter}). */
const REUSE_MAX_MS = 2000;

/** Series lists are reloaded after this long, ms (a series created since shows up within it). */
const META_TTL_MS = 10_000;

function idRange(list: SeriesMeta[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of list) {
    if (m.id < lo) lo = m.id;
    if (m.id > hi) hi = m.id;
  }
  return list.length === 0 ? [0, -1] : [lo, hi];
}

async function loadMeta(pool: Pool, site: string): Promise<SiteMeta> {
  const r = await pool.query<
    { id: string; profile: string; parent: string; sid: number | null } & SeriesMeta & { kind: string | null }
  >(
    `SELECT d.id, d.profile, d.parent, s.id AS sid, s.metric, s.unit, s.kind
       FROM device d LEFT JOIN series s ON s.device = d.id
      WHERE d.site = $1
      ORDER BY d.id, s.metric`,
    [site]
  );
  const devices: SiteMeta['devices'] = [];
  const scalars: SeriesMeta[] = [];
  const arrays: SeriesMeta[] = [];
  for (const row of r.rows) {
    if (devices.length === 0 || devices[devices.length - 1].id !== row.id)
      devices.push({ id: row.id, profile: row.profile, parent: row.parent });
    if (row.sid === null) continue;
    const m = { id: row.sid, device: row.id, metric: row.metric, unit: row.unit };
    (row.kind === 'array' ? arrays : scalars).push(m);
  }
  // devices without any series are listed only when they had one before (same as the former join)
  const withSeries = new Set([...scalars, ...arrays].map((m) => m.device));
  const listed = devices.filter((d) => withSeries.has(d.id)).sort((a, b) => a.id.localeCompare(b.id));
  const all = [...scalars.map((m) => ({ m, array: false })), ...arrays.map((m) => ({ m, array: true }))];
  return {
    at: Date.now(),
    devices: listed,
    head: all.map(({ m, array }) => `${JSON.stringify(m.metric)}:{"${array ? 'values' : 'value'}":`),
    tail: all.map(({ m }) => `,"unit":${JSON.stringify(m.unit)},"time":`),
    position: new Map(all.map(({ m }, i) => [m.id, i])),
    deviceHead: listed.map(
      (d) =>
        `{"id":${JSON.stringify(d.id)},"profile":${JSON.stringify(d.profile)},"parent":${JSON.stringify(d.parent)},"metrics":{`
    ),
    scalars,
    arrays,
    scalarIdRange: idRange(scalars),
    arrayIdRange: idRange(arrays),
  };
}

/** Epoch ms → ISO text, cached (every series of one poll shares its timestamp). */
class IsoCache {
  private readonly map = new Map<number, string>();
  of(ms: number): string {
    let t = this.map.get(ms);
    if (t === undefined) {
      t = JSON.stringify(new Date(ms).toISOString());
      this.map.set(ms, t);
    }
    return t;
  }
}

/** A float8 in PostgreSQL text output as a JSON number; `null`, NaN and ±Infinity as null (as JSON.stringify does). */
const floatTextToJson = (v: string): string => (v === 'NaN' || v.endsWith('Infinity') ? 'null' : v);

/**
 * A `real[]` in PostgreSQL text output (`{1.5,NULL,2}`) as a JSON array. Plain numbers are copied
 * as they are; `NULL`, `NaN` and `±Infinity` elements become null.
 */
export function realArrayTextToJson(text: string): string {
  const inner = text.slice(1, -1);
  if (!/[NIa]/.test(inner)) return `[${inner}]`;
  return `[${inner
    .split(',')
    .map((x) => (x === 'NULL' || x === 'NaN' || x.endsWith('Infinity') ? 'null' : x))
    .join(',')}]`;
}

/**
 * `GET /api/sites/:site/latest[?arrays=false]`: the latest value of every metric of every device of
 * the site, with unit and timestamp, from the latest-values tables (O(series), independent of
 * history length). 400 for a malformed site code or query, 404 for an unknown site, 403 for a site the
 * caller's access (identity middleware) does not cover — always for role partner-maintenance.
 *
 * Response cache (only with `stats`, i.e. inside the running collector): a body is reused while the
 * site's committed-points counter (`stats(site).pointsWritten`) is unchanged — nothing new was
 * written by this process, so the latest tables hold the same values — and for at most
 * {@link REUSE_MAX_MS} (other writers, e.g. a backfill, are picked up within that). Concurrent
 * requests share one build.
 *
 * Speed: the site's devices and series are held in memory (reloaded every {@link META_TTL_MS}); each
 * request reads the latest tables by primary key with one prepared statement per table (times as
 * epoch ms, arrays as text) and writes the JSON body as text — no per-value objects or Dates. With
 * `latest` (the in-memory copy of the latest table kept by this process's writer,
 * store/latest-values.ts) the scalar values come from memory and only cell arrays are read.
 */
export function latestRouter(pool: Pool, sites: SiteConfig[], stats?: StatsProvider, latest?: LatestValues): Router {
  const r = Router();
  const known = new Set(sites.map((s) => s.code));
  const metas = new Map<string, Promise<SiteMeta>>();
  const metaOf = async (site: string): Promise<SiteMeta> => {
    const cached = metas.get(site);
    if (cached) {
      const m = await cached.catch(() => null);
      if (m && Date.now() - m.at < META_TTL_MS) return m;
      if (metas.get(site) !== cached) return metaOf(site);
    }
    const p = loadMeta(pool, site);
    metas.set(site, p);
    p.catch(() => metas.delete(site));
    return p;
  };
  /** The JSON body for a site (see the route's description). */
  const build = async (site: string, withArrays: boolean): Promise<string> => {
    const [meta] = await Promise.all([metaOf(site), latest?.ready()]);
    const iso = new IsoCache();
    const n = meta.head.length;
    // per position: the value's JSON text and the time's (null = never written)
    const value: (string | undefined)[] = new Array<string | undefined>(n);
    const time: (string | undefined)[] = new Array<string | undefined>(n);
    if (latest) {
      // scalars from the in-memory copy of the latest table (no database read)
      for (const m of meta.scalars) {
        const t = latest.timeAt(m.id);
        if (Number.isNaN(t)) continue;
        const k = meta.position.get(m.id)!;
        const v = latest.valueAt(m.id);
        value[k] = Number.isFinite(v) ? String(v) : 'null';
        time[k] = iso.of(t);
      }
    }
    if (latest && !withArrays) return assemble(site, meta, value, time, false);
    // one round trip, one row: each table's rows as `id ms value` lines (no per-row protocol messages
    // or parsing in node). Rows are selected by the id range of the site's series (a plain range scan,
    // cheaper than `= ANY` of thousands of ids); ids of other sites in the range are skipped below.
    const r = await pool.query<{ s: string | null; a: string | null }>({
      name: 'openbess_latest_site',
      text: `SELECT (SELECT string_agg(concat_ws(' ', series_id, (date_part('epoch', time) * 1000)::bigint, coalesce(value::text, 'null')), E'\\n')
                       FROM latest WHERE series_id BETWEEN $1 AND $2) AS s,
                    CASE WHEN $5::boolean THEN
                      (SELECT string_agg(concat_ws(' ', series_id, (date_part('epoch', time) * 1000)::bigint, coalesce(value::text, 'null')), E'\\n')
                         FROM latest_array WHERE series_id BETWEEN $3 AND $4) END AS a`,
      values: [...(latest ? [0, -1] : meta.scalarIdRange), ...meta.arrayIdRange, withArrays],
    });
    const each = (text: string | null, json: (v: string) => string) => {
      if (!text) return;
      for (const line of text.split('\n')) {
        const a = line.indexOf(' ');
        const b = line.indexOf(' ', a + 1);
        const k = meta.position.get(Number(line.slice(0, a)));
        if (k === undefined) continue;
        value[k] = json(line.slice(b + 1));
        time[k] = iso.of(Number(line.slice(a + 1, b)));
      }
    };
    each(r.rows[0]?.s ?? null, floatTextToJson);
    each(r.rows[0]?.a ?? null, (v) => (v === 'null' ? '[]' : realArrayTextToJson(v)));
    return assemble(site, meta, value, time, withArrays);
  };
  /** The JSON body from per-position value and time texts (see {@link SiteMeta}). */
  const assemble = (
    site: string,
    meta: SiteMeta,
    value: (string | undefined)[],
    time: (string | undefined)[],
    withArrays: boolean
  ): string => {
    const perDevice = new Map<string, string[]>();
    const add = (m: SeriesMeta, array: boolean) => {
      const k = meta.position.get(m.id)!;
      const entry = `${meta.head[k]}${value[k] ?? (array ? '[]' : 'null')}${meta.tail[k]}${time[k] ?? 'null'}}`;
      let list = perDevice.get(m.device);
      if (!list) perDevice.set(m.device, (list = []));
      list.push(entry);
    };
    for (const m of meta.scalars) add(m, false);
    if (withArrays) for (const m of meta.arrays) add(m, true);
    const parts: string[] = [];
    meta.devices.forEach((d, i) => {
      const list = perDevice.get(d.id);
      if (list) parts.push(`${meta.deviceHead[i]}${list.join(',')}}}`);
    });
    return `{"site":${JSON.stringify(site)},"devices":[${parts.join(',')}]}`;
  };
  /** The body as bytes with its ETag, computed once per build (express would hash it on every send). */
  const encode = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    return {
      bytes,
      etag: `W/"${bytes.length.toString(16)}-${createHash('sha1').update(bytes).digest('base64').slice(0, 27)}"`,
    };
  };
  const cache = new Map<string, { version: number; at: number; body: Promise<{ bytes: Buffer; etag: string }> }>();
  r.get(
    '/sites/:site/latest',
    asyncRoute(async (req, res) => {
      const site = String(req.params.site);
      if (!SITE_CODE.test(site))
        throw new HttpError(400, `invalid site code "${site.slice(0, 40)}" (expected e.g. FI006)`);
      const q = querySchema.safeParse(req.query);
      if (!q.success) throw badRequest(q.error, 'query string');
      if (!known.has(site)) throw new HttpError(404, `unknown site ${site}`);
      assertSiteVisible(accessFor(req), site);
      const withArrays = q.data.arrays === undefined || q.data.arrays === 'true' || q.data.arrays === '1';
      const version = stats?.(site).pointsWritten;
      const key = `${site}|${withArrays}`;
      let c = cache.get(key);
      if (!c || version === undefined || c.version !== version || Date.now() - c.at > REUSE_MAX_MS) {
        c = { version: version ?? -1, at: Date.now(), body: build(site, withArrays).then(encode) };
        const mine = c;
        cache.set(key, mine);
        mine.body.catch(() => cache.get(key) === mine && cache.delete(key));
        if (version === undefined) cache.delete(key);
      }
      const body = await c.body;
      res.type('application/json').set('ETag', body.etag);
      if (req.fresh) res.status(304).end();
      else res.send(body.bytes);
    })
  );
  return r;
}
