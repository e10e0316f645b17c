import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { SampleBatch } from '../types';
import { realArrayLiteral, stripNul, TimeText } from './copy-text';
import { copyArrays, copyPolls, copyScalars, finiteOrNull, intOrNull, pollFromRow, upsertQuality } from './copy-rows';
import { LatestFlusher } from './latest-flush';
import type { LatestValues } from './latest-values';
import { isPglite } from './migrate';
import { RollupMarker } from './rollup';
import { RollupDeltas } from './rollup-delta';
import { isTransientDbError } from './pool';
import type { SeriesRegistry } from './registry';
import {
  groupByDevice,
  missingSeries,
  newestAttributes,
  qualityDeltas,
  resolveRows,
  type QualityDelta,
  type ResolvedRows,
} from './rows';

/**
 * How rows reach the tables:
 * - `copy`: `COPY … FROM STDIN` (text) straight into the tables; when that fails with unique_violation
 *   (23505: a replayed batch) the same batch is redone through temp staging tables +
 *   `INSERT … SELECT … ON CONFLICT DO NOTHING` (path `staging`).
 * - `insert`: `INSERT … SELECT … FROM unnest($arrays) ON CONFLICT DO NOTHING` — PGlite, whose socket
 *   server cannot carry COPY FROM STDIN.
 */
export type WriteMethod = 'copy' | 'insert';

/** What one {@link StoreWriter.write} stored. */
export interface WriteResult {
  path: 'copy' | 'staging' | 'insert';
  /** Scalar rows sent (in the staging/insert paths rows already stored are skipped by the database). */
  scalarRows: number;
  arrayRows: number;
  /** Scalar values + array elements written. */
  points: number;
  attributes: number;
  polls: number;
  /** Samples dropped as unstorable (see resolveRows). */
  rejected: number;
  /** Wall time of the write, ms. */
  ms: number;
}

/** Options of {@link createWriter}. */
export interface StoreWriterOptions {
  /** `auto` (default) picks `insert` on PGlite and `copy` elsewhere. */
  method?: 'auto' | WriteMethod;
  logger?: Logger;
  /** Rows per statement on the insert path (default 20 000). */
  insertChunkRows?: number;
  /**
   * In-memory latest values (./latest-values.ts) given the scalar rows of every committed write, so
   * the API of the same process answers latest reads from memory.
   */
  latest?: LatestValues;
  /**
   * The `latest`/`latest_array` tables are brought up to date at most this often, ms (default 1000): the
   * newest committed row per series waits in memory and one upsert per interval covers every write
   * in it. 0 = after every write.
   */
  latestFlushMs?: number;
}

/** Options of one write. */
export interface WriteOptions {
  /**
   * Skip the plain-COPY attempt and go straight to the idempotent path (rows that exist are skipped):
   * for data known to be a replay, such as a backfill re-run.
   */
  idempotent?: boolean;
  /**
   * Pipelined writes (the ingest catching up): COMMIT only once this has resolved; when it rejects,
   * the write rolls back and throws {@link PredecessorFailedError}. The bulk rows (telemetry, arrays,
   * poll_log) are sent meanwhile; nothing that takes row locks another write may need (data quality,
   * attributes, rollup marks) runs before it resolves, so the predecessor never waits for this write.
   */
  after?: Promise<unknown>;
  /** Called once the telemetry and array rows are sent (plain COPY path): the next write may start. */
  onBulkSent?: () => void;
}

/** The write given as {@link WriteOptions.after} failed: this one rolled back, to keep the commit order. */
export class PredecessorFailedError extends Error {
  constructor() {
    super('the preceding write failed: rolled back to keep the commit order');
    this.name = 'PredecessorFailedError';
  }
}

/** Waits for a predecessor write ({@link WriteOptions.after}). @throws PredecessorFailedError */
async function predecessor(after: Promise<unknown> | undefined): Promise<void> {
  if (!after) return;
  try {
    await after;
  } catch {
    throw new PredecessorFailedError();
  }
}

const UNIQUE_VIOLATION = '23505';

/**
 * Whether a failed transaction may still have committed: the server answered with an error (a
 * SQLSTATE that is not a connection failure) only when it rolled the transaction back.
 */
function maybeCommitted(e: unknown): boolean {
  return !(e instanceof PredecessorFailedError) && sessionLost(e);
}

/** The error is not the server's answer to a statement (no SQLSTATE, or a connection failure). */
function sessionLost(e: unknown): boolean {
  const code = String((e as { code?: string }).code ?? '');
  return !/^[0-9A-Z]{5}$/.test(code) || isTransientDbError(e);
}

/** Writes sample batches into the store, one transaction per call. */
export class StoreWriter {
  private resolvedMethod: WriteMethod | null;
  private readonly staged = new WeakSet<PoolClient>();
  private readonly guarded = new WeakSet<PoolClient>();
  private readonly chunkRows: number;
  /** Marks the 5-minute rollup buckets each transaction wrote into (./rollup.ts). */
  private readonly rollups = new RollupMarker();
  /**
   * The 5-minute aggregates of the rows this writer committed through plain COPY, until a refresh
   * in this process merges them (pass it to refreshRollups / startRollupRefresher as `deltas`).
   */
  readonly rollupDeltas = new RollupDeltas();
  /** The newest committed row per series on its way to the latest tables (./latest-flush.ts). */
  private readonly latestTables: LatestFlusher;

  constructor(
    private readonly pool: Pool,
    readonly registry: SeriesRegistry,
    private readonly opts: StoreWriterOptions = {}
  ) {
    this.resolvedMethod = opts.method && opts.method !== 'auto' ? opts.method : null;
    this.chunkRows = opts.insertChunkRows ?? 20_000;
    this.latestTables = new LatestFlusher(
      pool,
      (body) => this.withClient((client) => this.transaction(client, () => body(client))),
      Math.max(0, opts.latestFlushMs ?? 1000),
      opts.logger
    );
  }

  /** The method in use (asks the server once when `auto`). */
  async method(): Promise<WriteMethod> {
    if (this.resolvedMethod === null) this.resolvedMethod = (await isPglite(this.pool)) ? 'insert' : 'copy';
    return this.resolvedMethod;
  }

  /**
   * Stores batches in one transaction: either all of it is committed or nothing is. Telemetry and
   * array rows, attributes (newest wins), poll_log rows, device_quality counters (counted only for
   * poll records actually inserted, so a replay does not double-count) and the rollup marks
   * (./rollup.ts). After the commit, the newest row per series goes to the latest-values tables
   * within `latestFlushMs` ({@link flushLatest}, ./latest-flush.ts).
   *
   * Idempotent: replaying a committed batch stores nothing twice. Series the registry does not know
   * are created first.
   *
   * @throws the database/connection error when the transaction failed (nothing was stored)
   */
  async write(batches: SampleBatch | SampleBatch[], wopts: WriteOptions = {}): Promise<WriteResult> {
    const t0 = performance.now();
    const list = groupByDevice(Array.isArray(batches) ? batches : [batches]);
    // one pass when every series is known (the usual case); series nobody registered are created first
    let rows = resolveRows(list, this.registry);
    if (rows.unknown > 0) {
      const missing = missingSeries(list, this.registry);
      if (missing.length > 0) {
        await this.registry.ensure(this.pool, missing);
        rows = resolveRows(list, this.registry);
      }
    }
    if (rows.rejected > 0)
      this.opts.logger?.warn({ rejected: rows.rejected, examples: rows.rejectReasons }, 'samples rejected');
    const method = await this.method();
    // the insert path (PGlite) is not pipelined: it starts once its predecessor is done
    if (method === 'insert') await predecessor(wopts.after);
    const path = await this.withClient(async (client) => {
      if (method === 'insert') {
        await this.transaction(client, () => this.insertPath(client, rows));
        return 'insert' as const;
      }
      if (!wopts.idempotent) {
        const seq = this.rollupDeltas.begin(rows.scalars);
        try {
          await this.transaction(client, () => this.copyPath(client, rows, seq, wopts));
          this.rollupDeltas.committed(seq);
          return 'copy' as const;
        } catch (e) {
          this.rollupDeltas.failed(seq, maybeCommitted(e));
          if ((e as { code?: string }).code !== UNIQUE_VIOLATION) throw e;
          this.opts.logger?.info('batch overlaps stored rows (replay): redoing it through staging tables');
        }
      }
      await predecessor(wopts.after);
      await this.stagingPath(client, rows);
      return 'staging' as const;
    });
    // committed: newest wins in memory now, in the latest tables at the next flush — on a connection
    // of its own, alongside the next write
    this.opts.latest?.apply(rows.scalars);
    this.latestTables.note(rows);
    void this.latestTables.maybeFlush();
    return {
      path,
      scalarRows: rows.scalars.series.length,
      arrayRows: rows.arrays.series.length,
      points: rows.points,
      attributes: rows.attributes.length,
      polls: rows.polls.length,
      rejected: rows.rejected,
      ms: performance.now() - t0,
    };
  }

  /**
   * Runs `body` on a pooled connection and releases it — destroyed unless the error was an ordinary
   * SQL error on a healthy session.
   */
  private async withClient<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out pg client has no 'error' listener (pg-pool removes its idle listener), and pg
    // emits 'error' on the client when the socket dies mid-query (server shutdown): without this
    // listener that is an uncaught exception that kills the process.
    const onSocketError = (e: Error) => {
      broken = e;
    };
    client.on('error', onSocketError);
    if (!this.guarded.has(client)) {
      // late socket errors after release (the pool's idle listener covers idle time only once the
      // client is back in the pool) must not become uncaught exceptions either
      client.on('error', () => undefined);
      this.guarded.add(client);
    }
    try {
      return await body(client);
    } catch (e) {
      if (sessionLost(e)) broken ??= e as Error;
      throw e;
    } finally {
      client.removeListener('error', onSocketError);
      client.release(broken);
    }
  }

  private async transaction(client: PoolClient, body: () => Promise<void>): Promise<void> {
    await client.query('BEGIN');
    try {
      await body();
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /**
   * Fast path: plain COPY into the tables. Every row is new when it commits, so the marks carry the
   * writer's id and transaction `seq` (its rows' aggregates are merged by the refresh, ./rollup-delta.ts).
   */
  private async copyPath(client: PoolClient, rows: ResolvedRows, seq: number, wopts: WriteOptions): Promise<void> {
    await copyScalars(client, 'telemetry', rows);
    await copyArrays(client, 'telemetry_array', rows);
    wopts.onBulkSent?.();
    await copyPolls(client, 'poll_log', rows);
    await predecessor(wopts.after);
    await upsertQuality(client, qualityDeltas(rows.polls));
    await this.upsertAttributes(client, rows);
    const marked = await this.rollups.mark(client, rows.scalars, { writer: this.rollupDeltas.writer, seq });
    if (marked === 0) this.rollupDeltas.forget(seq);
  }

  /** Replay path: COPY into session temp tables, then INSERT … ON CONFLICT DO NOTHING. */
  private async stagingPath(client: PoolClient, rows: ResolvedRows): Promise<void> {
    if (!this.staged.has(client)) {
      // Created outside the transaction so a rollback does not drop them; emptied at every commit.
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS stage_telemetry
        (time timestamptz, series_id int, value double precision) ON COMMIT DELETE ROWS`);
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS stage_telemetry_array
        (time timestamptz, series_id int, value real[]) ON COMMIT DELETE ROWS`);
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS stage_poll_log (LIKE poll_log) ON COMMIT DELETE ROWS`);
      this.staged.add(client);
    }
    await this.transaction(client, async () => {
      if (rows.scalars.series.length > 0) {
        await copyScalars(client, 'stage_telemetry', rows);
        await client.query(
          `INSERT INTO telemetry (time, series_id, value) SELECT time, series_id, value FROM stage_telemetry
           ON CONFLICT DO NOTHING`
        );
      }
      if (rows.arrays.series.length > 0) {
        await copyArrays(client, 'stage_telemetry_array', rows);
        await client.query(
          `INSERT INTO telemetry_array (time, series_id, value) SELECT time, series_id, value FROM stage_telemetry_array
           ON CONFLICT DO NOTHING`
        );
      }
      let inserted: QualityDelta[] = [];
      if (rows.polls.length > 0) {
        await copyPolls(client, 'stage_poll_log', rows);
        const r = await client.query(
          `INSERT INTO poll_log SELECT * FROM stage_poll_log ON CONFLICT DO NOTHING
           RETURNING time, site, device, map, unit_id, poll_group, ok, latency_ms, error`
        );
        inserted = qualityDeltas(r.rows.map(pollFromRow));
      }
      await upsertQuality(client, inserted);
      await this.upsertAttributes(client, rows);
      await this.rollups.mark(client, rows.scalars);
    });
  }

  /** PGlite path: INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING, in chunks. */
  private async insertPath(client: PoolClient, rows: ResolvedRows): Promise<void> {
    const tt = new TimeText();
    const { scalars, arrays } = rows;
    for (let i = 0; i < scalars.series.length; i += this.chunkRows) {
      const end = Math.min(i + this.chunkRows, scalars.series.length);
      await client.query(
        `INSERT INTO telemetry (time, series_id, value)
         SELECT * FROM unnest($1::timestamptz[], $2::int[], $3::float8[]) ON CONFLICT DO NOTHING`,
        [scalars.time.slice(i, end).map((t) => tt.of(t)), scalars.series.slice(i, end), scalars.value.slice(i, end)]
      );
    }
    const arrayChunk = Math.max(1, Math.floor(this.chunkRows / 50));
    for (let i = 0; i < arrays.series.length; i += arrayChunk) {
      const end = Math.min(i + arrayChunk, arrays.series.length);
      await client.query(
        `INSERT INTO telemetry_array (time, series_id, value)
         SELECT t, s, v::real[] FROM unnest($1::timestamptz[], $2::int[], $3::text[]) AS u(t, s, v)
         ON CONFLICT DO NOTHING`,
        [
          arrays.time.slice(i, end).map((t) => tt.of(t)),
          arrays.series.slice(i, end),
          arrays.values.slice(i, end).map(realArrayLiteral),
        ]
      );
    }
    let inserted: QualityDelta[] = [];
    if (rows.polls.length > 0) {
      const p = rows.polls;
      const r = await client.query(
        `INSERT INTO poll_log (time, site, device, map, unit_id, poll_group, ok, latency_ms, requests, points, error)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],
                              $7::bool[], $8::real[], $9::int[], $10::int[], $11::text[])
         ON CONFLICT DO NOTHING
         RETURNING time, site, device, map, unit_id, poll_group, ok, latency_ms, error`,
        [
          p.map((x) => tt.of(x.time)),
          p.map((x) => x.site),
          p.map((x) => x.device),
          p.map((x) => x.map),
          p.map((x) => x.unitId),
          p.map((x) => x.group),
          p.map((x) => x.ok),
          p.map((x) => finiteOrNull(x.latencyMs)),
          p.map((x) => intOrNull(x.requests)),
          p.map((x) => intOrNull(x.points)),
          p.map((x) => (x.error === undefined ? null : stripNul(x.error))),
        ]
      );
      inserted = qualityDeltas(r.rows.map(pollFromRow));
    }
    await upsertQuality(client, inserted);
    await this.upsertAttributes(client, rows);
    await this.rollups.mark(client, rows.scalars);
  }

  /** Attributes, newest wins (idempotent upsert shared by all paths). */
  private async upsertAttributes(client: PoolClient, rows: ResolvedRows): Promise<void> {
    const tt = new TimeText();
    const attrs = newestAttributes(rows.attributes);
    if (attrs.length > 0) {
      await client.query(
        `INSERT INTO attribute (device, name, value, time)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
         ON CONFLICT (device, name) DO UPDATE SET value = EXCLUDED.value, time = EXCLUDED.time
         WHERE attribute.time <= EXCLUDED.time`,
        [
          attrs.map((a) => a.device),
          attrs.map((a) => a.name),
          attrs.map((a) => (a.value === null ? null : stripNul(a.value))),
          attrs.map((a) => tt.of(a.time)),
        ]
      );
    }
  }

  /**
   * Brings the latest tables up to everything committed before the call (see
   * {@link LatestFlusher.flush}); concurrent callers share one flush. Writes start a flush without
   * waiting for it.
   * @throws the database error (the rows stay pending for the next flush)
   */
  flushLatest(): Promise<void> {
    return this.latestTables.flush();
  }

  /** Flushes what is pending now; stops the flush timer. */
  close(): Promise<void> {
    return this.latestTables.close();
  }
}

/** Creates a {@link StoreWriter}. */
export function createWriter(pool: Pool, registry: SeriesRegistry, opts: StoreWriterOptions = {}): StoreWriter {
  return new StoreWriter(pool, registry, opts);
}
