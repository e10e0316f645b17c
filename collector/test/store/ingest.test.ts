import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createIngest } from '../../src/ingest/pipeline';
import { spoolFiles } from '../../src/ingest/spool';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites, SeriesRegistry } from '../../src/store/registry';
import type { SampleBatch } from '../../src/types';
import { batchPoints, fixtureBatch, fixtureMaps, fixtureSeries, fixtureSites } from './fixtures/site';

const logger = pino({ level: 'silent' });
const maps = fixtureMaps();
const sites = fixtureSites(['FI006', 'EE001'], maps);
const series = fixtureSeries(sites, maps);
const T0 = Date.UTC(2024, 5, 1);
let db: TestDatabase;
let pool: StorePool;
let registry: SeriesRegistry;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'openbess-ingest-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  db = await createTestDatabase('openbess_store_i');
  pool = createPool(db.url, { max: 3 });
  await migrate(pool);
  registry = await registerSites(pool, sites, maps);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);

describe('ingest pipeline', () => {
  it('flushes pushed batches by size and interval, with per-site counters', async () => {
    await pool.query('TRUNCATE telemetry, telemetry_array, poll_log, latest, latest_array');
    const ingest = createIngest({
      pool,
      registry,
      spoolDir: tmp(),
      flushIntervalMs: 100,
      maxBatchPoints: 500,
      maxMemoryPoints: 100_000,
      logger,
    });
    const batches: SampleBatch[] = [];
    for (let k = 0; k < 40; k++) batches.push(fixtureBatch(series, T0 + k * 1000, k));
    batches.forEach((b) => ingest.push(b));
    const total = batches.reduce((n, b) => n + batchPoints(b), 0);
    expect(ingest.stats().pointsBuffered).toBe(total);
    await ingest.drain(20_000);
    const st = ingest.stats();
    expect(st).toMatchObject({ database: 'up', pointsWritten: total, pointsBuffered: 0, pointsSpooled: 0 });
    expect(st.flushes).toBeGreaterThan(1);
    const perSite = total / 2;
    expect(ingest.siteStats('FI006')).toMatchObject({ pointsWritten: perSite, pointsBuffered: 0 });
    expect(ingest.siteStats('EE001').pointsWritten).toBe(perSite);
    expect(ingest.siteStats('FI006').lastFlushAt).not.toBeNull();
    expect(ingest.siteStats('GB003')).toEqual({ pointsWritten: 0, pointsBuffered: 0, lastFlushAt: null });
    const scalars = batches.reduce((n, b) => n + b.samples.length, 0);
    expect(await count('SELECT count(*) AS n FROM telemetry')).toBe(scalars);
    expect(await count('SELECT coalesce(sum(cardinality(value)), 0) AS n FROM telemetry_array')).toBe(total - scalars);
    // a last partial batch is flushed by the interval timer alone
    ingest.push(fixtureBatch(series, T0 + 100_000, 100));
    const until = Date.now() + 10_000;
    while (ingest.stats().pointsBuffered > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(ingest.stats().pointsBuffered).toBe(0);
    await ingest.close();
  });

  it('close() persists what it cannot write to the spool, and a new ingest replays it', async () => {
    await pool.query('TRUNCATE telemetry, telemetry_array, poll_log');
    const dir = tmp();
    // a pool to a port nobody listens on: the database is "down"
    const dead = createPool('postgres://postgres@127.0.0.1:1/none', { connectionTimeoutMs: 500 });
    const down = createIngest({
      pool: dead,
      registry: new SeriesRegistry(),
      spoolDir: dir,
      flushIntervalMs: 50,
      maxBatchPoints: 10_000,
      maxMemoryPoints: 100_000,
      retryMinMs: 50,
      logger,
    });
    const batches = [0, 1, 2, 3, 4].map((k) => fixtureBatch(series, T0 + k * 1000, k));
    batches.forEach((b) => down.push(b));
    await new Promise((r) => setTimeout(r, 300));
    expect(down.stats().database).toBe('down');
    await down.close();
    await dead.end();
    down.push(batches[0]);
    expect(down.stats().pointsDropped).toBe(batchPoints(batches[0]));
    expect(spoolFiles(dir).length).toBe(1);
    const up = createIngest({ pool, registry, spoolDir: dir, flushIntervalMs: 50, logger });
    const total = batches.reduce((n, b) => n + batchPoints(b), 0);
    expect(up.stats().pointsSpooled).toBe(total);
    await up.drain(20_000);
    expect(up.stats().pointsWritten).toBe(total);
    expect(await count('SELECT count(*) AS n FROM telemetry')).toBe(batches.reduce((n, b) => n + b.samples.length, 0));
    expect(spoolFiles(dir)).toEqual([]);
    await up.close();
  });

  it('quarantines a batch the database refuses and keeps writing the others', async () => {
    const dir = tmp();
    const ingest = createIngest({ pool, registry, spoolDir: dir, flushIntervalMs: 50, logger });
    const good1 = fixtureBatch(series, T0 + 500_000, 1);
    const bad = fixtureBatch(series, T0 + 501_000, 2);
    bad.polls[0].unitId = 2 ** 40; // out of int4 range: a data error, not an outage
    const good2 = fixtureBatch(series, T0 + 502_000, 3);
    [good1, bad, good2].forEach((b) => ingest.push(b));
    await ingest.drain(20_000);
    const st = ingest.stats();
    expect(st.pointsQuarantined).toBe(batchPoints(bad));
    expect(st.pointsWritten).toBe(batchPoints(good1) + batchPoints(good2));
    expect(readdirSync(join(dir, 'quarantine'))).toHaveLength(1);
    const times = await pool.query<{ t: Date }>(
      `SELECT DISTINCT time AS t FROM telemetry WHERE time >= $1 ORDER BY 1`,
      [new Date(T0 + 500_000).toISOString()]
    );
    expect(times.rows.map((r) => r.t.getTime())).toEqual([T0 + 500_000, T0 + 502_000]);
    await ingest.close();
  });

  it('catching up, two transactions overlap; when the first dies the second rolls back and both are retried in order', async () => {
    const t0 = T0 + 800_000;
    const ipool = createPool(db.url, { max: 4 });
    const written: number[] = [];
    const per = batchPoints(fixtureBatch(series, t0, 0));
    const ingest = createIngest({
      pool: ipool,
      registry,
      spoolDir: tmp(),
      flushIntervalMs: 50,
      maxBatchPoints: 3 * per, // groups of three batches
      retryMinMs: 100,
      logger,
      onWritten: (bs) => written.push(...bs.map((b) => b.polls[0].time)),
    });
    const locker = await pool.connect();
    try {
      // data-quality rows exist; the test holds their locks: the first group stops at its upsert
      await pool.query(`DELETE FROM device_quality`);
      ingest.push(fixtureBatch(series, t0, 0));
      await ingest.drain(20_000);
      await locker.query('BEGIN');
      await locker.query(`SELECT * FROM device_quality FOR UPDATE`);
      const batches = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => fixtureBatch(series, t0 + k * 1000, k));
      batches.forEach((b) => ingest.push(b));
      const backends = async () =>
        (
          await pool.query<{ pid: number; state: string; query: string; wait: string | null }>(
            `SELECT pid, state, query, wait_event_type AS wait FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`
          )
        ).rows;
      let blocked: number | undefined;
      let waiting = false;
      for (let i = 0; i < 200 && !(blocked && waiting); i++) {
        const b = await backends();
        blocked = b.find((x) => x.wait === 'Lock' && x.query.includes('INSERT INTO device_quality'))?.pid;
        // the second group: its rows sent, waiting for the first to commit
        waiting = b.some((x) => x.state === 'idle in transaction' && x.query.startsWith('COPY poll_log'));
        await sleep(20);
      }
      expect(blocked).toBeDefined();
      expect(waiting).toBe(true);
      await pool.query(`SELECT pg_terminate_backend($1)`, [blocked]);
      await sleep(300);
      await locker.query('COMMIT');
      await ingest.drain(20_000);
      const times = await pool.query<{ t: Date; n: string }>(
        `SELECT time AS t, count(*) AS n FROM telemetry WHERE time >= $1 GROUP BY 1 ORDER BY 1`,
        [new Date(t0).toISOString()]
      );
      const perBatch = fixtureBatch(series, t0, 0).samples.length;
      expect(times.rows.map((r) => [r.t.getTime(), Number(r.n)])).toEqual(
        [0, ...batches.map((_, k) => k + 1)].map((k) => [t0 + k * 1000, perBatch])
      );
      // committed in push order, each batch once
      expect(written).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => t0 + k * 1000));
      expect(ingest.stats().pointsWritten).toBe(10 * per);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
      await ingest.close();
      await ipool.end();
    }
  });

  it('push() never throws, even for malformed input', async () => {
    const ingest = createIngest({ pool, registry, spoolDir: tmp(), flushIntervalMs: 50, logger });
    expect(() => ingest.push(null as unknown as SampleBatch)).not.toThrow();
    expect(() =>
      ingest.push({ samples: [{ time: 'x', device: 7, metric: null, value: 'y' }] } as unknown as SampleBatch)
    ).not.toThrow();
    await ingest.close();
  });
});
