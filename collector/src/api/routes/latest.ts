import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { SITE_CODE, type SiteConfig } from '@openbess/model';
import { asyncRoute, badRequest, HttpError } from '../errors';
import { accessFor, assertSiteVisible } from '../identity';
import type { StatsProvider } from './health';
import type { LatestMemory } from '../../store/latest-values';
import { preparedName } from '../../store/prepared';
import {
  floatTextToJson,
  IsoCache,
  loadSiteMeta,
  readSeriesStamp,
  realArrayTextToJson,
  scalarText,
  writeLatestBody,
  type SiteMeta,
} from './latest-body';

export { realArrayTextToJson } from './latest-body';

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

/** A cached body is reused for at most this long, ms (see {@link latestRouter}). */
const REUSE_MAX_MS = 2000;

const gzipAsync = promisify(gzip);

/** Scalar bodies of a site are built ahead while it was asked for within this long, ms … */
const WARM_MS = 60_000;
/** … as soon as a write changed the values, seen within this long, ms. */
const WARM_CHECK_MS = 20;

/** A site's series list is checked against the catalogue stamp when older than this, ms. */
const META_CHECK_MS = 10_000;
/** … and reloaded whatever the stamp when older than this, ms (bounds what a stamp could miss). */
const META_MAX_AGE_MS = 300_000;

/** A built response body: the JSON bytes, their ETag (opaque part) and, once asked for, their gzip. */
interface Body {
  bytes: Buffer;
  etag: string;
  gzip?: Promise<Buffer>;
}

/**
 * The gzip of a body, compressed once (level 1, on libuv's thread pool: ≈ 3 ms for the large site's
 * 0.66 MB, to ≈ 60 kB) and kept with it.
 */
function gzipOf(b: Body): Promise<Buffer> {
  if (!b.gzip) {
    const z = gzipAsync(b.bytes, { level: 1 });
    b.gzip = z;
    z.catch(() => b.gzip === z && delete b.gzip);
  }
  return b.gzip;
}

/**
 * `GET /api/sites/:site/latest[?arrays=false]`: the latest value of every metric of every device of
 * the site, with unit and timestamp, from the latest-values tables (O(series), independent of
 * history length). 400 for a malformed site code or query, 404 for an unknown site, 403 for a site the
 * caller's access (identity middleware) does not cover — always for role partner-maintenance.
 *
 * Response cache (only with `stats`, i.e. inside the running collector): a body is reused while what
 * it was built from is unchanged. Scalars from memory (`latest` loaded): the values' version, which
 * every write of the store writer changes (a reseed included). Otherwise (cell arrays, or before the
 * values are loaded): the site's committed-points counter (`stats(site).pointsWritten`) with that
 * version, and for at most {@link REUSE_MAX_MS} (other writers, e.g. a backfill, reach the table).
 * Concurrent requests share one build; a site's scalar body is built ahead after each write while
 * the site is being asked for (see `keepWarm`).
 *
 * Bodies go out gzip-compressed to clients that accept it (Grafana's data proxy and browsers do):
 * compressed once per body, off the event loop, and ahead with the scalar body while the site is
 * asked for that way — the large site's 0.66 MB as ≈ 60 kB, one socket write instead of about ten.
 *
 * Speed: the site's devices and series are held in memory (checked against the series-catalogue stamp
 * every {@link META_CHECK_MS} in the background, never on a request's path after the first); each
 * request reads the latest tables by primary key with one prepared statement per table (times as
 * epoch ms, arrays as text) and writes the JSON body straight into one buffer (./latest-body.ts) — no
 * per-value objects, Dates or intermediate strings. With `latest` (the latest values the store writer
 * keeps in memory, store/latest-values.ts; in the collector service the plant thread's, read from
 * shared memory) the scalar values come from memory and only cell arrays are read.
 */
export function latestRouter(pool: Pool, sites: SiteConfig[], stats?: StatsProvider, latest?: LatestMemory): Router {
  const r = Router();
  const known = new Set(sites.map((s) => s.code));
  /** Incremented whenever a site's meta is replaced (cached bodies of the old one are not reused). */
  let metaGeneration = 0;
  /** Per site: its meta (loading or loaded), when it was last known current, whether a check runs. */
  const metas = new Map<string, { meta: Promise<SiteMeta>; checkedAt: number; checking: boolean }>();
  /** Checks a loaded meta against the catalogue stamp in the background; reloads it when changed. */
  const revalidate = (
    site: string,
    entry: { meta: Promise<SiteMeta>; checkedAt: number; checking: boolean },
    m: SiteMeta
  ) => {
    entry.checking = true;
    void (async () => {
      try {
        const at = Date.now();
        if (at - m.at < META_MAX_AGE_MS && (await readSeriesStamp(pool)) === m.stamp) entry.checkedAt = at;
        else {
          const fresh = await loadSiteMeta(pool, site);
          if (metas.get(site) === entry) {
            metas.set(site, { meta: Promise.resolve(fresh), checkedAt: fresh.at, checking: false });
            metaGeneration++;
          }
        }
      } catch {
        // the database is away: the held list stays in use, checked again at the next request
      } finally {
        entry.checking = false;
      }
    })();
  };
  /**
   * A site's meta: loaded at the first request; afterwards the held one is answered at once while,
   * every {@link META_CHECK_MS}, a background check compares the catalogue stamp and reloads it when
   * a series or device changed (a new series shows up within that, plus one request).
   */
  const metaOf = async (site: string): Promise<SiteMeta> => {
    let entry = metas.get(site);
    if (!entry) {
      const meta = loadSiteMeta(pool, site);
      const created = { meta, checkedAt: Date.now(), checking: false };
      metas.set(site, (entry = created));
      meta.catch(() => metas.get(site) === created && metas.delete(site));
      return meta;
    }
    const m = await entry.meta;
    if (!entry.checking && Date.now() - entry.checkedAt >= META_CHECK_MS) revalidate(site, entry, m);
    return m;
  };
  /** The JSON body for a site (see the route's description). */
  const build = async (site: string, withArrays: boolean): Promise<Buffer> => {
    const [meta, memory] = await Promise.all([metaOf(site), latest ? latest.ready() : false]);
    const iso = new IsoCache();
    const n = meta.position.size;
    // per position: the value's JSON text and the time's (null = never written)
    const value: (string | undefined)[] = new Array<string | undefined>(n);
    const time: (string | undefined)[] = new Array<string | undefined>(n);
    if (latest && memory) {
      // scalars from the in-memory copy of the latest table (no database read), all of one state
      latest.consistent(() => {
        for (const m of meta.scalars) {
          const t = latest.timeAt(m.id);
          if (Number.isNaN(t)) continue;
          const k = meta.position.get(m.id)!;
          const v = latest.valueAt(m.id);
          value[k] = scalarText(meta, k, v);
          time[k] = iso.of(t);
        }
      });
    }
    if (memory && !withArrays) return writeLatestBody(site, meta, value, time, false);
    // one round trip, one row: each table's rows as `id ms value` lines (no per-row protocol messages
    // or parsing in node). Rows are selected by the id range of the site's series (a plain range scan,
    // cheaper than `= ANY` of thousands of ids); ids of other sites in the range are skipped below.
    const r = await pool.query<{ s: string | null; a: string | null }>({
      name: await preparedName(pool, 'openbess_latest_site'),
      text: `SELECT (SELECT string_agg(concat_ws(' ', series_id, (date_part('epoch', time) * 1000)::bigint, coalesce(value::text, 'null')), E'\\n')
                       FROM latest WHERE series_id BETWEEN $1 AND $2) AS s,
                    CASE WHEN $5::boolean THEN
                      (SELECT string_agg(concat_ws(' ', series_id, (date_part('epoch', time) * 1000)::bigint, coalesce(value::text, 'null')), E'\\n')
                         FROM latest_array WHERE series_id BETWEEN $3 AND $4) END AS a`,
      values: [...(memory ? [0, -1] : meta.scalarIdRange), ...meta.arrayIdRange, withArrays],
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
    return writeLatestBody(site, meta, value, time, withArrays);
  };
  /** The body as bytes with its ETag, computed once per build (express would hash it on every send). */
  const encode = (bytes: Buffer): Body => {
    return {
      bytes,
      etag: `${bytes.length.toString(16)}-${createHash('sha1').update(bytes).digest('base64').slice(0, 27)}`,
    };
  };
  /** Cached bodies by `site|withArrays` (see the route's description). */
  const cache = new Map<string, { version: string; at: number; body: Promise<Body> }>();
  /**
   * The version a body must have to be reused: from memory (scalars only), the values' version alone —
   * the writer changes it with every write, a reseed included; else the committed-points counter with
   * it (other writers reach the table-backed body within {@link REUSE_MAX_MS}). undefined = no reuse.
   */
  const versionOf = (site: string, withArrays: boolean): string | undefined => {
    if (!stats) return undefined;
    if (latest?.seeded && !withArrays) return `m${metaGeneration}/${latest.version}`;
    return `${metaGeneration}/${stats(site).pointsWritten}/${latest?.version ?? ''}`;
  };
  /** The body of the current version: the cached one, or a build shared by concurrent callers. */
  const bodyFor = (site: string, withArrays: boolean) => {
    const version = versionOf(site, withArrays);
    const key = `${site}|${withArrays}`;
    let c = cache.get(key);
    const expired = (e: { version: string; at: number }) =>
      !e.version.startsWith('m') && Date.now() - e.at > REUSE_MAX_MS;
    if (!c || version === undefined || c.version !== version || expired(c)) {
      c = { version: version ?? '', at: Date.now(), body: build(site, withArrays).then(encode) };
      const mine = c;
      cache.set(key, mine);
      mine.body.catch(() => cache.get(key) === mine && cache.delete(key));
      if (version === undefined) cache.delete(key);
    }
    return c.body;
  };
  /**
   * Scalar bodies kept built ahead (from memory only): a site asked for within {@link WARM_MS} is
   * rebuilt as soon as a write changed its values (checked every {@link WARM_CHECK_MS}), so requests
   * find it built instead of building it — a dashboard's refresh does not wait for the 7.6 k values
   * of a large site to be written out.
   */
  const warmSites = new Map<string, { at: number; gzip: boolean }>();
  let warmTimer: NodeJS.Timeout | null = null;
  const warmTick = () => {
    const now = Date.now();
    for (const [site, w] of warmSites) {
      if (now - w.at > WARM_MS) warmSites.delete(site);
      else if (latest?.seeded)
        void bodyFor(site, false)
          .then((b) => (w.gzip ? gzipOf(b) : undefined))
          .catch(() => undefined);
    }
    if (warmSites.size === 0 && warmTimer) {
      clearInterval(warmTimer);
      warmTimer = null;
    }
  };
  const keepWarm = (site: string, gzip: boolean) => {
    if (!stats || !latest) return;
    warmSites.set(site, { at: Date.now(), gzip });
    if (!warmTimer) {
      warmTimer = setInterval(warmTick, WARM_CHECK_MS);
      warmTimer.unref?.();
    }
  };
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
      const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
      if (!withArrays) keepWarm(site, gzip);
      const body = await bodyFor(site, withArrays);
      res.type('application/json').vary('Accept-Encoding');
      if (!gzip) {
        res.set('ETag', `W/"${body.etag}"`);
        if (req.fresh) res.status(304).end();
        else res.send(body.bytes);
        return;
      }
      // the gzip representation has an ETag of its own (RFC 9110 §8.8.3)
      res.set('ETag', `W/"${body.etag}-gz"`);
      if (req.fresh) res.status(304).end();
      else res.set('Content-Encoding', 'gzip').send(await gzipOf(body));
    })
  );
  return r;
}
