import { Router } from 'express';
import type { Pool } from 'pg';
import { siteDevices, type SiteConfig } from '@openbess/model';
import { asyncRoute } from '../errors';

/** Per-site counters the running collector provides to the health route. */
export interface SiteStats {
  /** Epoch ms of the last successful poll of any device of the site, null before the first. */
  lastPollAt: number | null;
  /** Points (scalars + array elements) committed to the database since start. */
  pointsWritten: number;
  /** Points waiting in memory or in the disk spool. */
  pointsBuffered: number;
}

/** Source of {@link SiteStats}; absent when the API runs without a collector (e.g. read-only). */
export type StatsProvider = (site: string) => SiteStats;

/** Body of `GET /api/health` (interface relied on by the datasource health check and the demo). */
export interface HealthReport {
  status: 'ok' | 'degraded';
  database: { reachable: boolean; error?: string; latencyMs?: number };
  sites: {
    code: string;
    name: string;
    modbus: { host: string; port: number };
    devices: number;
    lastPollAt: string | null;
    pointsWritten: number;
    pointsBuffered: number;
  }[];
}

/**
 * `GET /api/health`: database reachable (a `SELECT 1` with a 2 s timeout), and per site the device
 * count, last successful poll and points written/buffered. Answers 200 even when degraded so a
 * dashboard can show what is wrong; `status` says which.
 */
export function healthRouter(pool: Pool, sites: SiteConfig[], stats?: StatsProvider): Router {
  const r = Router();
  r.get(
    '/health',
    asyncRoute(async (_req, res) => {
      const t0 = Date.now();
      let database: HealthReport['database'];
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2000 ms')), 2000).unref()),
        ]);
        database = { reachable: true, latencyMs: Date.now() - t0 };
      } catch (e) {
        database = { reachable: false, error: (e as Error).message };
      }
      const report: HealthReport = {
        status: database.reachable ? 'ok' : 'degraded',
        database,
        sites: sites.map((s) => {
          const st = stats?.(s.code) ?? { lastPollAt: null, pointsWritten: 0, pointsBuffered: 0 };
          return {
            code: s.code,
            name: s.name,
            modbus: { host: s.modbus.host, port: s.modbus.port },
            devices: siteDevices(s).length,
            lastPollAt: st.lastPollAt === null ? null : new Date(st.lastPollAt).toISOString(),
            pointsWritten: st.pointsWritten,
            pointsBuffered: st.pointsBuffered,
          };
        }),
      };
      res.json(report);
    })
  );
  return r;
}
