/**
 * The 50-dashboard-users figure of issue 3 (target: p95 < 100 ms, 0 errors while the collector
 * ingests), and the load-test helpers the other benches use (percentiles, the API + ingest child
 * process, an autocannon run against POST /api/query).
 *
 * Standalone: `node --import tsx collector/bench/load.ts [--connections 50] [--rate 1] [--duration 10]
 * [--days 30] [--saturation] [--json]` — prepares its own throwaway database (bench/query-data.ts).
 *
 * Setup of the figure: an API child process (bench/query-server.ts: the express API plus a
 * collector-like ingest of one batch with every scalar series of the `large` site per second, through
 * the store's writer, rollups included) and `connections` dashboard users, each sending `rate`
 * requests per second at its own refresh phase (open loop, {@link usersTest}) cycling through a Site
 * Overview refresh: P and SOC of 8 series over 6 h (2 timeseries queries), latest of 2 metrics for
 * the site, the site tree, the blocks variable. Then the worst case of all users refreshing in the
 * same instant (autocannon `connectionRate`), and with `--saturation` the mix closed-loop (the
 * throughput ceiling).
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuMeter, DAY, machineLine, MINUTE, prepareBenchData, TOKEN, type BenchData } from './query-data';

/** Latency percentiles, ms. */
export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

/** p-quantile (nearest rank) of a list of ms. */
export function percentiles(ms: number[]): Percentiles {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { p50: round(q(0.5)), p95: round(q(0.95)), max: round(s[s.length - 1]) };
}
export const round = (x: number) => Math.round(x * 10) / 10;

/** The API + ingest child process (bench/query-server.ts). */
export async function startServerProcess(
  dbUrl: string,
  token: string
): Promise<{
  port: number;
  pid: number;
  stop(): Promise<{ batches: number; ingestMs: (Percentiles & { failed: number }) | null }>;
}> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'query-server.ts'), dbUrl, token], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: join(__dirname, '..', '..'),
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`bench server exited with ${code}`));
    });
  });
  return {
    port,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          const m = /INGESTED (\d+) (\S+)/.exec(out);
          resolve({
            batches: Number(m?.[1] ?? 0),
            ingestMs: m && m[2] !== 'null' ? (JSON.parse(m[2]) as Percentiles & { failed: number }) : null,
          });
        });
        child.kill('SIGTERM');
      }),
  };
}

/** What {@link loadTest} measured. */
export type LoadResult = Percentiles & { requests: number; errors: number; non2xx: number; rps: number };

/** autocannon against POST /api/query cycling through `bodies`; latencies of every response. */
export async function loadTest(
  url: string,
  token: string,
  bodies: string[],
  connections: number,
  durationSec: number,
  connectionRate?: number
): Promise<LoadResult> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/api/query`,
        connections,
        ...(connectionRate ? { connectionRate } : {}),
        duration: durationSec,
        requests: bodies.map((body) => ({
          method: 'POST' as const,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        })),
      },
      (err, res) => (err ? reject(err) : resolve(res))
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  return {
    ...percentiles(latencies.length ? latencies : [0]),
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    rps: round(result.requests.average),
  };
}

/**
 * Open-loop dashboard users with independent refresh phases: each of `users` sends `rate` requests
 * per second at its own fixed phase (seeded, uniform over the period), cycling through `bodies` from
 * its own offset, over keep-alive connections. A request is sent at its scheduled time even while the
 * user's previous one is still running, and its latency is counted from the scheduled time, so a slow
 * server cannot hide its queueing (no coordinated omission). Errors: network errors and answers
 * later than 10 s; non-2xx counted separately.
 */
export async function usersTest(
  url: string,
  token: string,
  bodies: string[],
  users: number,
  rate: number,
  durationSec: number,
  seed = 1
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: users * 2 });
  const target = new URL(`${url}/api/query`);
  let state = seed;
  const rnd = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const periodMs = 1000 / rate;
  const start = performance.now() + 100;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const send = (body: string, scheduled: number) =>
    new Promise<void>((resolve) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          timeout: 10_000,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            latencies.push(performance.now() - scheduled);
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
            resolve();
          });
        }
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const inflight: Promise<void>[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (let u = 0; u < users; u++) {
    const phase = rnd() * periodMs;
    for (let k = 0; phase + k * periodMs < durationSec * 1000; k++) {
      const scheduled = start + phase + k * periodMs;
      const body = bodies[(u + k) % bodies.length];
      timers.push(setTimeout(() => inflight.push(send(body, scheduled)), Math.max(0, scheduled - performance.now())));
    }
  }
  await new Promise((r) => setTimeout(r, durationSec * 1000 + 200));
  await Promise.all(inflight);
  timers.forEach(clearTimeout);
  agent.destroy();
  return {
    ...percentiles(latencies.length ? latencies : [0]),
    requests: latencies.length + errors,
    errors,
    non2xx,
    rps: round(latencies.length / durationSec),
  };
}

/** Options of {@link runLoadBench}. */
export interface LoadBenchOptions {
  /** A prepared database to use (else one with `days` of history is made and dropped). */
  data?: BenchData;
  days?: number;
  /** Concurrent users / connections (default 50). */
  connections?: number;
  /** Requests per second per user (default 1). */
  rate?: number;
  /** Seconds (default 10). */
  durationSec?: number;
  /** Also measure the closed-loop throughput ceiling. */
  saturation?: boolean;
  log?: (line: string) => void;
}

/** Figures of {@link runLoadBench}. */
export interface LoadFigures {
  load: LoadResult & {
    connections: number;
    rate: number;
    ingestBatches: number;
    ingestSamplesPerBatch: number;
    /** CPU of the API process (requests and ingest) and of its PostgreSQL backends, ms per request. */
    cpuPerRequest: { postgresMs: number; nodeMs: number };
  };
  /**
   * The same users all refreshing in the same instant every period (autocannon `connectionRate`:
   * every connection fires at once) — a worst case, not the target's figure.
   */
  burst: LoadResult;
  /** Write time of one ingest batch (all scalar series of the site, rollups included), ms; failed writes. */
  ingestMs: (Percentiles & { failed: number }) | null;
  saturation?: LoadResult;
}

/** The Site Overview refresh a dashboard user sends (request bodies, cycled). */
export function dashboardBodies(site: string, eight: { device: string; metric: string }[], now: number): string[] {
  return [
    {
      from: now - 6 * 3_600_000,
      to: now,
      queries: [
        { refId: 'P', queryType: 'timeseries', maxDataPoints: 1000, series: eight.slice(0, 4) },
        { refId: 'S', queryType: 'timeseries', maxDataPoints: 1000, series: eight.slice(4) },
      ],
    },
    {
      from: now - 3_600_000,
      to: now + MINUTE,
      queries: [{ refId: 'L', queryType: 'latest', site, metrics: ['activePower', 'stateOfCharge'] }],
    },
    { from: now - 3_600_000, to: now + MINUTE, queries: [{ refId: 'T', queryType: 'tree', site }] },
    { from: now - DAY, to: now, queries: [{ refId: 'V', queryType: 'variable', variable: 'blocks', site }] },
  ].map((b) => JSON.stringify(b));
}

/** Runs the load figure (and optionally the saturation figure). */
export async function runLoadBench(opts: LoadBenchOptions = {}): Promise<LoadFigures> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const data = opts.data ?? (await prepareBenchData(opts.days ?? 30, log));
  const connections = opts.connections ?? 50;
  const rate = opts.rate ?? 1;
  const duration = opts.durationSec ?? 10;
  try {
    const bodies = dashboardBodies(data.site.code, data.eight, Date.now());
    const child = await startServerProcess(data.db.url, TOKEN);
    let load: LoadResult;
    let burst: LoadResult;
    let saturation: LoadResult | undefined;
    let stopped: Awaited<ReturnType<typeof child.stop>> | undefined;
    let cpu = { postgresMs: 0, nodeMs: 0 };
    try {
      const url = `http://127.0.0.1:${child.port}`;
      log(
        `load: ${connections} users × ${rate} request/s each (independent refresh phases, open loop, latency from the scheduled send time) for ${duration} s against an API process ingesting ${data.all.length} samples/s; mix: 6 h of 8 series (2 timeseries queries) | latest of 2 metrics | tree | blocks variable`
      );
      const meter = await cpuMeter(data.pool, child.pid);
      load = await usersTest(url, TOKEN, bodies, connections, rate, duration);
      const c = await meter.stop();
      cpu = { postgresMs: round(c.postgresMs / load.requests), nodeMs: round(c.nodeMs / load.requests) };
      burst = await loadTest(url, TOKEN, bodies, connections, duration, rate);
      if (opts.saturation) saturation = await loadTest(url, TOKEN, bodies, connections, duration);
    } finally {
      stopped = await child.stop();
    }
    const out: LoadFigures = {
      load: {
        ...load,
        connections,
        rate,
        ingestBatches: stopped.batches,
        ingestSamplesPerBatch: data.all.length,
        cpuPerRequest: cpu,
      },
      burst,
      ingestMs: stopped.ingestMs,
      ...(saturation ? { saturation } : {}),
    };
    const verdict = out.load.p95 < 100 && out.load.errors === 0 && out.load.non2xx === 0 ? 'MET' : 'NOT MET';
    log(
      `load figure: ${load.requests} requests (${load.rps}/s): p50 ${load.p50} ms, p95 ${load.p95} ms, max ${load.max} ms, errors ${load.errors}, non-2xx ${load.non2xx} (CPU/request incl. ingest: PostgreSQL ${cpu.postgresMs} ms, API process ${cpu.nodeMs} ms) — target p95 < 100 ms, 0 errors: ${verdict}`
    );
    log(
      `  worst case, all ${connections} users refreshing in the same instant (autocannon connectionRate ${rate}/s): ${burst.requests} requests, p50 ${burst.p50} ms, p95 ${burst.p95} ms, max ${burst.max} ms, errors ${burst.errors}, non-2xx ${burst.non2xx}`
    );
    log(
      `  ingest meanwhile: ${stopped.batches} batches of ${data.all.length} samples, write p50 ${stopped.ingestMs?.p50 ?? '?'} ms, p95 ${stopped.ingestMs?.p95 ?? '?'} ms, failed ${stopped.ingestMs?.failed ?? 0}`
    );
    if (saturation)
      log(
        `saturation (closed loop, ${connections} connections): ${saturation.rps} requests/s, p50 ${saturation.p50} ms, p95 ${saturation.p95} ms, errors ${saturation.errors}`
      );
    return out;
  } finally {
    if (!opts.data) await data.close();
  }
}

const BENCH_FLAGS = {
  days: { type: 'string', default: '30' },
  connections: { type: 'string', default: '50' },
  rate: { type: 'string', default: '1' },
  duration: { type: 'string', default: '10' },
  saturation: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
  only: { type: 'string', default: 'timeseries,latest,load' },
  runs: { type: 'string', default: '30' },
  'raw-reference': { type: 'boolean', default: false },
} as const;

/**
 * Parses the query benches' CLI flags (node:util parseArgs); an unknown or malformed flag ends the
 * process with status 2 and a message naming it (CLI use only).
 * @param allowed flags this script takes (others are refused)
 */
export function benchArgs(allowed: (keyof typeof BENCH_FLAGS)[], args = process.argv.slice(2)) {
  try {
    const { values } = parseArgs({ args, options: BENCH_FLAGS, strict: true });
    for (const a of args)
      if (a.startsWith('--') && !(allowed as string[]).includes(a.slice(2).split('=')[0]))
        throw new Error(`${a}: not a flag of this bench (flags: ${allowed.map((x) => `--${x}`).join(' ')})`);
    return values;
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}

/** A positive number flag. @throws Error naming the flag */
export function positiveFlag(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a number > 0, got "${String(v)}"`);
  return n;
}

if (require.main === module) {
  const values = benchArgs(['days', 'connections', 'rate', 'duration', 'saturation', 'json', 'help']);
  if (values.help) {
    console.log(
      'usage: node --import tsx collector/bench/load.ts [--connections 50] [--rate 1] [--duration 10] [--days 30] [--saturation] [--json]'
    );
  } else {
    const log = (l: string) => (values.json ? process.stderr.write(`${l}\n`) : console.log(l));
    (async () => {
      const data = await prepareBenchData(positiveFlag('days', values.days), log);
      try {
        log(await machineLine(data.pool));
        const f = await runLoadBench({
          data,
          connections: positiveFlag('connections', values.connections),
          rate: positiveFlag('rate', values.rate),
          durationSec: positiveFlag('duration', values.duration),
          saturation: values.saturation === true,
          log,
        });
        log(await machineLine(data.pool));
        if (values.json) console.log(JSON.stringify(f));
      } finally {
        await data.close();
      }
    })().catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
  }
}
