/**
 * Benchmarks of the `POST /api/query` engine (issue 3 targets), standalone or as a child process of
 * `npm run bench` (bench/run.ts):
 *
 *   node --import tsx collector/bench/query.ts [--only timeseries,latest,load] [--days 30] [--runs 30]
 *        [--connections 50] [--rate 1] [--duration 10] [--raw-reference] [--saturation] [--json]
 *
 * 1. `timeseries`: 8 series × `days` days of 1-minute data, maxDataPoints 1000, over HTTP, the source
 *    chosen as in production (the store's rollups on plain PostgreSQL) — p50/p95/max of `runs`
 *    sequential requests after 3 warm-ups (target p95 < 100 ms). `--raw-reference` adds the same query
 *    with the rollups switched off (raw rows, the figure before migration 3).
 * 2. `latest` for every scalar series of the large site (target < 20 ms, read as p95).
 * 3. `load`: 50 dashboard users while the collector ingests (bench/load.ts; target p95 < 100 ms,
 *    0 errors).
 * Everything runs against a throwaway database on the real PostgreSQL, written through the store
 * (bench/query-data.ts); the database is dropped at the end. Prints the setup (machine, load average,
 * data) with the figures; `--json` prints the figures as one JSON line on stdout (text on stderr).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApiApp } from '../src/api/app';
import {
  benchArgs,
  percentiles,
  positiveFlag,
  round,
  runLoadBench,
  startServerProcess,
  type LoadFigures,
  type Percentiles,
} from './load';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
import { cpuMeter, DAY, machineLine, MINUTE, prepareBenchData, TOKEN, type BenchData } from './query-data';

const FIGURES = ['timeseries', 'latest', 'load'] as const;
type Figure = (typeof FIGURES)[number];

/** Options of {@link runQueryBench}. */
export interface QueryBenchOptions {
  /** Figures to measure (default all). */
  only?: Figure[];
  /** Days of 1-minute history for the 8 timeseries (default 30). */
  days?: number;
  /** Measured requests per sequential figure (default 30, after 3 warm-ups). */
  runs?: number;
  /** Also time the timeseries figure on raw rows (rollups off). */
  rawReference?: boolean;
  /** Load figure: users, requests/s per user, seconds, closed-loop ceiling. */
  connections?: number;
  rate?: number;
  durationSec?: number;
  saturation?: boolean;
  /** Progress and figure lines (default console.log). */
  log?: (line: string) => void;
}

/**
 * CPU time per request, ms: PostgreSQL backends of the bench database and the Node process (API and
 * the in-process HTTP client) — what a request costs whatever else the machine runs.
 */
export interface CpuPerRequest {
  postgresMs: number;
  nodeMs: number;
}

/** Figures printed by the bench. */
export interface QueryBenchFigures {
  setup: { machine: string; telemetryRows: number; rollupRows: number; series: number };
  timeseries?: Percentiles & {
    series: number;
    days: number;
    rawRows: number;
    pointsReturned: number;
    source: string;
    cpu: CpuPerRequest;
  };
  timeseriesRaw?: Percentiles & { source: string; pointsReturned: number; cpu: CpuPerRequest };
  /** In the collector-service configuration: API + ingest in one process, latest values in memory. */
  latest?: Percentiles & { rows: number; cpu: CpuPerRequest };
  /** An API-only process (no writer of its own): values read from the latest-values table. */
  latestFromTable?: Percentiles & { rows: number; cpu: CpuPerRequest };
  load?: LoadFigures;
}

/** `n` timed calls after 3 warm-ups; wall times and CPU per measured call. */
async function timed(
  data: BenchData,
  n: number,
  fn: () => Promise<void>,
  /** Process whose CPU is the `Node` figure (default this one). */
  nodePid?: number
): Promise<{ ms: number[]; cpu: CpuPerRequest }> {
  for (let i = 0; i < 3; i++) await fn();
  const meter = await cpuMeter(data.pool, nodePid);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  const c = await meter.stop();
  return { ms, cpu: { postgresMs: round(c.postgresMs / n), nodeMs: round(c.nodeMs / n) } };
}

const cpuText = (c: CpuPerRequest) => `CPU/request: PostgreSQL ${c.postgresMs} ms, Node ${c.nodeMs} ms`;

interface Answer {
  results: Record<
    string,
    { frames?: { data: { values: unknown[][] }; schema: { meta?: { custom?: { source?: string } } } }[] }
  >;
}

/** POSTs a query; the body is read in full (as a client must) and parsed only when asked. */
async function post(url: string, body: string, parse = false): Promise<Answer | null> {
  const r = await fetch(`${url}/api/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body,
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`query answered ${r.status}: ${text.slice(0, 200)}`);
  return parse ? (JSON.parse(text) as Answer) : null;
}

/** An in-process API on an ephemeral port (a fresh app reads the store's feature flags anew). */
async function startApi(data: BenchData): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApiApp({
    pool: data.pool,
    sites: [data.site],
    token: TOKEN,
    logger: pino({ level: 'silent' }),
    maps: data.maps,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');

/**
 * Runs the figures on a throwaway database and returns them (the database is dropped).
 * @throws when a measured request does not answer 200
 */
export async function runQueryBench(opts: QueryBenchOptions = {}): Promise<QueryBenchFigures> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const only = new Set<Figure>(opts.only ?? FIGURES);
  const days = opts.days ?? 30;
  const runs = opts.runs ?? 30;
  const data = await prepareBenchData(days, log);
  try {
    const machine = await machineLine(data.pool);
    log(machine);
    const out: QueryBenchFigures = {
      setup: {
        machine,
        telemetryRows: data.rows.telemetry,
        rollupRows: data.rows.rollups,
        series: data.all.length,
      },
    };
    const { from, to, eight, site } = data;
    const tsBody = JSON.stringify({
      from,
      to,
      queries: [{ refId: 'A', queryType: 'timeseries', maxDataPoints: 1000, series: eight }],
    });
    const describe = (a: Answer) => {
      const frames = a.results.A.frames!;
      return {
        pointsReturned: frames.reduce((n, f) => n + f.data.values[0].length, 0),
        source: frames[0].schema.meta?.custom?.source ?? '?',
      };
    };

    if (only.has('timeseries')) {
      const api = await startApi(data);
      try {
        const d = describe((await post(api.url, tsBody, true))!);
        const t = await timed(data, runs, async () => void (await post(api.url, tsBody)));
        const p = percentiles(t.ms);
        out.timeseries = { ...p, ...d, series: eight.length, days, rawRows: eight.length * days * 1440, cpu: t.cpu };
        log(
          `timeseries: ${eight.length} series × ${days} d of 1-minute data (${out.timeseries.rawRows} raw rows), maxDataPoints 1000, ${runs} sequential requests — source ${d.source}, ${d.pointsReturned} points: p50 ${p.p50} ms, p95 ${p.p95} ms, max ${p.max} ms (${cpuText(t.cpu)}) — target p95 < 100 ms: ${verdict(p.p95 < 100)}`
        );
      } finally {
        await api.close();
      }
      if (opts.rawReference) {
        await data.pool.query(`UPDATE store_features SET enabled = false WHERE name = 'rollups'`);
        const raw = await startApi(data);
        try {
          const d = describe((await post(raw.url, tsBody, true))!);
          const t = await timed(data, Math.min(runs, 10), async () => void (await post(raw.url, tsBody)));
          const p = percentiles(t.ms);
          out.timeseriesRaw = { ...p, ...d, cpu: t.cpu };
          log(
            `timeseries reference without rollups (raw rows, as before migration 3) — source ${d.source}, ${d.pointsReturned} points: p50 ${p.p50} ms, p95 ${p.p95} ms, max ${p.max} ms (${cpuText(t.cpu)})`
          );
        } finally {
          await raw.close();
          await data.pool.query(`UPDATE store_features SET enabled = true WHERE name = 'rollups'`);
        }
      }
    }

    if (only.has('latest')) {
      const body = JSON.stringify({
        from: to - DAY,
        to: to + MINUTE,
        queries: [{ refId: 'A', queryType: 'latest', site: site.code }],
      });
      // the collector-service configuration: API and ingest (every scalar series once a second) in one
      // process, whose writer keeps the latest values in memory
      const child = await startServerProcess(data.db.url, TOKEN);
      try {
        const url = `http://127.0.0.1:${child.port}`;
        await sleep(2500); // a few ingest batches first: the values then change while measuring
        const rows = (await post(url, body, true))!.results.A.frames![0].data.values[0].length;
        const t = await timed(data, runs, async () => void (await post(url, body)), child.pid);
        const p = percentiles(t.ms);
        out.latest = { ...p, rows, cpu: t.cpu };
        log(
          `latest: every scalar series of ${site.code} (${rows} rows), ${runs} sequential requests to the API of a process ingesting ${data.all.length} samples/s (values from its in-memory latest table): p50 ${p.p50} ms, p95 ${p.p95} ms, max ${p.max} ms (${cpuText(t.cpu)}, Node = that process incl. ingest) — target < 20 ms (p95): ${verdict(p.p95 < 20)}`
        );
      } finally {
        await child.stop();
      }
      // an API-only process (no writer of its own) reads the latest-values table instead
      const api = await startApi(data);
      try {
        const rows = (await post(api.url, body, true))!.results.A.frames![0].data.values[0].length;
        const t = await timed(data, runs, async () => void (await post(api.url, body)));
        const p = percentiles(t.ms);
        out.latestFromTable = { ...p, rows, cpu: t.cpu };
        log(
          `  same from an API-only process (values read from the latest table, no ingest): p50 ${p.p50} ms, p95 ${p.p95} ms, max ${p.max} ms (${cpuText(t.cpu)}, Node = bench process incl. client)`
        );
      } finally {
        await api.close();
      }
    }

    if (only.has('load')) {
      out.load = await runLoadBench({
        data,
        connections: opts.connections,
        rate: opts.rate,
        durationSec: opts.durationSec,
        saturation: opts.saturation,
        log,
      });
    }
    log(`after: ${await machineLine(data.pool)}`);
    return out;
  } finally {
    await data.close();
  }
}

/** `--only` list. @throws Error naming an unknown figure */
function figures(v: unknown): Figure[] {
  const list = String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const f of list)
    if (!(FIGURES as readonly string[]).includes(f))
      throw new Error(`--only: unknown figure "${f}" (figures: ${FIGURES.join(', ')})`);
  return list as Figure[];
}

if (require.main === module) {
  const values = benchArgs([
    'only',
    'days',
    'runs',
    'connections',
    'rate',
    'duration',
    'raw-reference',
    'saturation',
    'json',
    'help',
  ]);
  if (values.help) {
    console.log(
      'usage: node --import tsx collector/bench/query.ts [--only timeseries,latest,load] [--days 30] [--runs 30] [--connections 50] [--rate 1] [--duration 10] [--raw-reference] [--saturation] [--json]'
    );
  } else {
    const log = (l: string) => (values.json ? process.stderr.write(`${l}\n`) : console.log(l));
    runQueryBench({
      only: figures(values.only),
      days: positiveFlag('days', values.days),
      runs: positiveFlag('runs', values.runs),
      rawReference: values['raw-reference'] === true,
      connections: positiveFlag('connections', values.connections),
      rate: positiveFlag('rate', values.rate),
      durationSec: positiveFlag('duration', values.duration),
      saturation: values.saturation === true,
      log,
    }).then(
      (f) => {
        if (values.json) console.log(JSON.stringify(f));
      },
      (e) => {
        console.error(e);
        process.exitCode = 1;
      }
    );
  }
}
