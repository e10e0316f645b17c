import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { SampleBatch } from '../types';
import { realArrayLiteral, TimeText } from './copy-text';
import {
  copyArrays,
  copyPolls,
  copyScalars,
  finiteOrNull,
  intOrNull,
  pollFromRow,
  stripNul,
  upsertQuality,
} from './copy-rows';
import type { LatestValues } from './latest-values';
import { isPglite } from './migrate';
import { INSERTED_SCALARS_RETURNING, insertedScalars, RollupMaintainer } from './rollup';
import { isTransientDbError } from './pool';
import type { SeriesRegistry } from './registry';
import {
  missingSeries,
  newestAttributes,
  newestPerSeries,
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
}

/** Options of one write. */
export interface WriteOptions {
  /**
   * Skip the plain-COPY attempt and go straight to the idempotent path (rows that exist are skipped):
   * for data known to be a replay, such as a backfill re-run.
   */
  idempotent?: boolean;
}

const UNIQUE_VIOLATION = '23505';

/** Writes sample batches into the store, one transaction per call. */
export class StoreWriter {
  private resolvedMethod: WriteMethod | null;
  private readonly staged = new WeakSet<PoolClient>();
  private readonly guarded = new WeakSet<PoolClient>();
  private readonly chunkRows: number;
  /** Merges the telemetry rows each transaction inserted into the rollup tables (./rollup.ts). */
  private readonly rollups = new RollupMaintainer();

  constructor(
    private readonly pool: Pool,
    readonly registry: SeriesRegistry,
    private readonly opts: StoreWriterOptions = {}
  ) {
    this.resolvedMethod = opts.method && opts.method !== 'auto' ? opts.method : null;
    this.chunkRows = opts.insertChunkRows ?? 20_000;
  }

  /** The method in use (asks the server once when `auto`). */
  async method(): Promise<WriteMethod> {
    if (this.resolvedMethod === null) this.resolvedMethod = (await isPglite(this.pool)) ? 'insert' : 'copy';
    return this.resolvedMethod;
  }

  /**
   * Stores batches in one transaction: either all of it is committed or nothing is. Telemetry and
   * array rows, attributes (newest wins), poll_log rows, device_quality counters (counted only for
   * poll records actually inserted, so a replay does not double-count) and the latest-values tables
   * (`… ON CONFLICT (series_id) DO UPDATE … WHERE latest.time < EXCLUDED.time`).
   *
   * Idempotent: replaying a committed batch stores nothing twice. Series the registry does not know
   * are created first.
   *
   * @throws the database/connection error when the transaction failed (nothing was stored)
   */
  async write(batches: SampleBatch | SampleBatch[], wopts: WriteOptions = {}): Promise<WriteResult> {
    const t0 = performance.now();
    const list = Array.isArray(batches) ? batches : [batches];
    const missing = missingSeries(list, this.registry);
    if (missing.length > 0) await this.registry.ensure(this.pool, missing);
    const rows = resolveRows(list, this.registry, this.opts.logger);
    const method = await this.method();
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
    let path: WriteResult['path'] = 'copy';
    try {
      if (method === 'insert') {
        path = 'insert';
        await this.transaction(client, () => this.insertPath(client, rows));
      } else if (!wopts.idempotent) {
        try {
          path = 'copy';
          await this.transaction(client, () => this.copyPath(client, rows));
        } catch (e) {
          if ((e as { code?: string }).code !== UNIQUE_VIOLATION) throw e;
          this.opts.logger?.info('batch overlaps stored rows (replay): redoing it through staging tables');
          path = 'staging';
          await this.stagingPath(client, rows);
        }
      } else {
        path = 'staging';
        await this.stagingPath(client, rows);
      }
    } catch (e) {
      // destroy the connection unless the error was an ordinary SQL error on a healthy session
      const code = String((e as { code?: string }).code ?? '');
      if (!/^[0-9A-Z]{5}$/.test(code) || isTransientDbError(e)) broken ??= e as Error;
      throw e;
    } finally {
      client.removeListener('error', onSocketError);
      client.release(broken);
    }
    // committed: the latest table now holds these rows where newer (same rule in memory)
    this.opts.latest?.apply(rows.scalars);
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

  /** Fast path: plain COPY into the tables. */
  private async copyPath(client: PoolClient, rows: ResolvedRows): Promise<void> {
    await copyScalars(client, 'telemetry', rows);
    await this.rollups.merge(client, rows.scalars);
    await copyArrays(client, 'telemetry_array', rows);
    await copyPolls(client, 'poll_log', rows);
    await upsertQuality(client, qualityDeltas(rows.polls));
    await this.upsertCommon(client, rows);
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
        const newScalars = await client.query(
          `INSERT INTO telemetry (time, series_id, value) SELECT time, series_id, value FROM stage_telemetry
           ON CONFLICT DO NOTHING ${INSERTED_SCALARS_RETURNING}`
        );
        await this.rollups.merge(client, insertedScalars(newScalars.rows));
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
      await this.upsertCommon(client, rows);
    });
  }

  /** PGlite path: INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING, in chunks. */
  private async insertPath(client: PoolClient, rows: ResolvedRows): Promise<void> {
    const tt = new TimeText();
    const { scalars, arrays } = rows;
    const newScalars: { series_id: number; t: number; value: number | null }[] = [];
    for (let i = 0; i < scalars.series.length; i += this.chunkRows) {
      const end = Math.min(i + this.chunkRows, scalars.series.length);
      const r = await client.query(
        `INSERT INTO telemetry (time, series_id, value)
         SELECT * FROM unnest($1::timestamptz[], $2::int[], $3::float8[]) ON CONFLICT DO NOTHING
         ${INSERTED_SCALARS_RETURNING}`,
        [scalars.time.slice(i, end).map((t) => tt.of(t)), scalars.series.slice(i, end), scalars.value.slice(i, end)]
      );
      for (const row of r.rows) newScalars.push(row);
    }
    // after every telemetry chunk: rollup rows are locked last, in (series, bucket) order, as on the other paths
    await this.rollups.merge(client, insertedScalars(newScalars));
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
    await this.upsertCommon(client, rows);
  }

  /** Attributes and latest values (idempotent upserts shared by all paths). */
  private async upsertCommon(client: PoolClient, rows: ResolvedRows): Promise<void> {
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
    const s = rows.scalars;
    if (s.series.length > 0) {
      const idx = newestPerSeries(s.series, s.time);
      await client.query(
        `INSERT INTO latest (series_id, time, value)
         SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::float8[])
         ON CONFLICT (series_id) DO UPDATE SET time = EXCLUDED.time, value = EXCLUDED.value
         WHERE latest.time < EXCLUDED.time`,
        [idx.map((i) => s.series[i]), idx.map((i) => tt.of(s.time[i])), idx.map((i) => s.value[i])]
      );
    }
    const a = rows.arrays;
    if (a.series.length > 0) {
      // The newest array of each series is already in telemetry_array (this transaction wrote it, or
      // an earlier one did on a replay): copied from there by primary key instead of being encoded
      // and sent a second time.
      const idx = newestPerSeries(a.series, a.time);
      await client.query(
        `INSERT INTO latest_array (series_id, time, value)
         SELECT ta.series_id, ta.time, ta.value
           FROM unnest($1::int[], $2::timestamptz[]) AS u(s, t)
           JOIN telemetry_array ta ON ta.series_id = u.s AND ta.time = u.t
         ON CONFLICT (series_id) DO UPDATE SET time = EXCLUDED.time, value = EXCLUDED.value
         WHERE latest_array.time < EXCLUDED.time`,
        [idx.map((i) => a.series[i]), idx.map((i) => tt.of(a.time[i]))]
      );
    }
  }
}

/** Creates a {@link StoreWriter}. */
export function createWriter(pool: Pool, registry: SeriesRegistry, opts: StoreWriterOptions = {}): StoreWriter {
  return new StoreWriter(pool, registry, opts);
}
