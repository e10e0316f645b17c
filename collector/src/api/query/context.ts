import type { Pool } from 'pg';
import type { DataFrameJSON, RegisterMap } from '@openbess/model';
import { HttpError } from '../errors';
import { canSeeSite, type Access } from '../identity';
import type { PyramidLevel } from './resolution';
import type { LatestMemory } from '../../store/latest-values';

/**
 * Manual device status (issue 6: the maintenance app marks devices offline with a reason). The tree
 * query ORs it with the telemetry-staleness rule. Resolves device id → status for the ids asked.
 */
export type OfflineStatusProvider = (
  site: string,
  devices: string[]
) => Promise<Map<string, { offline: boolean; reason?: string }>>;

/** Long-lived dependencies of the query engine (built once by {@link queryRouter}). */
export interface QueryDeps {
  pool: Pool;
  /** Loaded register maps: per-device poll intervals for the staleness rule. */
  maps?: Map<string, RegisterMap>;
  /** Poll interval assumed when a device's maps are unknown, ms. Default 5000. */
  defaultPollIntervalMs?: number;
  /** Hook for the maintenance app's manual offline status (tree `isOffline`). */
  offlineStatus?: OfflineStatusProvider;
  /** Pyramid levels currently available (empty on plain PostgreSQL). */
  pyramid: () => Promise<readonly PyramidLevel[]>;
  /** Clock, epoch ms (staleness). */
  now?: () => number;
  /**
   * In-memory latest values fed by this process's store writer (store/latest-values.ts); `latest`
   * queries read values there instead of the table. Absent in an API-only process.
   */
  latest?: LatestMemory;
}

/** Everything one query of a request needs. */
export interface QueryContext extends QueryDeps {
  access: Access;
  /** Range start, epoch ms. */
  from: number;
  /** Range end (exclusive), epoch ms. */
  to: number;
}

/** A query handler: frames for one validated query. Throws HttpError for a per-query 4xx. */
export type QueryHandler<Q> = (ctx: QueryContext, q: Q) => Promise<DataFrameJSON[]>;

/** Site codes the access covers, for SQL `($n::text[] IS NULL OR d.site = ANY($n))`; null = all sites. */
export function siteFilter(access: Access): string[] | null {
  return access.sites === 'all' ? null : [...access.sites];
}

/** @throws HttpError 403 when the user is not granted `site` */
export function assertSiteAccess(ctx: QueryContext, site: string): void {
  if (!canSeeSite(ctx.access, site)) throw new HttpError(403, `no access to site ${site}`);
}

/** @throws HttpError 403 when the user is not granted the site of `device` */
export function assertDeviceAccess(ctx: QueryContext, device: string, site: string): void {
  if (!canSeeSite(ctx.access, site)) throw new HttpError(403, `no access to device ${device} (site ${site})`);
}

/**
 * Checks that sites named in a query exist and are visible.
 * @throws HttpError 404 for an unknown site, 403 for a site the user is not granted
 */
export async function assertSites(ctx: QueryContext, sites: string[]): Promise<void> {
  if (sites.length === 0) return;
  const r = await ctx.pool.query<{ code: string }>('SELECT code FROM site WHERE code = ANY($1::text[])', [sites]);
  const known = new Set(r.rows.map((x) => x.code));
  for (const s of sites) {
    if (!known.has(s)) throw new HttpError(404, `unknown site ${s}`);
    assertSiteAccess(ctx, s);
  }
}

/**
 * Checks that devices named in a query exist and are in visible sites.
 * @returns device id → site
 * @throws HttpError 404 for an unknown device, 403 for a device of a site the user is not granted
 */
export async function assertDevices(ctx: QueryContext, devices: string[]): Promise<Map<string, string>> {
  const r = await ctx.pool.query<{ id: string; site: string }>(
    'SELECT id, site FROM device WHERE id = ANY($1::text[])',
    [devices]
  );
  const site = new Map(r.rows.map((x) => [x.id, x.site]));
  for (const d of devices) {
    const s = site.get(d);
    if (s === undefined) throw new HttpError(404, `unknown device ${d}`);
    assertDeviceAccess(ctx, d, s);
  }
  return site;
}
