/**
 * Store-pipeline capacity of the ingest bench (collector/bench/run.ts): the collector's ingest fed with
 * copies of one real poll cycle of the `large` site as fast as it takes them, against a raw
 * `COPY FROM STDIN` of the same rows.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import pino from 'pino';
import type { RegisterMap, SiteConfig } from '@openbess/model';
import { createIngest } from '../src/ingest/pipeline';
import { createPoller } from '../src/poller';
import { startSimulator } from '../src/simulator';
import { migrate } from '../src/store/migrate';
import { createPool } from '../src/store/pool';
import { registerSites } from '../src/store/registry';
import type { SampleBatch } from '../src/types';
import { createTestDatabase } from '../test/support/db';
import { round } from './load';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Copies a table's rows in a time window out with COPY TO (text format). */
export async function copyOut(c: Client, sql: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = c.query(copyTo(`COPY (${sql}) TO STDOUT`));
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Streams a buffer into COPY FROM STDIN; returns the elapsed ms. */
export async function copyIn(c: Client, sql: string, data: Buffer): Promise<number> {
  const t0 = performance.now();
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += 1 << 20) parts.push(data.subarray(i, i + (1 << 20)));
  await pipeline(Readable.from(parts), c.query(copyFrom(sql)));
  return performance.now() - t0;
}

/** A batch moved `dt` ms later (arrays' values shared, not copied). */
function shifted(b: SampleBatch, dt: number): SampleBatch {
  return {
    samples: b.samples.map((x) => ({ ...x, time: x.time + dt })),
    arrays: b.arrays.map((x) => ({ ...x, time: x.time + dt })),
    attributes: b.attributes.map((x) => ({ ...x, time: x.time + dt })),
    polls: b.polls.map((x) => ({ ...x, time: x.time + dt })),
  };
}

const batchPoints = (b: SampleBatch) =>
  b.samples.length + b.attributes.length + b.arrays.reduce((n, a) => n + a.values.length, 0);

/**
 * Store-pipeline capacity on the large site's real poll output: one poll of every job (in-process
 * simulator and poller, real Modbus TCP) is captured, then `cycles` copies of it (timestamps moved by
 * 1 s each) go through the collector's ingest (memory buffer → batched writer → PostgreSQL, latest
 * values, poll_log and data quality included) as fast as it takes them; then the same rows through a
 * raw `COPY FROM STDIN` into a fresh schema on the same server.
 */
export async function pipelineCapacity(
  sites: SiteConfig[],
  maps: Map<string, RegisterMap>,
  cycles: number,
  ingestOptions: { maxBatchPoints?: number } = {}
): Promise<Record<string, number>> {
  const captured = new Map<string, SampleBatch>();
  const sim = await startSimulator({ sites, maps });
  const poller = createPoller({
    sites,
    maps,
    timeoutMs: 5000,
    sink: {
      push: (b) => {
        const p = b.polls[0];
        if (p?.ok) captured.set(`${p.device}|${p.map}|${p.group}`, b);
      },
    },
  });
  // every job polled at least every 5 s (nameplate groups poll once a minute: not waited for)
  const wanted = poller
    .stats()
    .jobs.filter((j) => j.intervalMs <= 5000)
    .map((j) => `${j.device}|${j.map}|${j.group}`);
  poller.start();
  const until = Date.now() + 60_000;
  while (wanted.some((k) => !captured.has(k)) && Date.now() < until) await sleep(200);
  await poller.stop();
  await sim.stop();
  const cycle = [...captured.values()];
  const perCycle = cycle.reduce((n, b) => n + batchPoints(b), 0);

  const db = await createTestDatabase('openbess_bench_pipe');
  const copyDb = await createTestDatabase('openbess_bench_copy');
  const dir = mkdtempSync(join(tmpdir(), 'openbess-bench-spool-'));
  try {
    const pool = createPool(db.url, { max: 4 });
    await migrate(pool);
    const registry = await registerSites(pool, sites, maps);
    const ingest = createIngest({ pool, registry, spoolDir: dir, logger: pino({ level: 'warn' }), ...ingestOptions });
    const t0 = performance.now();
    let pushed = 0;
    for (let k = 1; k <= cycles; k++) {
      // back-pressure like a collector that keeps up: never more than ~2 cycles waiting
      while (ingest.stats().pointsInMemory > 2 * perCycle) await sleep(5);
      for (const b of cycle) {
        const s = shifted(b, k * 1000);
        pushed += batchPoints(s);
        ingest.push(s);
      }
    }
    await ingest.drain(600_000);
    const ms = performance.now() - t0;
    const st = ingest.stats();
    await ingest.close();
    await pool.end();

    const c = new Client({ connectionString: db.url });
    await c.connect();
    const scalarsOut = await copyOut(c, 'SELECT time, series_id, value FROM telemetry');
    const arraysOut = await copyOut(c, 'SELECT time, series_id, value FROM telemetry_array');
    const n = (
      await c.query<{ rows: string; arows: string; elems: string }>(
        `SELECT (SELECT count(*) FROM telemetry) AS rows, (SELECT count(*) FROM telemetry_array) AS arows,
                (SELECT coalesce(sum(cardinality(value)), 0) FROM telemetry_array) AS elems`
      )
    ).rows[0];
    await c.end();
    const cpool = createPool(copyDb.url, { max: 2 });
    await migrate(cpool);
    await cpool.end();
    const cc = new Client({ connectionString: copyDb.url });
    await cc.connect();
    const copyMs =
      (await copyIn(cc, 'COPY telemetry (time, series_id, value) FROM STDIN', scalarsOut)) +
      (await copyIn(cc, 'COPY telemetry_array (time, series_id, value) FROM STDIN', arraysOut));
    await cc.end();
    const stored = Number(n.rows) + Number(n.elems);
    return {
      jobs: cycle.length,
      pointsPerCycle: perCycle,
      cycles,
      pointsPushed: pushed,
      pointsWritten: st.pointsWritten,
      scalarRows: Number(n.rows),
      arrayRows: Number(n.arows),
      arrayElements: Number(n.elems),
      seconds: round(ms / 1000),
      pipelinePointsPerSecond: Math.round(st.pointsWritten / (ms / 1000)),
      rawCopyPointsPerSecond: Math.round(stored / (copyMs / 1000)),
      rawCopySeconds: round(copyMs / 1000),
    };
  } finally {
    await db.drop().catch(() => undefined);
    await copyDb.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
