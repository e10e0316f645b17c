import { Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { SITE_CODE, type SiteConfig } from '@openbess/model';
import { asyncRoute, badRequest, HttpError } from '../errors';
import { accessFor, assertSiteVisible } from '../identity';

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

/**
 * `GET /api/sites/:site/latest[?arrays=false]`: the latest value of every metric of every device of
 * the site, with unit and timestamp, from the latest-values tables (O(series), independent of
 * history length). 400 for a malformed site code or query, 404 for an unknown site, 403 for a site the
 * caller's access (identity middleware) does not cover — always for role partner-maintenance.
 */
export function latestRouter(pool: Pool, sites: SiteConfig[]): Router {
  const r = Router();
  const known = new Set(sites.map((s) => s.code));
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
      const scalars = await pool.query<{
        device: string;
        profile: string;
        parent: string;
        metric: string;
        unit: string;
        time: Date | null;
        value: number | null;
      }>(
        `SELECT d.id AS device, d.profile, d.parent, s.metric, s.unit, l.time, l.value
           FROM device d
           JOIN series s ON s.device = d.id AND s.kind = 'scalar'
           LEFT JOIN latest l ON l.series_id = s.id
          WHERE d.site = $1
          ORDER BY d.id, s.metric`,
        [site]
      );
      const arrays = withArrays
        ? await pool.query<{
            device: string;
            profile: string;
            parent: string;
            metric: string;
            unit: string;
            time: Date | null;
            value: number[] | null;
          }>(
            `SELECT d.id AS device, d.profile, d.parent, s.metric, s.unit, l.time, l.value
               FROM device d
               JOIN series s ON s.device = d.id AND s.kind = 'array'
               LEFT JOIN latest_array l ON l.series_id = s.id
              WHERE d.site = $1
              ORDER BY d.id, s.metric`,
            [site]
          )
        : { rows: [] };
      const devices = new Map<string, SiteLatest['devices'][number]>();
      const entry = (row: { device: string; profile: string; parent: string }) => {
        let d = devices.get(row.device);
        if (!d) {
          d = { id: row.device, profile: row.profile, parent: row.parent, metrics: {} };
          devices.set(row.device, d);
        }
        return d;
      };
      for (const row of scalars.rows) {
        entry(row).metrics[row.metric] = {
          value: row.value === null ? null : Number(row.value),
          unit: row.unit,
          time: row.time ? row.time.toISOString() : null,
        };
      }
      for (const row of arrays.rows) {
        entry(row).metrics[row.metric] = {
          values: row.value ?? [],
          unit: row.unit,
          time: row.time ? row.time.toISOString() : null,
        };
      }
      const body: SiteLatest = { site, devices: [...devices.values()].sort((a, b) => a.id.localeCompare(b.id)) };
      res.json(body);
    })
  );
  return r;
}
