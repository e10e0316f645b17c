/**
 * Data set of the query benches (bench/query.ts, bench/load.ts, bench/query-server.ts): the `large`
 * site of collector/config/large.yaml registered in a throwaway database on the real PostgreSQL,
 * 8 series with `days` of 1-minute history and one batch with every scalar series of the site (the
 * latest values), all written through the store's writer (so the rollups are what ingest makes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  loadRegisterMaps,
  loadSitesConfig,
  parseSitesConfig,
  siteDevices,
  type RegisterMap,
  type SiteConfig,
} from '@openbess/model';
import { migrate } from '../src/store/migrate';
import { createPool, type StorePool } from '../src/store/pool';
import { registerSites } from '../src/store/registry';
import { refreshRollups } from '../src/store/rollup';
import { createWriter } from '../src/store/writer';
import type { Sample } from '../src/types';
import { createTestDatabase, type TestDatabase } from '../test/support/db';

/** Bearer token of the bench API. */
export const TOKEN = 'bench-token';
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** The `large` site config when present (collector/config/large.yaml), else a 20 × 12 built-in one. */
export function benchSite(maps: Map<string, RegisterMap>): SiteConfig {
  const file = join(__dirname, '..', 'config', 'large.yaml');
  if (existsSync(file)) return loadSitesConfig(file, maps)[0];
  return parseSitesConfig(
    {
      sites: [
        {
          code: 'GB003',
          name: 'Bench large',
          modbus: { port: 15502 },
          blocks: 20,
          stringsPerBlock: 12,
          pollCells: false,
        },
      ],
    },
    'bench',
    maps
  )[0];
}

/** Every scalar (device, metric) of a site from its maps (what one collector poll cycle yields). */
export function scalarSeries(site: SiteConfig, maps: Map<string, RegisterMap>): { device: string; metric: string }[] {
  const out: { device: string; metric: string }[] = [];
  for (const d of siteDevices(site)) {
    const seen = new Set<string>();
    for (const src of d.sources)
      for (const p of maps.get(src.map)?.points ?? [])
        if (p.kind === 'measurement' && !seen.has(p.metric)) {
          seen.add(p.metric);
          out.push({ device: d.id, metric: p.metric });
        }
  }
  return out;
}

/** The 8 series of the timeseries figure (a Site Overview's power, SOC and frequency). */
export function eightSeries(site: string): { device: string; metric: string }[] {
  return [
    [`${site}MT1`, 'activePower'],
    [`${site}MT1`, 'reactivePower'],
    [`${site}MT1`, 'frequency'],
    [`${site}ES1`, 'activePower'],
    [`${site}ES1`, 'stateOfCharge'],
    [`${site}ES1BK1`, 'activePower'],
    [`${site}ES1BK2`, 'activePower'],
    [`${site}ES1BK1BS1`, 'stateOfCharge'],
  ].map(([device, metric]) => ({ device, metric }));
}

/** A prepared bench database. */
export interface BenchData {
  db: TestDatabase;
  pool: StorePool;
  maps: Map<string, RegisterMap>;
  site: SiteConfig;
  /** Every scalar series of the site. */
  all: { device: string; metric: string }[];
  eight: { device: string; metric: string }[];
  /** History range of the 8 series: [from, to), 1-minute samples. */
  from: number;
  to: number;
  /** Rows in telemetry and in the rollup tables after the setup. */
  rows: { telemetry: number; rollups: number };
  /** Drops the database. */
  close(): Promise<void>;
}

/**
 * Creates and fills the bench database.
 * @throws the database error of any step (the database is dropped first)
 */
export async function prepareBenchData(days: number, log: (line: string) => void): Promise<BenchData> {
  const db = await createTestDatabase('openbess_bench_q');
  const pool = createPool(db.url, { max: 10 });
  try {
    await migrate(pool);
    const maps = loadRegisterMaps();
    const site = benchSite(maps);
    const registry = await registerSites(pool, [site], maps);
    const writer = createWriter(pool, registry);
    const eight = eightSeries(site.code);
    const to = Math.floor(Date.now() / MINUTE) * MINUTE;
    const from = to - days * DAY;
    const t0 = performance.now();
    for (let d0 = from; d0 < to; d0 += DAY) {
      const samples: Sample[] = [];
      eight.forEach((s, k) => {
        for (let t = d0; t < Math.min(d0 + DAY, to); t += MINUTE)
          samples.push({ ...s, time: t, value: 1000 * Math.sin(t / 3_600_000 + k) + (t % 7_919) / 100 });
      });
      await writer.write({ samples, arrays: [], attributes: [], polls: [] });
    }
    const all = scalarSeries(site, maps);
    await writer.write({
      samples: all.map((s, i) => ({ ...s, time: to, value: (i % 97) + 0.5 })),
      arrays: [],
      attributes: [],
      polls: [],
    });
    await refreshRollups(pool); // as a backfill does at its end
    await pool.query('VACUUM ANALYZE');
    const n = await pool.query<{ t: string; r: string }>(
      `SELECT (SELECT count(*) FROM telemetry) AS t,
              (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM telemetry_rollup_5m UNION ALL
                SELECT count(*) FROM telemetry_rollup_15m UNION ALL SELECT count(*) FROM telemetry_rollup_1h UNION ALL
                SELECT count(*) FROM telemetry_rollup_1d) x) AS r`
    );
    const rows = { telemetry: Number(n.rows[0].t), rollups: Number(n.rows[0].r) };
    log(
      `setup: site ${site.code} (${all.length} scalar series), ${eight.length} series × ${days} days of 1-minute history written through the store in ${Math.round(performance.now() - t0)} ms; telemetry ${rows.telemetry} rows, rollups ${rows.rollups} rows`
    );
    return {
      db,
      pool,
      maps,
      site,
      all,
      eight,
      from,
      to,
      rows,
      close: async () => {
        await pool.end();
        await db.drop();
      },
    };
  } catch (e) {
    await pool.end();
    await db.drop();
    throw e;
  }
}

/** One line describing the machine (figures depend on it). */
export async function machineLine(pool: StorePool): Promise<string> {
  const v = await pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${load}; PostgreSQL ${v.rows[0].v}; Node ${process.version}`;
}

/** CPU time (user + system) of a process from /proc, ms; 0 when unreadable (not Linux, gone). */
export function processCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** Linux USER_HZ (sysconf(_SC_CLK_TCK)), 100 on every mainstream kernel. */
const CLOCK_TICKS = 100;

/**
 * A CPU meter over the PostgreSQL backends of the bench database (the server runs on this machine)
 * and optionally a Node process: CPU ms spent between `start()` and `stop()` — the cost of a figure
 * independent of how busy the machine is (wall times here are shared with other work).
 */
export async function cpuMeter(
  pool: StorePool,
  nodePid?: number
): Promise<{ stop(): Promise<{ postgresMs: number; nodeMs: number }> }> {
  const backends = async () =>
    (await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)).rows.map(
      (r) => r.pid
    );
  const before = new Map((await backends()).map((p) => [p, processCpuMs(p)]));
  const self = process.cpuUsage();
  const node0 = nodePid ? processCpuMs(nodePid) : 0;
  return {
    async stop() {
      let postgresMs = 0;
      for (const p of await backends()) postgresMs += processCpuMs(p) - (before.get(p) ?? 0);
      const c = process.cpuUsage(self);
      const nodeMs = nodePid ? processCpuMs(nodePid) - node0 : (c.user + c.system) / 1000;
      return { postgresMs, nodeMs };
    },
  };
}
