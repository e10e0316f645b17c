/**
 * `npm run bench [-- --only ingest,query,status,maintenance,plugins] [--duration 30] [--cells-interval 1000]`: the
 * OpenBESS benchmarks, one section after another, each printing its figures (issue 2 and 3 targets).
 *
 * - `ingest` — the `large` site (collector/config/large.yaml: 20 blocks × 12 strings × 416 cells) served
 *   by the simulator process over real Modbus TCP and polled by the collector process into a throwaway
 *   database on the real PostgreSQL. The cell group is polled every `--cells-interval` ms instead of
 *   30 s so the offered load is ~200 k points/s. Figures: points/s committed end to end (Modbus →
 *   decode → database, the ingest counters of /api/health) vs a raw `COPY FROM STDIN` of the very same
 *   rows into a fresh copy of the schema on the same server; Modbus requests per poll cycle measured
 *   (poll_log) vs the planner's figure and the minimum the maps allow; `GET /api/sites/:site/latest`
 *   latency for every series of the site (scalars, and with the cell arrays) while polling; collector
 *   RSS while polling (sampled every second, and the kernel's high-water mark).
 * - `query` — the query-engine bench of issue 3 (collector/bench/query.ts), as a child process.
 * - `status` — `status` and `scan` for the 240 strings of the large site and one event-recorder flush
 *   (collector/bench/status.ts, issue 4).
 * - `maintenance` — work-order list/search over 10,000 work orders and a year of availability
 *   (collector/src/maintenance/bench.ts, issue 6).
 * - `plugins` — the plugin benches (`npm run bench` of panel-bitfield-plugin and panel-3d-plugin).
 *
 * Targets (issue 2): ≥ 200 k points/s and ≥ 80 % of raw COPY; requests/cycle ≤ 1.1 × minimum;
 * latest < 20 ms; collector RSS < 300 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Client } from 'pg';
import { parse, stringify } from 'yaml';
import { loadRegisterMaps, loadSitesConfig } from '@openbess/model';
import { createPoller } from '../src/poller';
import { createTestDatabase, type TestDatabase } from '../test/support/db';
import { percentiles, round } from './load';
import { pipelineCapacity } from './pipeline';
import { cpuSeconds, freePort, memoryOf, startCli, stopChild } from './processes';

const ROOT = join(__dirname, '..', '..');
const LARGE = join(ROOT, 'collector', 'config', 'large.yaml');
const MAPS = join(ROOT, 'model', 'maps');
const TOKEN = 'bench-token';
const SECTIONS = ['ingest', 'query', 'status', 'maintenance', 'plugins'] as const;
type Section = (typeof SECTIONS)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Options {
  only: Section[];
  duration: number;
  cellsInterval: number;
  latestRuns: number;
  latestGapMs: number;
  cycles: number;
  rounds: number;
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${v}"`);
  return n;
}

function sections(v: string): Section[] {
  const list = v.split(',').map((s) => s.trim());
  for (const s of list)
    if (!(SECTIONS as readonly string[]).includes(s))
      throw new InvalidArgumentError(`unknown section "${s}" (sections: ${SECTIONS.join(', ')})`);
  return list as Section[];
}

interface Health {
  sites: { code: string; pointsWritten: number; pointsBuffered: number; lastPollAt: string | null }[];
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return (await r.json()) as T;
}

async function ingestSection(o: Options): Promise<Record<string, unknown>> {
  say(`\n== ingest: large site, Modbus TCP → collector → PostgreSQL (cells every ${o.cellsInterval} ms) ==`);
  const maps = loadRegisterMaps(MAPS);
  // maps are data: a copy with the cell group's interval changed
  const cellsText = readFileSync(join(MAPS, 'cells-805.yaml'), 'utf8');
  const CELLS_GROUP = /cells: \{ intervalMs: \d+ \}/;
  if (!CELLS_GROUP.test(cellsText)) throw new Error(`${join(MAPS, 'cells-805.yaml')}: cells group interval not found`);
  const dir = mkdtempSync(join(tmpdir(), 'openbess-bench-'));
  const port = await freePort();
  const apiPort = await freePort();
  const cfg = parse(readFileSync(LARGE, 'utf8')) as { sites: { code: string; modbus: { port: number } }[] };
  cfg.sites[0].modbus.port = port;
  const site = cfg.sites[0].code;
  writeFileSync(join(dir, 'large.yaml'), stringify(cfg));
  const mapsDir = join(dir, 'maps');
  cpSync(MAPS, mapsDir, { recursive: true });
  writeFileSync(
    join(mapsDir, 'cells-805.yaml'),
    cellsText.replace(CELLS_GROUP, `cells: { intervalMs: ${o.cellsInterval} }`)
  );

  // the planner's figures for one round of every poll job, at the shipped intervals
  const sites = loadSitesConfig(join(dir, 'large.yaml'), maps);
  const planned = createPoller({ sites, maps, sink: { push: () => undefined } }).stats();
  const jobs = planned.jobs.length;

  const db: TestDatabase = await createTestDatabase('openbess_bench_ingest');
  let sim: ChildProcess | null = null;
  let col: ChildProcess | null = null;
  try {
    const t0 = Date.now();
    sim = (await startCli('simulator.ts', ['--config', join(dir, 'large.yaml'), '--maps', mapsDir], {}, /Modbus TCP/))
      .child;
    const collector = await startCli(
      'collector.ts',
      ['--config', join(dir, 'large.yaml'), '--maps', mapsDir],
      {
        DATABASE_URL: db.url,
        OPENBESS_API_TOKEN: TOKEN,
        OPENBESS_API_PORT: String(apiPort),
        OPENBESS_SPOOL_DIR: join(dir, 'spool'),
      },
      null
    );
    col = collector.child;
    const api = `http://127.0.0.1:${apiPort}`;
    const health = async () => (await getJson<Health>(`${api}/api/health`)).sites.find((s) => s.code === site)!;
    for (;;) {
      const h = await health().catch(() => null);
      if (h && h.pointsWritten > 0) break;
      if (col.exitCode !== null) throw new Error(`collector exited: ${collector.stderr().slice(-2000)}`);
      if (Date.now() - t0 > 180_000) throw new Error('the collector wrote nothing within 180 s');
      await sleep(500);
    }
    say(`started in ${((Date.now() - t0) / 1000).toFixed(1)} s; warming up 5 s, then measuring ${o.duration} s`);
    await sleep(5000);

    const rss: number[] = [];
    const load0 = loadavg()[0];
    const cpu0 = { col: cpuSeconds(col.pid!), sim: cpuSeconds(sim.pid!) };
    const h0 = await health();
    const w0 = Date.now();
    while (Date.now() - w0 < o.duration * 1000) {
      await sleep(1000);
      rss.push(memoryOf(col.pid!).rss);
    }
    const h1 = await health();
    const w1 = Date.now();
    const seconds = (w1 - w0) / 1000;
    const cpu = {
      collector: round(((cpuSeconds(col.pid!) - cpu0.col) / seconds) * 100),
      simulator: round(((cpuSeconds(sim.pid!) - cpu0.sim) / seconds) * 100),
    };
    const load = round((load0 + loadavg()[0]) / 2);
    const committed = (h1.pointsWritten - h0.pointsWritten) / seconds;

    // latest values of every series of the site while the collector keeps polling: one request every
    // `latestGapMs` (a few dashboards refreshing), so a share of them follows a write (1 per second) and
    // rebuilds the body. Response time = request sent → last byte of the body received (the server's
    // latency, as autocannon counts it; node:http on a keep-alive connection: undici's fetch adds
    // several ms of its own per 0.6 MB body), asking for gzip as Grafana's proxy does; the client's
    // gunzip and JSON.parse are reported beside it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const getText = (path: string) =>
      new Promise<{ status: number; raw: Buffer; text: () => string }>((resolve, reject) => {
        const req = httpGet(
          {
            host: '127.0.0.1',
            port: apiPort,
            path,
            agent,
            // as Grafana's data proxy and browsers ask
            headers: { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'gzip' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const raw = Buffer.concat(chunks);
              const gz = res.headers['content-encoding'] === 'gzip';
              resolve({ status: res.statusCode ?? 0, raw, text: () => (gz ? gunzipSync(raw) : raw).toString('utf8') });
            });
            res.on('error', reject);
          }
        );
        req.on('error', reject);
      });
    const timeLatest = async (arrays: boolean) => {
      const ms: number[] = [];
      const withParse: number[] = [];
      let series = 0;
      for (let i = 0; i < o.latestRuns + 3; i++) {
        await sleep(o.latestGapMs);
        const t = performance.now();
        const r = await getText(`/api/sites/${site}/latest${arrays ? '' : '?arrays=false'}`);
        const received = performance.now();
        if (r.status !== 200) throw new Error(`GET latest: ${r.status}`);
        const body = JSON.parse(r.text()) as { devices: { metrics: Record<string, unknown> }[] };
        if (i >= 3) {
          ms.push(received - t);
          withParse.push(performance.now() - t);
        }
        series = body.devices.reduce((n, d) => n + Object.keys(d.metrics).length, 0);
      }
      return { ...percentiles(ms), series, inclClientParse: percentiles(withParse) };
    };
    const latestScalars = await timeLatest(false);
    const latestAll = await timeLatest(true);
    const mem = memoryOf(col.pid!);
    // the same with polling stopped: the API and the database on their own
    await stopChild(sim);
    sim = null;
    await sleep(2000);
    const latestIdle = await timeLatest(false);
    agent.destroy();

    await stopChild(col);
    col = null;

    // what the polls delivered in the window, and the requests they took
    const c = new Client({ connectionString: db.url });
    await c.connect();
    const win = `time >= to_timestamp(${w0 / 1000}) AND time < to_timestamp(${w1 / 1000})`;
    const polled = (
      await c.query<{ points: string; requests: string; ok: string; failed: string }>(
        `SELECT coalesce(sum(points) FILTER (WHERE ok), 0) AS points, coalesce(sum(requests) FILTER (WHERE ok), 0) AS requests,
                count(*) FILTER (WHERE ok) AS ok, count(*) FILTER (WHERE NOT ok) AS failed FROM poll_log WHERE ${win}`
      )
    ).rows[0];
    // measured requests per poll of every job (poll_log, successful polls) vs the plan of that job
    const measuredJobs = (
      await c.query<{ device: string; map: string; poll_group: string; r: number }>(
        `SELECT device, map, poll_group, avg(requests)::float8 AS r FROM poll_log WHERE ok GROUP BY 1, 2, 3`
      )
    ).rows;
    const plannedOf = new Map(planned.jobs.map((j) => [`${j.device}|${j.map}|${j.group}`, j]));
    let measuredSum = 0;
    let plannedSum = 0;
    let minimumSum = 0;
    for (const m of measuredJobs) {
      const j = plannedOf.get(`${m.device}|${m.map}|${m.poll_group}`);
      if (!j) continue;
      measuredSum += m.r;
      plannedSum += j.requestsPerPoll;
      minimumSum += j.minimumRequests;
    }
    // scaled to every job of the cycle (jobs without a successful poll counted at their plan)
    const perJob = planned.requestsPerCycle - plannedSum + measuredSum;
    await c.end();

    say('store pipeline capacity: capturing one poll of every job, then pushing copies through the ingest…');
    const cap = await pipelineCapacity(
      loadSitesConfig(join(dir, 'large.yaml'), loadRegisterMaps(mapsDir)),
      loadRegisterMaps(mapsDir),
      o.cycles,
      o.rounds
    );
    const ratio = cap.ratio;

    const figures = {
      window: {
        seconds: round(seconds),
        jobs,
        jobsMeasured: measuredJobs.length,
        pollsOk: Number(polled.ok),
        pollsFailed: Number(polled.failed),
        loadAverage: load,
        cpuPercent: cpu,
      },
      endToEndPointsPerSecond: {
        committed: Math.round(committed),
        polled: Math.round(Number(polled.points) / seconds),
      },
      pipeline: cap,
      modbus: {
        requestsPerCycleMeasured: round(perJob),
        requestsPerCyclePlanned: planned.requestsPerCycle,
        minimumRequestsPerCycle: planned.minimumRequestsPerCycle,
        ratioToMinimum: round((perJob / planned.minimumRequestsPerCycle) * 100) / 100,
        measuredJobs: { measured: round(measuredSum), planned: plannedSum, minimum: minimumSum },
        requestsPerSecond: Math.round(Number(polled.requests) / seconds),
      },
      latestMs: { scalars: latestScalars, withCellArrays: latestAll, scalarsIdle: latestIdle },
      collectorRssMb: {
        mean: round(rss.reduce((a, b) => a + b, 0) / rss.length),
        max: round(Math.max(...rss)),
        highWaterMark: round(mem.hwm),
      },
    };
    say(
      `machine: load average ${load} on ${cpus().length} cores during the window; CPU collector ${cpu.collector} %, simulator ${cpu.simulator} %`
    );
    say(
      `ingest end to end: ${fmt(committed)} points/s committed (polled ${fmt(figures.endToEndPointsPerSecond.polled)}/s, ` +
        `${figures.window.pollsFailed} failed/overrun polls of ${figures.window.pollsOk + figures.window.pollsFailed})`
    );
    say(
      `store pipeline (ingest → writer → PostgreSQL, latest tables and rollup refresh counted) on ${cap.cycles} cycles × ` +
        `${fmt(cap.pointsPerCycle)} points of ${cap.jobs} jobs, vs a raw COPY of the same rows (${fmt(cap.scalarRows)} scalar rows + ` +
        `${fmt(cap.arrayRows)} array rows = ${fmt(cap.scalarRows + cap.arrayElements)} points), ${cap.rounds} rounds:`
    );
    for (const r of cap.runs)
      say(
        `  pipeline ${fmt(r.pipelinePointsPerSecond)} points/s (${r.seconds} s: ${r.ingestSeconds} s committed incl. latest tables, ` +
          `${r.rollupRefreshSeconds} s rollup refresh: ${cap.rollupBucketsMerged} of ${cap.rollupBuckets} buckets merged from the writer, ` +
          `${fmt(cap.rollupRawRows)} raw rows read); raw COPY ${fmt(r.rawCopyPointsPerSecond)} ` +
          `points/s (${r.rawCopySeconds} s: scalars ${r.rawCopyScalarSeconds} s, arrays ${r.rawCopyArraySeconds} s) → ${(r.ratio * 100).toFixed(0)} %`
      );
    say(
      `  median: pipeline ${fmt(cap.pipelinePointsPerSecond)} points/s, raw COPY ${fmt(cap.rawCopyPointsPerSecond)} points/s, ` +
        `pipeline = ${(ratio * 100).toFixed(0)} % of raw COPY   [goal ≥ 200,000 points/s and ≥ 80 %]`
    );
    say(
      `Modbus requests per poll cycle: ${figures.modbus.requestsPerCycleMeasured} measured, ${planned.requestsPerCycle} planned, ` +
        `minimum ${planned.minimumRequestsPerCycle} → ${figures.modbus.ratioToMinimum}×   [goal ≤ 1.1×]  (${jobs} poll jobs, ${fmt(figures.modbus.requestsPerSecond)} requests/s)`
    );
    say(
      `latest, every series of ${site} (${latestScalars.series} scalar series; ${o.latestRuns} requests ${o.latestGapMs} ms apart while polling): p50 ${latestScalars.p50} ms, p95 ${latestScalars.p95} ms, max ${latestScalars.max} ms   [goal < 20 ms] (gzip; with the client's gunzip + JSON.parse: p50 ${latestScalars.inclClientParse.p50} ms, p95 ${latestScalars.inclClientParse.p95} ms)`
    );
    say(
      `latest, every scalar series, polling stopped: p50 ${latestIdle.p50} ms, p95 ${latestIdle.p95} ms, max ${latestIdle.max} ms (with gunzip + JSON.parse: p95 ${latestIdle.inclClientParse.p95} ms)`
    );
    say(
      `latest incl. cell arrays (${latestAll.series} series): p50 ${latestAll.p50} ms, p95 ${latestAll.p95} ms, max ${latestAll.max} ms (with gunzip + JSON.parse: p95 ${latestAll.inclClientParse.p95} ms)`
    );
    say(
      `collector RSS while polling: mean ${figures.collectorRssMb.mean} MB, max ${figures.collectorRssMb.max} MB, high-water ${figures.collectorRssMb.highWaterMark} MB   [goal < 300 MB]`
    );
    return figures;
  } finally {
    if (col) await stopChild(col);
    if (sim) await stopChild(sim);
    await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command, streaming its output; resolves with its exit code. */
function runStep(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    const t = setTimeout(() => {
      say(`(${[cmd, ...args].join(' ')} took longer than ${timeoutMs / 1000} s: stopped)`);
      child.kill('SIGTERM');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve(code ?? 1);
    });
  });
}

async function querySection(): Promise<number> {
  say('\n== query: POST /api/query engine (collector/bench/query.ts) ==');
  return runStep(process.execPath, ['--import', 'tsx', join(__dirname, 'query.ts')], ROOT, 300_000);
}

async function statusSection(): Promise<number> {
  say('\n== status: status/scan queries for the 240 strings of the large site (collector/bench/status.ts) ==');
  return runStep(process.execPath, ['--import', 'tsx', join(__dirname, 'status.ts')], ROOT, 300_000);
}

async function maintenanceSection(): Promise<number> {
  say('\n== maintenance: work-order list/search and availability (collector/src/maintenance/bench.ts) ==');
  return runStep(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'collector', 'src', 'maintenance', 'bench.ts')],
    ROOT,
    300_000
  );
}

async function pluginsSection(): Promise<number> {
  let worst = 0;
  for (const p of ['panel-bitfield-plugin', 'panel-3d-plugin']) {
    const pkg = join(ROOT, p, 'package.json');
    if (!existsSync(pkg)) continue;
    const scripts = (JSON.parse(readFileSync(pkg, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    if (!scripts.bench) continue;
    say(`\n== plugins: ${p} (npm run bench) ==`);
    worst = Math.max(worst, await runStep('npm', ['run', '--silent', 'bench'], join(ROOT, p), 240_000));
  }
  return worst;
}

async function main(): Promise<void> {
  const o = new Command('openbess-bench')
    .description(
      'OpenBESS benchmarks: ingest, Modbus requests, latest values, RSS, query engine, status, maintenance, plugins'
    )
    .option('--only <sections>', `comma-separated sections (${SECTIONS.join(', ')})`, sections, [...SECTIONS])
    .option('--duration <seconds>', 'measured ingest window', positive, 30)
    .option('--cells-interval <ms>', 'poll interval of the cell arrays during the ingest bench', positive, 1000)
    .option('--latest-runs <n>', 'timed latest requests per figure', positive, 100)
    .option('--latest-gap-ms <ms>', 'pause before each timed latest request', positive, 200)
    .option('--cycles <n>', 'poll cycles pushed through the store pipeline for its capacity figure', positive, 100)
    .option('--rounds <n>', 'pipeline/raw COPY rounds of the capacity figure (the median is reported)', positive, 5)
    .parse()
    .opts<Options>();
  const started = Date.now();
  const results: Record<string, unknown> = {};
  let failed = 0;
  for (const s of SECTIONS) {
    if (!o.only.includes(s)) continue;
    try {
      if (s === 'ingest') results.ingest = await ingestSection(o);
      if (s === 'query') failed += (await querySection()) === 0 ? 0 : 1;
      if (s === 'status') failed += (await statusSection()) === 0 ? 0 : 1;
      if (s === 'maintenance') failed += (await maintenanceSection()) === 0 ? 0 : 1;
      if (s === 'plugins') failed += (await pluginsSection()) === 0 ? 0 : 1;
    } catch (e) {
      failed++;
      say(`section ${s} failed: ${(e as Error).stack ?? String(e)}`);
    }
  }
  if (results.ingest) say(`\ningest figures (JSON): ${JSON.stringify(results.ingest)}`);
  say(
    `\nbench finished in ${((Date.now() - started) / 1000).toFixed(0)} s${failed ? `, ${failed} section(s) failed` : ''}`
  );
  process.exitCode = failed ? 1 : 0;
}

if (require.main === module) void main();
