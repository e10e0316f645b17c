import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import pino from 'pino';
import { createApiApp } from '../../src/api/app';
import { createIngest } from '../../src/ingest/pipeline';
import { migrate, readStoreFeatures } from '../../src/store/migrate';
import { MIGRATIONS } from '../../src/store/schema';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites } from '../../src/store/registry';
import { refreshRollups } from '../../src/store/rollup';
import { createWriter } from '../../src/store/writer';
import { batchPoints, fixtureBatch, fixtureMaps, fixtureSeries, fixtureSites } from './fixtures/site';

/**
 * The embedded default (PGlite over pglite-socket) runs the same migrations and writes. The database
 * runs in a child process (fixtures/embedded-server.ts): PGlite loads its WASM with dynamic imports,
 * which jest's module sandbox cannot do.
 */
jest.setTimeout(120_000);

interface Server {
  url: string;
  maxConnections: number;
  recommendedPoolMax: number;
  dataDir: string;
  child: ChildProcess;
}

async function startServer(dataDir: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'fixtures', 'embedded-server.ts'), dataDir],
    {
      cwd: join(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const info = await new Promise<Omit<Server, 'child'>>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`embedded server exited (${code}): ${err}`)));
  });
  return { ...info, child };
}

async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

const maps = fixtureMaps();
const sites = fixtureSites(['FI006'], maps);
const series = fixtureSeries(sites, maps);
const T0 = Date.UTC(2024, 8, 1);
let dir: string;
let edb: Server;
let pool: StorePool;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openbess-pglite-'));
  edb = await startServer(join(dir, 'pgdata'));
  pool = createPool(edb.url, { max: edb.recommendedPoolMax });
});
afterAll(async () => {
  await pool?.end();
  if (edb) await stopServer(edb);
  rmSync(dir, { recursive: true, force: true });
});

it('runs the migrations unchanged, twice, and records its features', async () => {
  expect((await migrate(pool)).applied).toEqual(MIGRATIONS.map((m) => m.version));
  expect((await migrate(pool)).applied).toEqual([]);
  const f = await readStoreFeatures(pool);
  expect(f.timescaledb).toMatchObject({ enabled: false, detail: expect.stringMatching(/PGlite/) });
  expect(f.copy_from_stdin.enabled).toBe(false);
});

it('stores batches through the insert path, idempotently, with latest values', async () => {
  const registry = await registerSites(pool, sites, maps);
  const writer = createWriter(pool, registry);
  expect(await writer.method()).toBe('insert');
  const batches = [0, 1, 2].map((k) => fixtureBatch(series, T0 + k * 1000, k));
  const r = await writer.write(batches);
  expect(r.path).toBe('insert');
  await writer.write(batches.slice(1)); // replay
  const scalars = batches.reduce((n, b) => n + b.samples.length, 0);
  const n = await pool.query('SELECT count(*)::int AS n, count(value)::int AS v FROM telemetry');
  expect(n.rows[0].n).toBe(scalars);
  expect(n.rows[0].v).toBe(batches.reduce((c, b) => c + b.samples.filter((s) => s.value !== null).length, 0));
  const a = await pool.query('SELECT count(*)::int AS n, sum(cardinality(value))::int AS e FROM telemetry_array');
  expect(a.rows[0]).toEqual({
    n: batches.reduce((c, b) => c + b.arrays.length, 0),
    e: batches.reduce((c, b) => c + batchPoints(b) - b.samples.length, 0),
  });
  const q = await pool.query(`SELECT sum(polls_ok + polls_failed)::int AS n FROM device_quality`);
  expect(q.rows[0].n).toBe(batches.reduce((c, b) => c + b.polls.length, 0));
  const l = await pool.query<{ t: Date }>('SELECT min(time) AS t FROM latest');
  expect(l.rows[0].t.getTime()).toBe(T0 + 2000);
  // the rollup refresh (cursor over packed raw rows, SET LOCAL) on PGlite: every finite sample counted once
  const refreshed = await refreshRollups(pool);
  expect(refreshed.buckets).toBeGreaterThan(0);
  const c = await pool.query(`SELECT sum(count)::int AS n FROM telemetry_rollup_5m`);
  const finite = await pool.query(`SELECT count(*)::int AS n FROM telemetry WHERE abs(value) < 'Infinity'::float8`);
  expect(c.rows[0].n).toBe(finite.rows[0].n);
  expect((await pool.query('SELECT count(*)::int AS n FROM telemetry_rollup_dirty')).rows[0].n).toBe(0);
});

it('serves the ingest pipeline', async () => {
  const registry = await registerSites(pool, sites, maps);
  const spoolDir = join(dir, 'spool');
  const ingest = createIngest({ pool, registry, spoolDir, flushIntervalMs: 50, logger: pino({ level: 'silent' }) });
  const batches = [10, 11, 12, 13].map((k) => fixtureBatch(series, T0 + k * 1000, k));
  batches.forEach((b) => ingest.push(b));
  await ingest.drain(60_000);
  expect(ingest.stats().pointsWritten).toBe(batches.reduce((c, b) => c + batchPoints(b), 0));
  await ingest.close();
});

it('answers concurrent latest requests over several pooled connections (no named statement clashes)', async () => {
  const app = createApiApp({ pool, sites, maps, token: 'embedded-token', logger: pino({ level: 'silent' }) });
  const server = await new Promise<HttpServer>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const { port } = server.address() as AddressInfo;
    const get = () =>
      fetch(`http://127.0.0.1:${port}/api/sites/FI006/latest`, { headers: { authorization: 'Bearer embedded-token' } });
    // every pooled connection runs the route's query at least once
    const answers = await Promise.all(Array.from({ length: 4 * edb.recommendedPoolMax }, get));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    const body = (await answers[0].json()) as { devices: { metrics: Record<string, { values?: unknown[] }> }[] };
    const arrays = body.devices.flatMap((d) => Object.values(d.metrics)).filter((m) => Array.isArray(m.values));
    expect(arrays.length).toBeGreaterThan(0);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

it('accepts up to maxConnections clients and keeps data across a restart of the same data directory', async () => {
  const extra: Client[] = [];
  const open = edb.maxConnections - edb.recommendedPoolMax;
  for (let i = 0; i < open; i++) {
    const c = new Client({ connectionString: edb.url });
    c.on('error', () => undefined);
    await c.connect();
    extra.push(c);
  }
  const over = new Client({ connectionString: edb.url });
  over.on('error', () => undefined);
  // the pool may hold fewer than its max: fill it so the server is at its limit
  const held = await Promise.all(Array.from({ length: edb.recommendedPoolMax }, () => pool.connect()));
  await expect(over.connect().then(() => over.query('SELECT 1'))).rejects.toThrow();
  held.forEach((c) => c.release());
  await Promise.all(extra.map((c) => c.end()));

  const before = (await pool.query('SELECT count(*)::int AS n FROM telemetry')).rows[0].n;
  expect(before).toBeGreaterThan(0);
  await pool.end();
  await stopServer(edb);
  edb = await startServer(join(dir, 'pgdata'));
  pool = createPool(edb.url, { max: edb.recommendedPoolMax });
  expect((await migrate(pool)).applied).toEqual([]);
  expect((await pool.query('SELECT count(*)::int AS n FROM telemetry')).rows[0].n).toBe(before);
});
