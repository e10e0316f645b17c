import type { Pool, PoolClient } from 'pg';
import { ROLLUP_DIRTY_TABLE, ROLLUP_FEATURE, ROLLUP_LEVELS, ROLLUP_ORIGIN_MS, type RollupLevel } from './rollup-schema';
import type { ScalarRows } from './rows';

/**
 * Maintenance of the rollup tables (./rollup-schema.ts) from the write path.
 *
 * 5-minute level — incremental, in the writer's transaction. The writer hands over exactly the
 * telemetry rows its transaction inserted — every row of a plain COPY (which fails as a whole on any
 * duplicate), or the rows an `INSERT … ON CONFLICT DO NOTHING` RETURNed on the replay/PGlite paths —
 * so a sample is merged once however often its batch is replayed: a primary-key conflict on
 * `telemetry` means the sample was already counted. Rows are aggregated per (series, bucket) here,
 * then merged in one upsert: min/max keep the extreme and its earliest time, first/last the value at
 * the earliest/latest time, sum and count add up. Arrival order does not matter (out-of-order batches
 * merge to the same row). Rows go out sorted by (series, bucket) so concurrent writers lock in one order.
 *
 * 15 min, 1 h, 1 d — recomputed, not merged: the 5-minute buckets a write touched are marked in
 * `telemetry_rollup_dirty` (same transaction); {@link refreshRollups} recomputes the covering
 * 15-minute rows from the 5-minute level, then 1 h from 15 min, then 1 d from 1 h, and clears the
 * marks — idempotent by construction. The writer runs it every `refreshMs` (default 60 s) inside a
 * write, guarded by a try-lock so one process refreshes at a time; backfill runs it at its end.
 * Why: merging every level on every 1-s ingest batch of a large site (7.6 k series) cost ≈ 4 × the
 * telemetry write itself (measured here: PG CPU 400–480 ms vs 70–120 ms per batch, 4 × 7.6 k
 * upserts); with the cascade the per-batch cost is one 5-minute upsert (+40–70 %) and a refresh of the
 * whole site (≈ 3 × 7.6 k recomputed rows) once a minute. The coarse levels therefore lag by at
 * most `refreshMs` while ingest runs (the 5-minute level never lags); a 15-minute bucket is read
 * only for ranges of ≥ 10 days, where one minute is a fraction of a pixel column.
 */

/** Per (series, bucket) aggregates of one level, column-wise; times as ms after the bucket start. */
export interface RollupRows {
  series: number[];
  /** Bucket start, epoch ms. */
  bucket: number[];
  min: number[];
  minOffset: number[];
  max: number[];
  maxOffset: number[];
  first: number[];
  firstOffset: number[];
  last: number[];
  lastOffset: number[];
  sum: number[];
  count: number[];
}

/** Bucket start (epoch ms) of a time on the grid of `bucketMs` anchored at {@link ROLLUP_ORIGIN_MS} (= date_bin). */
export function bucketStart(timeMs: number, bucketMs: number): number {
  return ROLLUP_ORIGIN_MS + Math.floor((timeMs - ROLLUP_ORIGIN_MS) / bucketMs) * bucketMs;
}

/**
 * Aggregates scalar rows into one level's buckets (finite values only; NULL/NaN/±Infinity skipped).
 * Ties: among equal minima (maxima) the earliest sample. Output sorted by (series, bucket).
 */
export function aggregateRollup(rows: ScalarRows, bucketMs: number): RollupRows {
  const index = new Map<number, Map<number, number>>();
  const a: RollupRows = {
    series: [],
    bucket: [],
    min: [],
    minOffset: [],
    max: [],
    maxOffset: [],
    first: [],
    firstOffset: [],
    last: [],
    lastOffset: [],
    sum: [],
    count: [],
  };
  for (let i = 0; i < rows.series.length; i++) {
    const v = rows.value[i];
    if (v === null || !Number.isFinite(v)) continue;
    const s = rows.series[i];
    const t = rows.time[i];
    const b = bucketStart(t, bucketMs);
    const off = Math.floor(t - b); // whole ms: timestamptz keeps µs, the offset columns are int
    let perSeries = index.get(s);
    if (!perSeries) index.set(s, (perSeries = new Map()));
    const k = perSeries.get(b);
    if (k === undefined) {
      perSeries.set(b, a.series.length);
      a.series.push(s);
      a.bucket.push(b);
      a.min.push(v);
      a.minOffset.push(off);
      a.max.push(v);
      a.maxOffset.push(off);
      a.first.push(v);
      a.firstOffset.push(off);
      a.last.push(v);
      a.lastOffset.push(off);
      a.sum.push(v);
      a.count.push(1);
      continue;
    }
    if (v < a.min[k] || (v === a.min[k] && off < a.minOffset[k])) {
      a.min[k] = v;
      a.minOffset[k] = off;
    }
    if (v > a.max[k] || (v === a.max[k] && off < a.maxOffset[k])) {
      a.max[k] = v;
      a.maxOffset[k] = off;
    }
    if (off < a.firstOffset[k]) {
      a.first[k] = v;
      a.firstOffset[k] = off;
    }
    if (off > a.lastOffset[k]) {
      a.last[k] = v;
      a.lastOffset[k] = off;
    }
    a.sum[k] += v;
    a.count[k]++;
  }
  return sortRollup(a);
}

function sortRollup(a: RollupRows): RollupRows {
  const order = a.series.map((_, i) => i);
  order.sort((x, y) => a.series[x] - a.series[y] || a.bucket[x] - a.bucket[y]);
  const pick = (col: number[]) => order.map((i) => col[i]);
  return {
    series: pick(a.series),
    bucket: pick(a.bucket),
    min: pick(a.min),
    minOffset: pick(a.minOffset),
    max: pick(a.max),
    maxOffset: pick(a.maxOffset),
    first: pick(a.first),
    firstOffset: pick(a.firstOffset),
    last: pick(a.last),
    lastOffset: pick(a.lastOffset),
    sum: pick(a.sum),
    count: pick(a.count),
  };
}

/** The merge upsert of one level: `$1..$12` = the columns of {@link RollupRows}. */
export function mergeSql(level: RollupLevel): string {
  return `INSERT INTO ${level.table} AS r
      (series_id, bucket, min, min_offset_ms, max, max_offset_ms, first, first_offset_ms, last, last_offset_ms, sum, count)
    SELECT s, to_timestamp(b / 1000), mn, mno, mx, mxo, f, fo, l, lo, sm, n
      FROM unnest($1::int[], $2::float8[], $3::float8[], $4::int[], $5::float8[], $6::int[], $7::float8[], $8::int[],
                  $9::float8[], $10::int[], $11::float8[], $12::bigint[]) AS u(s, b, mn, mno, mx, mxo, f, fo, l, lo, sm, n)
    ON CONFLICT (series_id, bucket) DO UPDATE SET
      min = least(r.min, EXCLUDED.min),
      min_offset_ms = CASE WHEN EXCLUDED.min < r.min OR (EXCLUDED.min = r.min AND EXCLUDED.min_offset_ms < r.min_offset_ms)
                           THEN EXCLUDED.min_offset_ms ELSE r.min_offset_ms END,
      max = greatest(r.max, EXCLUDED.max),
      max_offset_ms = CASE WHEN EXCLUDED.max > r.max OR (EXCLUDED.max = r.max AND EXCLUDED.max_offset_ms < r.max_offset_ms)
                           THEN EXCLUDED.max_offset_ms ELSE r.max_offset_ms END,
      first = CASE WHEN EXCLUDED.first_offset_ms < r.first_offset_ms THEN EXCLUDED.first ELSE r.first END,
      first_offset_ms = least(r.first_offset_ms, EXCLUDED.first_offset_ms),
      last = CASE WHEN EXCLUDED.last_offset_ms > r.last_offset_ms THEN EXCLUDED.last ELSE r.last END,
      last_offset_ms = greatest(r.last_offset_ms, EXCLUDED.last_offset_ms),
      sum = r.sum + EXCLUDED.sum,
      count = r.count + EXCLUDED.count`;
}

/**
 * `RETURNING` list of an `INSERT INTO telemetry … ON CONFLICT DO NOTHING` whose inserted rows feed
 * {@link RollupMaintainer.merge} (read back with {@link insertedScalars}).
 */
export const INSERTED_SCALARS_RETURNING = `RETURNING series_id, round(date_part('epoch', time) * 1000)::float8 AS t, value`;

/** Column-wise scalar rows from the rows of {@link INSERTED_SCALARS_RETURNING}. */
export function insertedScalars(rows: { series_id: number; t: number; value: number | null }[]): ScalarRows {
  return { series: rows.map((r) => r.series_id), time: rows.map((r) => r.t), value: rows.map((r) => r.value) };
}

/**
 * A PostgreSQL array literal of finite numbers (`{1,2.5}`). Built with one join: node-postgres' own
 * array serialization quotes and escapes element by element, several times slower for 8 k-element
 * columns. `String(x)` of a finite double round-trips exactly through float8 input.
 */
export function arrayLiteral(values: number[]): string {
  return `{${values.join(',')}}`;
}

/** Arbitrary constant key of the advisory lock serializing refreshes. */
const REFRESH_LOCK_KEY = 424_242_003;

/** Recomputes one coarse level from its finer parent for the target buckets in `$1` (timestamptz[]). */
function recomputeSql(level: RollupLevel, parent: RollupLevel): string {
  const off = (col: string) => `(round(date_part('epoch', p.bucket - t.b) * 1000))::int + p.${col}`;
  return `INSERT INTO ${level.table} AS r
      (series_id, bucket, min, min_offset_ms, max, max_offset_ms, first, first_offset_ms, last, last_offset_ms, sum, count)
    SELECT p.series_id, t.b,
           (array_agg(p.min ORDER BY p.min, ${off('min_offset_ms')}))[1], (array_agg(${off('min_offset_ms')} ORDER BY p.min, ${off('min_offset_ms')}))[1],
           (array_agg(p.max ORDER BY p.max DESC, ${off('max_offset_ms')}))[1], (array_agg(${off('max_offset_ms')} ORDER BY p.max DESC, ${off('max_offset_ms')}))[1],
           (array_agg(p.first ORDER BY p.bucket))[1], min(${off('first_offset_ms')}),
           (array_agg(p.last ORDER BY p.bucket DESC))[1], max(${off('last_offset_ms')}),
           sum(p.sum), sum(p.count)
      FROM unnest($1::timestamptz[]) AS t(b)
      JOIN ${parent.table} p ON p.bucket >= t.b AND p.bucket < t.b + INTERVAL '${level.bucket}'
     GROUP BY p.series_id, t.b
     ORDER BY p.series_id, t.b
    ON CONFLICT (series_id, bucket) DO UPDATE SET
      min = EXCLUDED.min, min_offset_ms = EXCLUDED.min_offset_ms, max = EXCLUDED.max, max_offset_ms = EXCLUDED.max_offset_ms,
      first = EXCLUDED.first, first_offset_ms = EXCLUDED.first_offset_ms, last = EXCLUDED.last,
      last_offset_ms = EXCLUDED.last_offset_ms, sum = EXCLUDED.sum, count = EXCLUDED.count`;
}

/** Minimal query interface of a client (inside a transaction where noted). */
type Queryable = Pick<PoolClient, 'query'>;

/**
 * Recomputes the coarse levels for the dirty 5-minute buckets and clears their marks, inside the
 * caller's transaction. With `wait` false it returns -1 at once when another session is refreshing.
 * @returns dirty 5-minute buckets processed (-1 when skipped)
 */
async function refreshInTransaction(db: Queryable, wait: boolean): Promise<number> {
  if (wait) await db.query(`SELECT pg_advisory_xact_lock($1)`, [REFRESH_LOCK_KEY]);
  else {
    const lock = await db.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS ok`, [REFRESH_LOCK_KEY]);
    if (lock.rows[0]?.ok !== true) return -1;
  }
  const d = await db.query<{ b: Date }>(`DELETE FROM ${ROLLUP_DIRTY_TABLE} RETURNING bucket AS b`);
  if (d.rows.length === 0) return 0;
  let targets = d.rows.map((r) => r.b.getTime());
  for (let k = 1; k < ROLLUP_LEVELS.length; k++) {
    const level = ROLLUP_LEVELS[k];
    targets = [...new Set(targets.map((t) => bucketStart(t, level.bucketMs)))].sort((a, b) => a - b);
    await db.query(recomputeSql(level, ROLLUP_LEVELS[k - 1]), [targets.map((t) => new Date(t).toISOString())]);
  }
  return d.rows.length;
}

/**
 * Brings the 15-minute, 1-hour and 1-day rollups up to date with the 5-minute level now (after a
 * backfill, before comparing levels in tests). Waits for a refresh running elsewhere. No-op when no
 * bucket is dirty (or rollups are not installed).
 * @returns dirty 5-minute buckets processed
 * @throws the database error (nothing is changed then)
 */
export async function refreshRollups(pool: Pick<Pool, 'connect'>): Promise<number> {
  const client = await pool.connect();
  try {
    const has = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [ROLLUP_DIRTY_TABLE]);
    if (has.rows[0]?.t === null) return 0;
    await client.query('BEGIN');
    try {
      const n = await refreshInTransaction(client, true);
      await client.query('COMMIT');
      return n;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    client.release();
  }
}

/**
 * Merges inserted telemetry rows into the rollups when they are in use: feature `rollups` on
 * (migration 3) and no TimescaleDB continuous aggregates (which then serve the pyramid instead).
 * The flag is read at most once per `ttlMs` (default 60 s).
 */
export class RollupMaintainer {
  private state: { at: number; on: boolean } | null = null;
  private lastRefresh = Date.now();

  constructor(
    private readonly ttlMs = 60_000,
    /** Interval of the coarse-level refresh run from {@link merge}, ms. */
    private readonly refreshMs = 60_000
  ) {}

  /** Whether rollups are maintained (read through `db`, e.g. the transaction's client). */
  async enabled(db: Queryable): Promise<boolean> {
    const now = Date.now();
    if (this.state && now - this.state.at < this.ttlMs) return this.state.on;
    const r = await db.query<{ on: boolean }>(
      `SELECT store_feature($1) AND NOT store_feature('continuous_aggregates') AS on`,
      [ROLLUP_FEATURE]
    );
    this.state = { at: now, on: r.rows[0]?.on === true };
    return this.state.on;
  }

  /**
   * Merges rows the caller's transaction has just inserted into `telemetry` (and only those) into
   * the 5-minute level, marks their buckets dirty, and — every `refreshMs`, when no other session is
   * refreshing — recomputes the coarse levels (same transaction).
   * @returns 5-minute rollup rows upserted (0 when rollups are off)
   * @throws the database error (the caller's transaction then rolls back, telemetry included)
   */
  async merge(db: Queryable, rows: ScalarRows): Promise<number> {
    if (rows.series.length === 0 || !(await this.enabled(db))) return 0;
    const level = ROLLUP_LEVELS[0];
    const a = aggregateRollup(rows, level.bucketMs);
    if (a.series.length > 0) {
      const cols = [
        a.series,
        a.bucket,
        a.min,
        a.minOffset,
        a.max,
        a.maxOffset,
        a.first,
        a.firstOffset,
        a.last,
        a.lastOffset,
        a.sum,
        a.count,
      ];
      await db.query(mergeSql(level), cols.map(arrayLiteral));
      const dirty = [...new Set(a.bucket)].sort((x, y) => x - y);
      await db.query(
        `INSERT INTO ${ROLLUP_DIRTY_TABLE} (bucket) SELECT to_timestamp(b / 1000) FROM unnest($1::float8[]) AS u(b)
         ON CONFLICT DO NOTHING`,
        [arrayLiteral(dirty)]
      );
    }
    if (Date.now() - this.lastRefresh >= this.refreshMs) {
      this.lastRefresh = Date.now();
      await refreshInTransaction(db, false);
    }
    return a.series.length;
  }
}
