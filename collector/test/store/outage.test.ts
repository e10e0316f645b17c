import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startPrivatePostgres, type PrivatePostgres } from '../support/pg-cluster';
import { createIngest, type IngestStats } from '../../src/ingest/pipeline';
import { spoolFiles } from '../../src/ingest/spool';
import { migrate } from '../../src/store/migrate';
import { createPool, isTransientDbError, type StorePool } from '../../src/store/pool';
import { registerSites } from '../../src/store/registry';
import { createWriter } from '../../src/store/writer';
import type { SampleBatch } from '../../src/types';
import { batchPoints, fixtureBatch, fixtureMaps, fixtureSeries, fixtureSites } from './fixtures/site';

/**
 * The outage scenario on a private PostgreSQL cluster: batches are pushed continuously,
 * PostgreSQL is stopped for about 60 s (memory fills, the disk spool takes over) and started again;
 * eventually the stored rows equal the pushed rows exactly, per series in insertion order, and the
 * spool directory is empty.
 */
const OUTAGE_MS = 60_000;
jest.setTimeout(OUTAGE_MS + 90_000);

const logger = pino({ level: 'silent' });
const maps = fixtureMaps();
const sites = fixtureSites(['FI006'], maps);
const series = fixtureSeries(sites, maps);
const T0 = Date.UTC(2024, 6, 1);
let pg: PrivatePostgres;
let pool: StorePool;
let spoolDir: string;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  pool = createPool(pg.url, { max: 3, connectionTimeoutMs: 1000 });
  await migrate(pool);
  spoolDir = mkdtempSync(join(tmpdir(), 'openbess-outage-'));
});
afterAll(async () => {
  await pool.end();
  await pg.destroy();
  rmSync(spoolDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('stores every pushed point exactly once, in order, across a 60 s PostgreSQL outage', async () => {
  const registry = await registerSites(pool, sites, maps);
  const ingest = createIngest({
    pool,
    registry,
    spoolDir,
    flushIntervalMs: 200,
    maxBatchPoints: 2000,
    maxMemoryPoints: 3000,
    segmentBytes: 256 * 1024,
    retryMinMs: 200,
    retryMaxMs: 1000,
    logger,
  });
  const pushed: SampleBatch[] = [];
  let k = 0;
  let pushing = true;
  const pusher = (async () => {
    while (pushing) {
      const b = fixtureBatch(series, T0 + k * 1000, k);
      k++;
      pushed.push(b);
      ingest.push(b);
      await sleep(50);
    }
  })();
  const during: IngestStats[] = [];
  await sleep(3000);
  expect(ingest.stats().database).toBe('up');
  await pg.stop();
  const outageEnd = Date.now() + OUTAGE_MS;
  while (Date.now() < outageEnd) {
    await sleep(1000);
    during.push(ingest.stats());
  }
  const atRestart = ingest.stats();
  await pg.start();
  await sleep(3000);
  pushing = false;
  await pusher;
  await ingest.drain(60_000);

  // the outage was real: writes failed, memory stayed bounded and the spool took over
  expect(during.some((s) => s.database === 'down')).toBe(true);
  expect(atRestart.pointsSpooled).toBeGreaterThan(0);
  expect(atRestart.spoolSegments).toBeGreaterThan(1);
  const batchMax = batchPoints(pushed[0]);
  // memory stays near its limit (spilling is asynchronous: a few batches may arrive during a spill or
  // a failing flush attempt) while the spool takes the bulk of the outage
  const peak = Math.max(...during.map((s) => s.pointsInMemory));
  expect(peak).toBeLessThanOrEqual(3000 + 25 * batchMax);
  expect(peak).toBeLessThan(atRestart.pointsSpooled);

  const scalars = pushed.reduce((n, b) => n + b.samples.length, 0);
  const arrays = pushed.reduce((n, b) => n + b.arrays.length, 0);
  const total = pushed.reduce((n, b) => n + batchPoints(b), 0);
  const st = ingest.stats();
  expect(st).toMatchObject({ pointsWritten: total, pointsBuffered: 0, pointsQuarantined: 0, pointsRejected: 0 });
  expect(spoolFiles(spoolDir)).toEqual([]);

  // stored rows == pushed rows, value for value
  const rows = await pool.query<{ series_id: number; time: Date; value: number | null }>(
    'SELECT series_id, time, value FROM telemetry ORDER BY ctid'
  );
  expect(rows.rows.length).toBe(scalars);
  const want = new Map<string, number | null>();
  for (const b of pushed) {
    for (const s of b.samples) want.set(`${registry.get(s.device, s.metric)}|${s.time}`, s.value);
  }
  for (const r of rows.rows) expect(want.get(`${r.series_id}|${r.time.getTime()}`)).toBe(r.value);
  expect(Number((await pool.query('SELECT count(*) AS n FROM telemetry_array')).rows[0].n)).toBe(arrays);
  expect(Number((await pool.query('SELECT sum(cardinality(value)) AS n FROM telemetry_array')).rows[0].n)).toBe(
    total - scalars
  );
  expect(Number((await pool.query('SELECT count(*) AS n FROM poll_log')).rows[0].n)).toBe(
    pushed.reduce((n, b) => n + b.polls.length, 0)
  );

  // per series, insertion (physical) order is time order: nothing went backwards
  const last = new Map<number, number>();
  let backwards = 0;
  for (const r of rows.rows) {
    const t = r.time.getTime();
    if ((last.get(r.series_id) ?? -1) >= t) backwards++;
    last.set(r.series_id, t);
  }
  expect(backwards).toBe(0);

  // latest holds the newest pushed sample of every series
  const latest = await pool.query<{ t: Date }>('SELECT min(time) AS t FROM latest');
  expect(latest.rows[0].t.getTime()).toBe(pushed[pushed.length - 1].samples[0].time);
  await ingest.close();
});

it('a server shutdown in the middle of a COPY fails that write cleanly (nothing stored, no crash)', async () => {
  const registry = await registerSites(pool, sites, maps);
  const writer = createWriter(pool, registry);
  const scalar = series.filter((s) => s.kind === 'scalar');
  const big: SampleBatch = { samples: [], arrays: [], attributes: [], polls: [] };
  const T1 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < 40_000; i++) {
    for (const s of scalar) big.samples.push({ time: T1 + i * 1000, device: s.device, metric: s.metric, value: i });
  }
  const before = Number((await pool.query('SELECT count(*) AS n FROM telemetry')).rows[0].n);
  // settle handlers attached at once: the write may fail while pg.stop() is still running
  const writing = writer.write(big).then(
    () => null,
    (e: unknown) => e
  );
  await sleep(300);
  await pg.stop();
  const err = await writing;
  await pg.start();
  expect(err).not.toBeNull();
  expect(isTransientDbError(err)).toBe(true);
  // the next query gets a fresh connection; the interrupted transaction left nothing behind
  const after = Number((await pool.query('SELECT count(*) AS n FROM telemetry')).rows[0].n);
  expect(after).toBe(before);
  const r = await writer.write(big);
  expect(r.scalarRows).toBe(big.samples.length);
});
