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
import { createIngest, INGEST_DEFAULTS } from '../src/ingest/pipeline';
import { createPoller } from '../src/poller';
import { startSimulator } from '../src/simulator';
import { migrate } from '../src/store/migrate';
import { createPool } from '../src/store/pool';
import { registerSites } from '../src/store/registry';
import { createWriter } from '../src/store/writer';
import { refreshRollups } from '../src/store/rollup';
import { bucketStart } from '../src/store/rollup-rows';
import { ROLLUP_LEVELS } from '../src/store/rollup-schema';
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

/** Runs CHECKPOINT on the server (the bench connects as a superuser or pg_checkpoint member). */
async function checkpoint(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

/** A batch moved `dt` ms later (arrays' values shared, not copied). */
function shifted(b: SampleBatch, dt: number): SampleBatch {
  // sample objects built field by field (an object spread per sample costs the feed ~2× more)
  return {
    samples: b.samples.map((x) => ({ device: x.device, metric: x.metric, time: x.time + dt, value: x.value })),
    arrays: b.arrays.map((x) => ({ device: x.device, metric: x.metric, time: x.time + dt, values: x.values })),
    attributes: b.attributes.map((x) => ({ ...x, time: x.time + dt })),
    polls: b.polls.map((x) => ({ ...x, time: x.time + dt })),
  };
}

const batchPoints = (b: SampleBatch) =>
  b.samples.length + b.attributes.length + b.arrays.reduce((n, a) => n + a.values.length, 0);

/**
 * Store-pipeline capacity on the large site's real poll output: one poll of every job (in-process
 * simulator and poller, real Modbus TCP) is captured, then `cycles` copies of it (timestamps moved by
 * 1 s each, from a 5-minute bucket start) go through the collector's ingest (memory buffer → batched
 * writer → PostgreSQL; poll_log, data quality and rollup marks included) as fast as it takes them,
 * pushed whenever a cycle fits under the ingest's memory limit, with no flush timer (`flushIntervalMs`
 * 0: a capacity figure, not a latency one). The clock stops when everything is committed, the latest
 * tables are flushed and the rollups are refreshed (all derived work is counted) — by merging the
 * writer's in-memory aggregates, as the collector's refresher does.
 * Then the same rows go through a raw `COPY FROM STDIN` into a fresh schema on the same server. Both
 * phases start after a CHECKPOINT.
 */
export async function pipelineCapacity(
  sites: SiteConfig[],
  maps: Map<string, RegisterMap>,
  cycles: number,
  rounds = 3,
  ingestOptions: { maxBatchPoints?: number; maxMemoryPoints?: number } = {}
) {
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
  // copies start at a 5-minute bucket start: the refresh counted below then materializes the buckets
  // as it does in production (each bucket once), not one bucket twice because the copies straddle it
  const first = Math.min(...[...captured.values()].flatMap((b) => b.samples.map((x) => x.time)));
  const align = bucketStart(first, ROLLUP_LEVELS[0].bucketMs) + ROLLUP_LEVELS[0].bucketMs - first;
  const cycle = [...captured.values()].map((b) => shifted(b, align));
  const perCycle = cycle.reduce((n, b) => n + batchPoints(b), 0);

  const runs: PipelineRun[] = [];
  let copied: { scalars: Buffer; arrays: Buffer; rows: number; arrayRows: number; elements: number } | null = null;
  for (let round = 0; round < rounds; round++) {
    const run = await pipelineRun(sites, maps, cycle, perCycle, cycles, ingestOptions, copied === null);
    copied ??= run.copied;
    runs.push(run);
    runs[round].copyMs = await rawCopy(copied.scalars, copied.arrays, runs[round]);
  }
  const c = copied!;
  const stored = c.rows + c.elements;
  const per = runs.map((r) => ({
    seconds: round(r.ms / 1000),
    ingestSeconds: round(r.drainedMs / 1000),
    rollupRefreshSeconds: round((r.ms - r.drainedMs) / 1000),
    pipelinePointsPerSecond: Math.round(r.pointsWritten / (r.ms / 1000)),
    rawCopySeconds: round(r.copyMs / 1000),
    rawCopyScalarSeconds: round(r.copyScalarMs / 1000),
    rawCopyArraySeconds: round(r.copyMs / 1000 - r.copyScalarMs / 1000),
    rawCopyPointsPerSecond: Math.round(stored / (r.copyMs / 1000)),
    ratio: round((r.pointsWritten / r.ms / (stored / r.copyMs)) * 100) / 100,
  }));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    jobs: cycle.length,
    pointsPerCycle: perCycle,
    cycles,
    rounds,
    pointsWritten: runs[0].pointsWritten,
    scalarRows: c.rows,
    arrayRows: c.arrayRows,
    arrayElements: c.elements,
    rollupRawRows: runs[0].refreshRawRows,
    rollupBuckets: runs[0].refreshBuckets,
    rollupBucketsMerged: runs[0].refreshMerged,
    pipelinePointsPerSecond: median(per.map((x) => x.pipelinePointsPerSecond)),
    rawCopyPointsPerSecond: median(per.map((x) => x.rawCopyPointsPerSecond)),
    ratio: median(per.map((x) => x.ratio)),
    runs: per,
  };
}

/** One pipeline run of {@link pipelineCapacity} (times in ms). */
interface PipelineRun {
  ms: number;
  drainedMs: number;
  pointsWritten: number;
  refreshRawRows: number;
  refreshBuckets: number;
  refreshMerged: number;
  copyMs: number;
  copyScalarMs: number;
  /** The stored rows as COPY text, for the raw COPY (empty buffers when not asked for). */
  copied: { scalars: Buffer; arrays: Buffer; rows: number; arrayRows: number; elements: number };
}

/** Pushes `cycles` copies of `cycle` through a fresh ingest into a fresh database (see pipelineCapacity). */
async function pipelineRun(
  sites: SiteConfig[],
  maps: Map<string, RegisterMap>,
  cycle: SampleBatch[],
  perCycle: number,
  cycles: number,
  ingestOptions: { maxBatchPoints?: number; maxMemoryPoints?: number },
  copyOutRows: boolean
): Promise<PipelineRun> {
  const db = await createTestDatabase('openbess_bench_pipe');
  const dir = mkdtempSync(join(tmpdir(), 'openbess-bench-spool-'));
  try {
    const pool = createPool(db.url, { max: 4 });
    await migrate(pool);
    const registry = await registerSites(pool, sites, maps);
    const memoryLimit = ingestOptions.maxMemoryPoints ?? INGEST_DEFAULTS.maxMemoryPoints;
    let wake: (() => void) | null = null;
    const logger = pino({ level: 'warn' });
    // as in the collector's plant: the refresh merges the writer's in-memory aggregates
    const writer = createWriter(pool, registry, { logger });
    const ingest = createIngest({
      pool,
      registry,
      writer,
      spoolDir: dir,
      logger,
      flushIntervalMs: 0,
      ...ingestOptions,
      onWritten: () => wake?.(),
    });
    // both phases start after a checkpoint: neither pays for the other's dirty pages or full-page writes
    await checkpoint(db.url);
    const t0 = performance.now();
    for (let k = 1; k <= cycles; k++) {
      // back-pressure: a cycle is pushed when it fits under the ingest's memory limit (beyond it
      // batches go to the disk spool, which is the outage path, not this one)
      while (ingest.stats().pointsInMemory + perCycle > memoryLimit) {
        await new Promise<void>((r) => (wake = r));
        // onWritten runs before the ingest drops the written batches from memory
        await new Promise((r) => setImmediate(r));
      }
      for (const b of cycle) ingest.push(shifted(b, (k - 1) * 1000));
    }
    // drained = committed and the latest tables flushed
    await ingest.drain(600_000);
    const drainedMs = performance.now() - t0;
    // the rollups materialized too (every bucket, the open one included): all derived work is counted
    const refresh = await refreshRollups(pool, { deltas: writer.rollupDeltas });
    const ms = performance.now() - t0;
    const st = ingest.stats();
    await ingest.close();
    await pool.end();

    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      // the rows are the same every round: copied out once
      const scalars = copyOutRows ? await copyOut(c, 'SELECT time, series_id, value FROM telemetry') : Buffer.alloc(0);
      const arrays = copyOutRows
        ? await copyOut(c, 'SELECT time, series_id, value FROM telemetry_array')
        : Buffer.alloc(0);
      const n = (
        await c.query<{ rows: string; arows: string; elems: string }>(
          `SELECT (SELECT count(*) FROM telemetry) AS rows, (SELECT count(*) FROM telemetry_array) AS arows,
                  (SELECT coalesce(sum(cardinality(value)), 0) FROM telemetry_array) AS elems`
        )
      ).rows[0];
      const copied = {
        scalars,
        arrays,
        rows: Number(n.rows),
        arrayRows: Number(n.arows),
        elements: Number(n.elems),
      };
      return {
        ms,
        drainedMs,
        pointsWritten: st.pointsWritten,
        refreshRawRows: refresh.rawRows,
        refreshBuckets: refresh.buckets,
        refreshMerged: refresh.merged,
        copyMs: 0,
        copyScalarMs: 0,
        copied,
      };
    } finally {
      await c.end();
    }
  } finally {
    await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Raw COPY of the stored rows into a fresh schema; sets `run.copyScalarMs`, returns all ms. */
async function rawCopy(scalars: Buffer, arrays: Buffer, run: PipelineRun): Promise<number> {
  const copyDb = await createTestDatabase('openbess_bench_copy');
  try {
    const cpool = createPool(copyDb.url, { max: 2 });
    await migrate(cpool);
    await cpool.end();
    await checkpoint(copyDb.url);
    const cc = new Client({ connectionString: copyDb.url });
    await cc.connect();
    try {
      run.copyScalarMs = await copyIn(cc, 'COPY telemetry (time, series_id, value) FROM STDIN', scalars);
      return run.copyScalarMs + (await copyIn(cc, 'COPY telemetry_array (time, series_id, value) FROM STDIN', arrays));
    } finally {
      await cc.end();
    }
  } finally {
    await copyDb.drop().catch(() => undefined);
  }
}
