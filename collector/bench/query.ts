/**
 * Benchmarks of the `POST /api/query` engine (issue 3 targets), callable from the lead's
 * `npm run bench` (`runQueryBench()`) or alone: `node --import tsx collector/bench/query.ts`.
 *
 * 1. timeseries: 8 series × 30 days of 1-minute data, maxDataPoints 1000, over HTTP — p50/p95 of
 *    `runs` requests (target p95 < 100 ms);
 * 2. latest for every scalar series of the large site (target < 20 ms);
 * 3. 50 concurrent dashboard users (autocannon, each 1 request/s cycling through a Site Overview
 *    refresh) on POST /api/query of an API child process that ingests one batch of every scalar series
 *    of the site each second, as the collector does — p95 and errors (target p95 < 100 ms, 0 errors);
 *    then the same closed-loop for the throughput ceiling;
 * 4. the timeseries figure again over the resolution pyramid (plain-PG stand-ins for the continuous
 *    aggregates: TimescaleDB is not installable here).
 * Everything runs against a throwaway database on the real PostgreSQL, written through the store.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import {
  loadRegisterMaps,
  loadSitesConfig,
  parseSitesConfig,
  siteDevices,
  type RegisterMap,
  type SiteConfig,
} from '@openbess/model';
import { createApiApp } from '../src/api/app';
import { migrate } from '../src/store/migrate';
import { createPool } from '../src/store/pool';
import { registerSites } from '../src/store/registry';
import { AGGREGATES } from '../src/store/timescale';
import { createWriter, type StoreWriter } from '../src/store/writer';
import type { Sample } from '../src/types';
import { createTestDatabase } from '../test/support/db';
import { loadTest, percentiles, startServerProcess, type Percentiles } from './load';

/** Options of {@link runQueryBench}. */
export interface QueryBenchOptions {
  /** Days of 1-minute history for the 8 timeseries (default 30). */
  days?: number;
  /** Measured requests per sequential figure (default 30, after 3 warm-ups). */
  runs?: number;
  /** Concurrent connections for the load figure (default 50). */
  connections?: number;
  /** Load duration, seconds (default 10). */
  durationSec?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** Figures printed by the bench. */
export interface QueryBenchFigures {
  timeseries: Percentiles & { series: number; rawRows: number; pointsReturned: number; source: string };
  latest: Percentiles & { rows: number };
  /** Same query once the resolution pyramid exists (plain-PG stand-ins for the continuous aggregates). */
  timeseriesPyramid: Percentiles & { source: string; pointsReturned: number };
  /** 50 dashboard users, each sending one request per second (open loop), while ingesting. */
  load: Percentiles & {
    connections: number;
    requests: number;
    errors: number;
    non2xx: number;
    rps: number;
    ingestBatches: number;
    ingestSamples: number;
  };
  /** The same mix closed-loop (every connection back-to-back): the API's throughput ceiling here. */
  saturation: Percentiles & { requests: number; rps: number; errors: number; non2xx: number };
}

const TOKEN = 'bench-token';
const MINUTE = 60_000;
const DAY = 86_400_000;

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

async function timed(n: number, fn: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function post(
  url: string,
  body: unknown
): Promise<{
  status: number;
  json: {
    results: Record<
      string,
      { frames?: { data: { values: unknown[][] }; schema: { meta?: { custom?: { source?: string } } } }[] }
    >;
  };
}> {
  const r = await fetch(`${url}/api/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as never };
}

/**
 * Runs the figures on a throwaway database and returns them (the database is dropped).
 * @throws when a measured request does not answer 200
 */
export async function runQueryBench(opts: QueryBenchOptions = {}): Promise<QueryBenchFigures> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const days = opts.days ?? 30;
  const runs = opts.runs ?? 30;
  const db = await createTestDatabase('openbess_bench_q');
  const pool = createPool(db.url, { max: 10 });
  let server: Server | undefined;
  try {
    await migrate(pool);
    const maps = loadRegisterMaps();
    const site = benchSite(maps);
    const registry = await registerSites(pool, [site], maps);
    const writer = createWriter(pool, registry);
    const c = site.code;
    const eight = [
      [`${c}MT1`, 'activePower'],
      [`${c}MT1`, 'reactivePower'],
      [`${c}MT1`, 'frequency'],
      [`${c}ES1`, 'activePower'],
      [`${c}ES1`, 'stateOfCharge'],
      [`${c}ES1BK1`, 'activePower'],
      [`${c}ES1BK2`, 'activePower'],
      [`${c}ES1BK1BS1`, 'stateOfCharge'],
    ].map(([device, metric]) => ({ device, metric }));
    const to = Math.floor(Date.now() / MINUTE) * MINUTE;
    const from = to - days * DAY;
    log(`query bench: site ${c}, writing ${eight.length} series × ${days} days of 1-minute data …`);
    for (let d0 = from; d0 < to; d0 += DAY) {
      const samples: Sample[] = [];
      eight.forEach((s, k) => {
        for (let t = d0; t < d0 + DAY; t += MINUTE)
          samples.push({ ...s, time: t, value: 1000 * Math.sin(t / 3_600_000 + k) + (t % 7_919) / 100 });
      });
      await writer.write({ samples, arrays: [], attributes: [], polls: [] });
    }
    const all = scalarSeries(site, maps);
    const ingest = (w: StoreWriter, t: number) =>
      w.write({
        samples: all.map((s, i) => ({ ...s, time: t, value: (i % 97) + (t % 1000) / 1000 })),
        arrays: [],
        attributes: [],
        polls: [],
      });
    await ingest(writer, to);
    await pool.query('VACUUM ANALYZE');

    const app = createApiApp({ pool, sites: [site], token: TOKEN, logger: pino({ level: 'silent' }), maps });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // 1. timeseries
    const tsBody = { from, to, queries: [{ refId: 'A', queryType: 'timeseries', maxDataPoints: 1000, series: eight }] };
    const probe = await post(url, tsBody);
    if (probe.status !== 200) throw new Error(`timeseries answered ${probe.status}`);
    const frames = probe.json.results.A.frames!;
    const tsTimes = await timed(runs, async () => {
      const r = await post(url, tsBody);
      if (r.status !== 200) throw new Error(`timeseries answered ${r.status}`);
    });
    const timeseries = {
      ...percentiles(tsTimes),
      series: eight.length,
      rawRows: eight.length * days * 1440,
      pointsReturned: frames.reduce((n, f) => n + f.data.values[0].length, 0),
      source: frames[0].schema.meta?.custom?.source ?? '?',
    };
    log(
      `timeseries 8 × ${days} d, maxDataPoints 1000 (${timeseries.source}, ${timeseries.pointsReturned} points): p50 ${timeseries.p50} ms, p95 ${timeseries.p95} ms`
    );

    // 2. latest of every series of the site
    const latestBody = { from: to - DAY, to: to + MINUTE, queries: [{ refId: 'L', queryType: 'latest', site: c }] };
    const lp = await post(url, latestBody);
    const latestRows = lp.json.results.L.frames![0].data.values[0].length;
    const latest = {
      ...percentiles(await timed(runs, async () => void (await post(url, latestBody)))),
      rows: latestRows,
    };
    log(`latest, every scalar series of ${c} (${latest.rows} rows): p50 ${latest.p50} ms, p95 ${latest.p95} ms`);

    // 3. 50 concurrent dashboard users while ingesting (open loop: each user 1 request/s, the request
    //    mix of a Site Overview refresh), then closed loop for the throughput ceiling
    const connections = opts.connections ?? 50;
    const now = Date.now();
    const dashboard = [
      { refId: 'P', queryType: 'timeseries', maxDataPoints: 1000, series: eight.slice(0, 4) },
      { refId: 'S', queryType: 'timeseries', maxDataPoints: 1000, series: eight.slice(4) },
    ];
    const bodies = [
      { from: now - 6 * 3_600_000, to: now, queries: dashboard },
      {
        from: now - 3_600_000,
        to: now + MINUTE,
        queries: [{ refId: 'L', queryType: 'latest', site: c, metrics: ['activePower', 'stateOfCharge'] }],
      },
      { from: now - 3_600_000, to: now + MINUTE, queries: [{ refId: 'T', queryType: 'tree', site: c }] },
      { from: now - DAY, to: now, queries: [{ refId: 'V', queryType: 'variable', variable: 'blocks', site: c }] },
    ].map((b) => JSON.stringify(b));
    const child = await startServerProcess(db.url, TOKEN);
    let load: QueryBenchFigures['load'];
    let saturation: QueryBenchFigures['saturation'];
    try {
      const hammer = (connectionRate?: number) =>
        loadTest(`http://127.0.0.1:${child.port}`, TOKEN, bodies, connections, opts.durationSec ?? 10, connectionRate);
      const before = Date.now();
      const l = await hammer(1);
      const seconds = (Date.now() - before) / 1000;
      load = {
        ...l,
        connections,
        ingestBatches: Math.floor(seconds),
        ingestSamples: Math.floor(seconds) * all.length,
      };
      log(
        `load: ${connections} users × 1 request/s, ${load.requests} requests while the API process ingests ${all.length} samples/s: p50 ${load.p50} ms, p95 ${load.p95} ms, errors ${load.errors}, non-2xx ${load.non2xx}`
      );
      const sat = await hammer();
      saturation = {
        p50: sat.p50,
        p95: sat.p95,
        max: sat.max,
        requests: sat.requests,
        rps: sat.rps,
        errors: sat.errors,
        non2xx: sat.non2xx,
      };
      log(
        `saturation (closed loop, ${connections} connections, ingesting): ${saturation.rps} requests/s, p95 ${saturation.p95} ms, errors ${saturation.errors}`
      );
    } finally {
      const ingested = await child.stop();
      log(`API process ingested ${ingested} batches during the load figures`);
      if (load!) {
        load.ingestBatches = ingested;
        load.ingestSamples = ingested * all.length;
      }
    }

    // 4. the timeseries again once the pyramid exists. TimescaleDB is not installable here, so its
    // continuous aggregates are stood in for by plain materialized views with the store's columns.
    for (const a of AGGREGATES) {
      await pool.query(`CREATE MATERIALIZED VIEW ${a.view} AS
        SELECT series_id, date_bin(INTERVAL '${a.bucket}', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
               avg(value) AS avg, min(value) AS min, max(value) AS max,
               (array_agg(value ORDER BY time))[1] AS first, (array_agg(value ORDER BY time DESC))[1] AS last,
               count(value) AS count
          FROM telemetry GROUP BY 1, 2`);
      await pool.query(`CREATE UNIQUE INDEX ON ${a.view} (series_id, bucket)`);
    }
    await pool.query(`UPDATE store_features SET enabled = true WHERE name = 'continuous_aggregates'`);
    await pool.query('ANALYZE');
    const pyrApp = createApiApp({ pool, sites: [site], token: TOKEN, logger: pino({ level: 'silent' }), maps });
    const pyrServer = await new Promise<Server>((resolve) => {
      const s = pyrApp.listen(0, '127.0.0.1', () => resolve(s));
    });
    let timeseriesPyramid: QueryBenchFigures['timeseriesPyramid'];
    try {
      const pyrUrl = `http://127.0.0.1:${(pyrServer.address() as AddressInfo).port}`;
      const p = await post(pyrUrl, tsBody);
      const pf = p.json.results.A.frames!;
      timeseriesPyramid = {
        ...percentiles(await timed(runs, async () => void (await post(pyrUrl, tsBody)))),
        source: pf[0].schema.meta?.custom?.source ?? '?',
        pointsReturned: pf.reduce((n, f) => n + f.data.values[0].length, 0),
      };
    } finally {
      await new Promise<void>((resolve) => pyrServer.close(() => resolve()));
    }
    log(
      `timeseries 8 × ${days} d with the pyramid (${timeseriesPyramid.source} stand-in, ${timeseriesPyramid.pointsReturned} points): p50 ${timeseriesPyramid.p50} ms, p95 ${timeseriesPyramid.p95} ms`
    );
    return { timeseries, timeseriesPyramid, latest, load, saturation };
  } finally {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await pool.end();
    await db.drop();
  }
}

if (require.main === module) {
  runQueryBench().then(
    (f) => console.log(JSON.stringify(f, null, 2)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    }
  );
}
