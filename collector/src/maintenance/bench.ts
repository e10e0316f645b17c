/**
 * Benchmarks of the maintenance API (issue 6 targets), callable as `runMaintenanceBench()` from
 * `npm run bench` or alone: `node --import tsx collector/src/maintenance/bench.ts`.
 *
 * 1. Filtering and searching 10,000 work orders over HTTP (`GET /api/maintenance/work-orders` with status
 *    filter, text search, both, and a site + priority filter), p50/p95 of `runs` requests — target < 50 ms.
 * 2. Availability of a site over one year of device-status history (`GET /api/maintenance/availability`),
 *    p50/p95 — target < 100 ms.
 * Runs against a throwaway database on the real PostgreSQL (`TEST_PG_URL`, default the local server).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { loadRegisterMaps, parseSitesConfig } from '@openbess/model';
import { createApiApp } from '../api/app';
import { migrate } from '../store/migrate';
import { createPool } from '../store/pool';
import { registerSites } from '../store/registry';

/** p50/p95 of one measured request, ms. */
export interface BenchFigure {
  name: string;
  p50: number;
  p95: number;
  targetMs: number;
  rows: number;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/**
 * Runs both benchmarks and prints one line per figure.
 * @param opts.runs requests per figure (default 50); opts.workOrders (default 10,000)
 */
export async function runMaintenanceBench(
  opts: { runs?: number; workOrders?: number; baseUrl?: string } = {}
): Promise<BenchFigure[]> {
  const runs = opts.runs ?? 50;
  const n = opts.workOrders ?? 10_000;
  const base = opts.baseUrl ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `openbess_mnt_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), { max: 4 });
  let server: Server | undefined;
  try {
    await migrate(pool, { timescale: false });
    const maps = loadRegisterMaps();
    const sites = parseSitesConfig(
      {
        sites: [
          { code: 'FI006', name: 'Bench A', modbus: { port: 15020 }, blocks: 4, stringsPerBlock: 8, pollCells: false },
          { code: 'EE001', name: 'Bench B', modbus: { port: 15021 }, blocks: 2, stringsPerBlock: 4, pollCells: false },
        ],
      },
      'bench-sites',
      maps
    );
    await registerSites(pool, sites, maps);
    // 10,000 work orders spread over both sites, statuses, priorities; searchable words in titles/descriptions.
    await pool.query(
      `INSERT INTO mnt_work_order (site, title, category_id, priority, devices, status, description, report,
         created_by, updated_by, created_at, updated_at, due_date, search)
       SELECT CASE WHEN i % 3 = 0 THEN 'EE001' ELSE 'FI006' END,
         (ARRAY['Replace fan','Inspect inverter','Torque check','Cell imbalance','HVAC filter','Contactor fault',
                'Firmware update','Smoke detector test'])[1 + i % 8] || ' #' || i,
         1 + i % 5,
         (ARRAY['low','medium','high','critical'])[1 + i % 4],
         ARRAY['FI006ES1BK' || (1 + i % 4) || 'BS' || (1 + i % 8)],
         (ARRAY['REQUEST','DRAFT','ACTIVE','IN_PROGRESS','DONE','CLOSED','CANCELLED'])[1 + i % 7],
         '<p>Work order ' || i || ': ' || repeat('lorem ipsum dolor sit amet ', 20) ||
           CASE WHEN i % 50 = 0 THEN ' coolant leak' ELSE '' END || '</p>',
         '', 'bench', 'bench', now() - i * interval '1 hour', now() - i * interval '1 hour',
         (now() + (i % 60 - 30) * interval '1 day')::date, ''
       FROM generate_series(1, $1) AS i`,
      [n]
    );
    // The search column as the API maintains it (title, description text, report, devices; lower case).
    await pool.query(
      `UPDATE mnt_work_order SET search = lower(title || E'\\n' || regexp_replace(description, '<[^>]*>', ' ', 'g')
         || E'\\n' || report || E'\\n' || array_to_string(devices, ' '))`
    );
    // Autovacuum's job in a running system: statistics and the visibility map (index-only scans).
    await pool.query('VACUUM ANALYZE mnt_work_order');
    // One year of device-status history on FI006: every string out about twice a month for 1–6 h, every
    // block out monthly for 2–8 h, the BESS node out quarterly.
    const yearAgo = Date.now() - 365 * 86_400_000;
    await pool.query(
      `WITH ev AS (
         SELECT d.id AS device, k, $1::timestamptz + (k * step + (hashtext(d.id) & 1023) * 60) * interval '1 second' AS t0,
           (1 + (abs(hashtext(d.id || k)) % 6)) * interval '1 hour' AS dur
         FROM device d
         CROSS JOIN LATERAL (SELECT CASE d.profile WHEN 'batteryString' THEN 15 * 86400
                                                   WHEN 'bessBlock' THEN 30 * 86400 ELSE 90 * 86400 END AS step) s
         CROSS JOIN LATERAL generate_series(0, (365 * 86400) / s.step - 1) AS k
         WHERE d.site = 'FI006' AND d.profile IN ('batteryString', 'bessBlock', 'bessNode'))
       INSERT INTO mnt_device_status (device, site, offline, reason, at, by)
       SELECT device, 'FI006', true, 'bench outage', t0, 'bench' FROM ev
       UNION ALL SELECT device, 'FI006', false, NULL, t0 + dur, 'bench' FROM ev`,
      [new Date(yearAgo)]
    );
    const events = Number((await pool.query('SELECT count(*) AS n FROM mnt_device_status')).rows[0].n);
    const app = createApiApp({ pool, sites, token: 'bench-token', logger: pino({ level: 'silent' }), maps });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/maintenance`;
    const measure = async (label: string, path: string, targetMs: number): Promise<BenchFigure> => {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs + 5; i++) {
        const t = performance.now();
        const r = await fetch(`${root}${path}`, { headers: { authorization: 'Bearer bench-token' } });
        const body = (await r.json()) as { total?: number; items?: unknown[]; blocks?: unknown[]; sites?: unknown[] };
        if (!r.ok) throw new Error(`${label}: HTTP ${r.status} ${JSON.stringify(body)}`);
        if (i >= 5) times.push(performance.now() - t);
        rows = body.total ?? body.blocks?.length ?? body.sites?.length ?? 0;
      }
      return { name: label, p50: pct(times, 50), p95: pct(times, 95), targetMs, rows };
    };
    const figures = [
      await measure('baseline: GET /me (HTTP + auth + identity)', '/me', 50),
      await measure(`list ${n} work orders, status filter`, '/work-orders?status=ACTIVE,IN_PROGRESS&limit=100', 50),
      await measure(`search ${n} work orders ("coolant")`, '/work-orders?q=coolant&limit=100', 50),
      await measure(`search + filter ${n} work orders`, '/work-orders?q=inverter&status=REQUEST,DRAFT&limit=100', 50),
      await measure(`site + priority filter ${n}`, '/work-orders?site=FI006&priority=critical&sort=dueDate', 50),
      await measure(
        `availability FI006, 1 year, ${events} status events`,
        `/availability?site=FI006&from=${yearAgo}&to=${Date.now()}`,
        100
      ),
    ];
    for (const f of figures)
      console.log(
        `maintenance: ${f.name.padEnd(52)} p50 ${f.p50.toFixed(1).padStart(6)} ms  p95 ${f.p95
          .toFixed(1)
          .padStart(6)} ms  (target < ${f.targetMs} ms, ${f.rows} rows/blocks) ${f.p95 < f.targetMs ? 'OK' : 'OVER'}`
      );
    return figures;
  } finally {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await pool.end();
    const c = new Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
}

if (require.main === module) {
  runMaintenanceBench().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
