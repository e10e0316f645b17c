import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { arrayLiteral } from './copy-text';
import { forEachTimeValue, packTimeValue } from './pg-array';
import {
  FINITE_VALUE_SQL,
  ROLLUP_DIRTY_TABLE,
  ROLLUP_FEATURE,
  ROLLUP_LEVELS,
  ROLLUP_WATERMARK_TABLE,
  type RollupLevel,
} from './rollup-schema';
import type { RollupDeltas } from './rollup-delta';
import { bucketStart, concatRows, RollupAccumulator, type RollupRows } from './rollup-rows';
import type { ScalarRows } from './rows';

/**
 * Maintenance of the rollup tables (./rollup-schema.ts), the way TimescaleDB maintains a continuous
 * aggregate: an invalidation log written with the rows, and a refresh that materializes from the raw
 * rows — nothing derived is computed in the write transaction.
 *
 * - Write path ({@link RollupMarker}): the writer's transaction upserts one mark per 5-minute bucket
 *   its scalar rows fall in (`telemetry_rollup_dirty`), last, in bucket order. `ON CONFLICT … DO
 *   UPDATE` locks an existing mark until the writer commits, so a refresh that deletes the mark waits
 *   for those rows and then reads them; a mark a refresh took first is inserted again after it.
 * - Refresh ({@link refreshRollups}): per transaction, takes (FOR UPDATE, oldest first) the marks of
 *   a run of buckets, recomputes those 5-minute buckets from `telemetry` (replacing their rows: exact
 *   and idempotent, however often a batch was replayed or in which order rows came) — or, where the
 *   mark shows that only this process's writer wrote there through plain COPY, merges the writer's
 *   in-memory aggregates of those rows (./rollup-delta.ts: no raw read) — then the 15 min, 1 h and
 *   1 d rows covering them from the next finer level. Periodic refreshes (every minute,
 *   {@link startRollupRefresher}) take only closed buckets — ended `graceMs` (default 30 s) ago —
 *   and then move the watermark to the start of the open bucket; backfill and tests refresh
 *   everything (`all`).
 * - Readers (api/query/timeseries.ts) read the levels and add the raw rows from the watermark on, so
 *   answers include the last minutes (real-time aggregation); rows written late into a bucket before
 *   the watermark show in the levels after the next refresh.
 *
 * Why not merge in the write transaction (what this replaced): an upsert of every series' 5-minute
 * row per batch cost more than the telemetry COPY itself (large site, 7.6 k series: ≈ 120 ms vs
 * 40 ms per 1-s batch, measured here); the refresh reads each raw row about once per bucket
 * (≈ 0.2 µs per row as packed columns) and upserts each series' row once per 5 minutes.
 */

/** Inserts rows of `level`: `$1..$12` = the columns of {@link RollupRows} (an ON CONFLICT clause follows). */
function insertSql(level: RollupLevel): string {
  return `INSERT INTO ${level.table} AS r
      (series_id, bucket, min, min_offset_ms, max, max_offset_ms, first, first_offset_ms, last, last_offset_ms, sum, count)
    SELECT s, to_timestamp(b / 1000), mn, mno, mx, mxo, f, fo, l, lo, sm, n
      FROM unnest($1::int[], $2::float8[], $3::float8[], $4::int[], $5::float8[], $6::int[], $7::float8[], $8::int[],
                  $9::float8[], $10::int[], $11::float8[], $12::bigint[]) AS u(s, b, mn, mno, mx, mxo, f, fo, l, lo, sm, n)`;
}

/** Replaces rows of `level` with recomputed ones (parameters as {@link insertSql}). */
function replaceSql(level: RollupLevel): string {
  return `${insertSql(level)}
    ON CONFLICT (series_id, bucket) DO UPDATE SET
      min = EXCLUDED.min, min_offset_ms = EXCLUDED.min_offset_ms, max = EXCLUDED.max, max_offset_ms = EXCLUDED.max_offset_ms,
      first = EXCLUDED.first, first_offset_ms = EXCLUDED.first_offset_ms, last = EXCLUDED.last,
      last_offset_ms = EXCLUDED.last_offset_ms, sum = EXCLUDED.sum, count = EXCLUDED.count`;
}

/**
 * Merges aggregates of rows new to their buckets into `level` (parameters as {@link insertSql}):
 * extremes with the earliest time among equal values, the earlier first and the later last value,
 * sums and counts added — the same result as recomputing the bucket from all its rows.
 */
function mergeSql(level: RollupLevel): string {
  const lower = `EXCLUDED.min < r.min OR (EXCLUDED.min = r.min AND EXCLUDED.min_offset_ms < r.min_offset_ms)`;
  const higher = `EXCLUDED.max > r.max OR (EXCLUDED.max = r.max AND EXCLUDED.max_offset_ms < r.max_offset_ms)`;
  const earlier = `EXCLUDED.first_offset_ms < r.first_offset_ms`;
  const later = `EXCLUDED.last_offset_ms > r.last_offset_ms`;
  const pick = (cond: string, col: string) => `${col} = CASE WHEN ${cond} THEN EXCLUDED.${col} ELSE r.${col} END`;
  return `${insertSql(level)}
    ON CONFLICT (series_id, bucket) DO UPDATE SET
      ${pick(lower, 'min')}, ${pick(lower, 'min_offset_ms')}, ${pick(higher, 'max')}, ${pick(higher, 'max_offset_ms')},
      ${pick(earlier, 'first')}, ${pick(earlier, 'first_offset_ms')}, ${pick(later, 'last')}, ${pick(later, 'last_offset_ms')},
      sum = r.sum + EXCLUDED.sum, count = r.count + EXCLUDED.count`;
}

/** The columns of {@link RollupRows} in the order of the `$1..$12` parameters, as array literals. */
function rowParams(a: RollupRows): string[] {
  return [
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
  ].map(arrayLiteral);
}

/** Arbitrary constant key of the advisory lock serializing refreshes. */
const REFRESH_LOCK_KEY = 424_242_003;

/**
 * Recomputes one coarse level from its finer parent for the target buckets in `$1` (timestamptz[]).
 * Arg-extremes without sorting: float8 arrays compare element by element, so `min(ARRAY[min, offset])`
 * is the smallest minimum at its earliest time, `max(ARRAY[max, -offset])` the largest maximum at its
 * earliest time, `min(ARRAY[offset, first])` the earliest first value, `max(ARRAY[offset, last])` the
 * latest last value (offsets are whole ms, exact in float8).
 */
function recomputeSql(level: RollupLevel, parent: RollupLevel): string {
  const off = (col: string) => `((round(date_part('epoch', p.bucket - t.b) * 1000))::int + p.${col})::float8`;
  return `INSERT INTO ${level.table} AS r
      (series_id, bucket, min, min_offset_ms, max, max_offset_ms, first, first_offset_ms, last, last_offset_ms, sum, count)
    SELECT series_id, b, mn[1], mn[2]::int, mx[1], (-mx[2])::int, f[2], f[1]::int, l[2], l[1]::int, sm, n
      FROM (SELECT p.series_id, t.b,
                   min(ARRAY[p.min, ${off('min_offset_ms')}]) AS mn, max(ARRAY[p.max, -${off('max_offset_ms')}]) AS mx,
                   min(ARRAY[${off('first_offset_ms')}, p.first]) AS f, max(ARRAY[${off('last_offset_ms')}, p.last]) AS l,
                   sum(p.sum) AS sm, sum(p.count) AS n
              FROM unnest($1::timestamptz[]) AS t(b)
              JOIN ${parent.table} p ON p.bucket >= t.b AND p.bucket < t.b + INTERVAL '${level.bucket}'
             GROUP BY p.series_id, t.b) AS g
     ORDER BY series_id, b
    ON CONFLICT (series_id, bucket) DO UPDATE SET
      min = EXCLUDED.min, min_offset_ms = EXCLUDED.min_offset_ms, max = EXCLUDED.max, max_offset_ms = EXCLUDED.max_offset_ms,
      first = EXCLUDED.first, first_offset_ms = EXCLUDED.first_offset_ms, last = EXCLUDED.last,
      last_offset_ms = EXCLUDED.last_offset_ms, sum = EXCLUDED.sum, count = EXCLUDED.count`;
}

/** Minimal query interface of a client (inside a transaction where noted). */
type Queryable = Pick<PoolClient, 'query'>;

/** SQL of the rollups' on/off state: feature `rollups` on and no continuous aggregates serving the pyramid. */
const ENABLED_SQL = `SELECT store_feature('${ROLLUP_FEATURE}') AND NOT store_feature('continuous_aggregates') AS on`;

/**
 * The write path's part ({@link RollupMarker.mark}): marks the 5-minute buckets of a transaction's
 * scalar rows. The on/off state is read at most once per `ttlMs` (default 60 s).
 */
export class RollupMarker {
  private state: { at: number; on: boolean } | null = null;

  constructor(private readonly ttlMs = 60_000) {}

  /** Whether rollups are maintained (read through `db`, e.g. the transaction's client). */
  async enabled(db: Queryable): Promise<boolean> {
    const now = Date.now();
    if (this.state && now - this.state.at < this.ttlMs) return this.state.on;
    const r = await db.query<{ on: boolean }>(ENABLED_SQL);
    this.state = { at: now, on: r.rows[0]?.on === true };
    return this.state.on;
  }

  /**
   * Marks the 5-minute buckets of `rows` dirty inside the caller's transaction — call it last before
   * COMMIT (the marks stay locked until then). Rows with NULL or non-finite values mark too (harmless).
   * @param tag the writer and transaction whose rows were all inserted (plain COPY), for a refresh that
   *   merges the writer's in-memory aggregates (./rollup-delta.ts); omitted on the replay and insert
   *   paths (a mark without a tag, or tagged by two writers, is recomputed from the raw rows)
   * @returns buckets marked (0 when rollups are off)
   * @throws the database error (the caller's transaction then rolls back)
   */
  async mark(db: Queryable, rows: ScalarRows, tag?: MarkTag): Promise<number> {
    if (rows.series.length === 0 || !(await this.enabled(db))) return 0;
    const w = ROLLUP_LEVELS[0].bucketMs;
    const buckets = new Set<number>();
    let last = Number.NaN;
    for (const t of rows.time) {
      const b = bucketStart(Math.trunc(t), w);
      if (b !== last) buckets.add((last = b));
    }
    const sorted = [...buckets].sort((x, y) => x - y);
    await db.query(
      `INSERT INTO ${ROLLUP_DIRTY_TABLE} AS d (bucket, marked_at, writer, seqs)
       SELECT to_timestamp(b / 1000), now(), $2::uuid, CASE WHEN $2::uuid IS NOT NULL THEN ARRAY[$3::bigint] END
         FROM unnest($1::float8[]) WITH ORDINALITY AS u(b, i) ORDER BY i
       ON CONFLICT (bucket) DO UPDATE SET marked_at = EXCLUDED.marked_at,
         writer = CASE WHEN d.writer = EXCLUDED.writer THEN d.writer END,
         seqs = CASE WHEN d.writer = EXCLUDED.writer THEN d.seqs || EXCLUDED.seqs END`,
      [arrayLiteral(sorted), tag?.writer ?? null, tag?.seq ?? null]
    );
    return sorted.length;
  }
}

/** Who marked a bucket: a writer's id and its transaction's sequence number (./rollup-delta.ts). */
export interface MarkTag {
  writer: string;
  seq: number;
}

/** What {@link refreshRollups} did. */
export interface RefreshResult {
  /** 5-minute buckets refreshed (merged or recomputed). */
  buckets: number;
  /** Of those, buckets merged from a writer's in-memory aggregates (no raw read). */
  merged: number;
  /** Raw rows read (finite values). */
  rawRows: number;
  /** Transactions committed. */
  transactions: number;
  /** True when another session was refreshing (`wait: false`): nothing was done. */
  skipped: boolean;
  /** The watermark afterwards (epoch ms), null when rollups are off. */
  watermark: number | null;
}

/** Options of {@link refreshRollups}. */
export interface RefreshOptions {
  /**
   * Refresh every marked bucket, open ones included (backfill, tests, before comparing levels); default
   * true. False: only buckets closed for `graceMs` (the periodic refresh while ingest runs).
   */
  all?: boolean;
  /** Wait for a refresh running in another session (default true); false: skip instead. */
  wait?: boolean;
  /** A bucket counts as closed this long after its end (default 30 s: batches still in flight). */
  graceMs?: number;
  /** Clock (epoch ms; tests). */
  nowMs?: number;
  /** Raw rows aimed at per transaction: the run of buckets taken grows or shrinks towards it (default 500 000). */
  targetRows?: number;
  /**
   * The in-memory aggregates of this process's writer (./rollup-delta.ts): buckets whose marks name
   * it and its transactions are merged from them instead of recomputed from the raw rows.
   */
  deltas?: RollupDeltas;
}

/** Raw rows of a range per series as packed records (buckets are told apart here), read through a cursor. */
const CURSOR = 'openbess_rollup_raw';
/**
 * Series per FETCH: ≈ 75 k rows at 1-s sampling, a few ms of decoding — the collector's event loop
 * (its API) is served between fetches.
 */
const FETCH_GROUPS = 250;

/**
 * Recomputes the 5-minute rows of `buckets` (starts, epoch ms, ascending) from `telemetry` and
 * replaces them (inside the caller's transaction). One read spans from the first to the last bucket;
 * rows of buckets between them that are not listed are skipped.
 * @returns raw rows read
 */
async function recomputeFromRaw(db: Queryable, buckets: number[]): Promise<number> {
  if (buckets.length === 0) return 0;
  const level = ROLLUP_LEVELS[0];
  const wanted = new Set(buckets);
  const fromMs = buckets[0];
  const toMs = buckets[buckets.length - 1] + level.bucketMs;
  const acc = new RollupAccumulator(level.bucketMs);
  // plan for the whole result (the cursor only bounds our memory) and group in memory: a bucket of
  // the large site is ≈ 2.3 M rows
  await db.query(`SET LOCAL work_mem = '64MB'`);
  await db.query(`SET LOCAL cursor_tuple_fraction = 1`);
  await db.query(
    `DECLARE ${CURSOR} NO SCROLL CURSOR FOR
     SELECT series_id, ${packTimeValue('time', 'value')} AS r
       FROM telemetry
      WHERE time >= to_timestamp(${fromMs}::float8 / 1000) AND time < to_timestamp(${toMs}::float8 / 1000)
        AND ${FINITE_VALUE_SQL}
      GROUP BY series_id`
  );
  let raw = 0;
  const every = wanted.size === (toMs - fromMs) / level.bucketMs;
  for (;;) {
    const r = await db.query<{ series_id: number; r: Buffer }>(`FETCH ${FETCH_GROUPS} FROM ${CURSOR}`);
    for (const row of r.rows) {
      const s = row.series_id;
      raw += forEachTimeValue(
        row.r,
        every
          ? (t, v) => acc.add(s, t, v)
          : (t, v) => {
              if (wanted.has(bucketStart(t, level.bucketMs))) acc.add(s, t, v);
            }
      );
    }
    await new Promise((r) => setImmediate(r));
    if (r.rows.length < FETCH_GROUPS) break;
  }
  await db.query(`CLOSE ${CURSOR}`);
  if (acc.size > 0) await db.query(replaceSql(level), rowParams(acc.rows()));
  return raw;
}

/** Most transactions one call runs before it stops (the rest is left for the next call). */
const MAX_TRANSACTIONS = 10_000;
/** Widest window of 5-minute buckets taken per transaction (one week). */
const MAX_SPAN = 2016;

/**
 * Materializes the marked buckets (see the module description): per transaction the marks of a run
 * of buckets are taken oldest first, their 5-minute rows recomputed from the raw rows, the coarse
 * levels recomputed over them. Then the watermark moves to the start of the bucket open `graceMs`
 * ago, when no mark before it is left. No-op when rollups are off (or not installed).
 *
 * @returns what was done
 * @throws the database error (the transaction in progress is rolled back: its marks stay)
 */
export async function refreshRollups(pool: Pick<Pool, 'connect'>, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const all = opts.all ?? true;
  const wait = opts.wait ?? true;
  const now = opts.nowMs ?? Date.now();
  const w5 = ROLLUP_LEVELS[0].bucketMs;
  const open = bucketStart(now - (opts.graceMs ?? 30_000), w5);
  const cutoff = all ? 'infinity' : new Date(open).toISOString();
  const target = Math.max(1, opts.targetRows ?? 500_000);
  const result: RefreshResult = { buckets: 0, merged: 0, rawRows: 0, transactions: 0, skipped: false, watermark: null };
  const client = await pool.connect();
  try {
    const has = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [ROLLUP_WATERMARK_TABLE]);
    if (has.rows[0]?.t === null) return result;
    if ((await client.query<{ on: boolean }>(ENABLED_SQL)).rows[0]?.on !== true) return result;
    let span = 1;
    let left = true;
    for (let tx = 0; tx < MAX_TRANSACTIONS; tx++) {
      await client.query('BEGIN');
      try {
        if (wait) await client.query(`SELECT pg_advisory_xact_lock($1)`, [REFRESH_LOCK_KEY]);
        else {
          const lock = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS ok`, [
            REFRESH_LOCK_KEY,
          ]);
          if (lock.rows[0]?.ok !== true) {
            await client.query('ROLLBACK');
            result.skipped = true;
            return result;
          }
        }
        // the marks of a window of `span` buckets from the oldest one
        const taken = await client.query<{ b: number; writer: string | null; seqs: string[] | null }>(
          `DELETE FROM ${ROLLUP_DIRTY_TABLE} WHERE bucket IN (
             SELECT bucket FROM ${ROLLUP_DIRTY_TABLE}
              WHERE bucket < $1::timestamptz
                AND bucket < (SELECT min(bucket) FROM ${ROLLUP_DIRTY_TABLE}) + $2 * INTERVAL '${ROLLUP_LEVELS[0].bucket}'
              ORDER BY bucket FOR UPDATE)
           RETURNING round(date_part('epoch', bucket) * 1000)::float8 AS b, writer, seqs`,
          [cutoff, span]
        );
        if (taken.rows.length === 0) {
          await client.query('COMMIT');
          left = false;
          break;
        }
        const marks = taken.rows.sort((x, y) => x.b - y.b);
        // the writer's in-memory aggregates where they hold exactly the marked rows, else raw rows
        const merged: RollupRows[] = [];
        const fromRaw: number[] = [];
        for (const m of marks) {
          const delta = opts.deltas?.take(m.b, m.writer, m.seqs?.map(Number) ?? null) ?? null;
          if (delta) merged.push(delta);
          else fromRaw.push(m.b);
        }
        const raw = await recomputeFromRaw(client, fromRaw);
        if (merged.length > 0) await client.query(mergeSql(ROLLUP_LEVELS[0]), rowParams(concatRows(merged)));
        let targets = marks.map((m) => m.b);
        for (let k = 1; k < ROLLUP_LEVELS.length; k++) {
          const level = ROLLUP_LEVELS[k];
          targets = [...new Set(targets.map((t) => bucketStart(t, level.bucketMs)))].sort((x, y) => x - y);
          await client.query(recomputeSql(level, ROLLUP_LEVELS[k - 1]), [
            targets.map((t) => new Date(t).toISOString()),
          ]);
        }
        await client.query('COMMIT');
        result.buckets += marks.length;
        result.merged += merged.length;
        result.rawRows += raw;
        result.transactions++;
        // aim the next window at `target` raw rows (merged buckets cost no raw read)
        if (fromRaw.length > 0) {
          const perBucket = raw / ((fromRaw[fromRaw.length - 1] - fromRaw[0]) / w5 + 1);
          span = Math.max(1, Math.min(MAX_SPAN, perBucket > 0 ? Math.floor(target / perBucket) : span * 4));
        }
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }
    const wm = await client.query<{ w: number }>(
      left
        ? `SELECT round(date_part('epoch', watermark) * 1000)::float8 AS w FROM ${ROLLUP_WATERMARK_TABLE}`
        : `UPDATE ${ROLLUP_WATERMARK_TABLE} SET watermark = greatest(watermark, $1::timestamptz)
           RETURNING round(date_part('epoch', watermark) * 1000)::float8 AS w`,
      left ? [] : [new Date(open).toISOString()]
    );
    result.watermark = wm.rows[0]?.w ?? null;
    // what is left of closed buckets was taken elsewhere (or is marked anew): recomputed from raw rows
    if (!left) opts.deltas?.prune(open);
    return result;
  } finally {
    client.release();
  }
}

/** A running periodic refresh ({@link startRollupRefresher}). */
export interface RollupRefresher {
  /** Runs a refresh now (closed buckets only; skipped when one is running anywhere). */
  runOnce(): Promise<RefreshResult | null>;
  /** Stops the timer and waits for a refresh in progress. */
  stop(): Promise<void>;
}

/**
 * Refreshes the rollups' closed buckets every `intervalMs` (default 60 s) while a collector runs, one
 * session at a time across processes (try-lock), merging the aggregates of the collector's writer
 * (`deltas`) where they cover a bucket's new rows. Errors are logged, never thrown: the marks stay and
 * the next run retries.
 */
export function startRollupRefresher(
  pool: Pick<Pool, 'connect'>,
  opts: { intervalMs?: number; graceMs?: number; logger?: Logger; deltas?: RollupDeltas } = {}
): RollupRefresher {
  let running: Promise<RefreshResult | null> | null = null;
  const runOnce = (): Promise<RefreshResult | null> => {
    running ??= (async () => {
      try {
        const r = await refreshRollups(pool, { all: false, wait: false, graceMs: opts.graceMs, deltas: opts.deltas });
        if (r.buckets > 0) opts.logger?.debug({ ...r }, 'rollups refreshed');
        return r;
      } catch (e) {
        opts.logger?.warn({ err: (e as Error).message }, 'rollup refresh failed; the marks stay for the next run');
        return null;
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void runOnce(), opts.intervalMs ?? 60_000);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
