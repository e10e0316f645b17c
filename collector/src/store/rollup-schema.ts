import type { Migration } from './schema';

/**
 * Rollup tables: the plain-PostgreSQL resolution pyramid (issue 3 performance targets).
 *
 * TimescaleDB's continuous aggregates (./timescale.ts) exist only when the extension does. On plain
 * PostgreSQL and PGlite the store keeps the same pyramid itself: one table per bucket width
 * (5 min, 15 min, 1 h, 1 d), one row per series and bucket, materialized like a continuous aggregate
 * (./rollup.ts): the writer only marks the 5-minute buckets it wrote into in `telemetry_rollup_dirty`
 * (same transaction as the rows); a refresh recomputes the marked 5-minute buckets from the raw rows,
 * then the coarser levels from the next finer one (15 min ← 5 min, 1 h ← 15 min, 1 d ← 1 h), and
 * moves `telemetry_rollup_watermark` (migration 5) past the closed buckets. Readers add the raw rows
 * from the watermark on (real-time aggregation).
 *
 * Columns of `telemetry_rollup_<w>` (values are the finite non-NULL samples of the bucket; NULL, NaN
 * and ±Infinity are skipped like the gaps they are on a chart):
 * - `series_id`, `bucket` (bucket start, `date_bin(w, time, '2000-01-03 00:00:00+00')`, which equals
 *   TimescaleDB's `time_bucket(w, time)` for widths below a month);
 * - `min`, `max`, `first`, `last` — the extreme, earliest and latest sample values, and for each the
 *   exact sample time as `*_offset_ms` = ms after `bucket` (the earliest sample among equal extremes),
 *   so an M4 answer built from rollups consists of real samples at their real times;
 * - `sum`, `count` (number of samples) and `avg` = sum / count (generated);
 * - the continuous aggregates' column names (`avg, min, max, first, last, count`) are kept, so the
 *   two pyramids read alike.
 */
export interface RollupLevel {
  /** Table name. */
  table: 'telemetry_rollup_5m' | 'telemetry_rollup_15m' | 'telemetry_rollup_1h' | 'telemetry_rollup_1d';
  /** PostgreSQL interval of one bucket. */
  bucket: string;
  /** Bucket width, ms. */
  bucketMs: number;
}

/** The rollup levels, finest first (the same widths as the continuous aggregates). */
export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { table: 'telemetry_rollup_5m', bucket: '5 minutes', bucketMs: 300_000 },
  { table: 'telemetry_rollup_15m', bucket: '15 minutes', bucketMs: 900_000 },
  { table: 'telemetry_rollup_1h', bucket: '1 hour', bucketMs: 3_600_000 },
  { table: 'telemetry_rollup_1d', bucket: '1 day', bucketMs: 86_400_000 },
];

/** Table of 5-minute bucket starts written into since their last refresh (the invalidation log). */
export const ROLLUP_DIRTY_TABLE = 'telemetry_rollup_dirty';

/**
 * One-row table: every 5-minute bucket before `watermark` has been materialized at least once after
 * it closed; rows written later into such a bucket (late data: a spool replay, a backfill) show in
 * the rollups after the next refresh. Readers take raw rows from the watermark on.
 */
export const ROLLUP_WATERMARK_TABLE = 'telemetry_rollup_watermark';

/** `store_features` name of the rollups (the API's pyramid reads them when it is on). */
export const ROLLUP_FEATURE = 'rollups';

/** Origin of the bucket grid: 2000-01-03T00:00:00Z, TimescaleDB's `time_bucket` default (a Monday). */
export const ROLLUP_ORIGIN = '2000-01-03 00:00:00+00';

/** Epoch ms of {@link ROLLUP_ORIGIN}. */
export const ROLLUP_ORIGIN_MS = Date.UTC(2000, 0, 3);

/** Finite, non-NULL values only (`abs(NaN)` is NaN, which sorts above Infinity in PostgreSQL). */
export const FINITE_VALUE_SQL = `abs(value) < 'Infinity'::float8`;

function createTable(l: RollupLevel): string {
  return `CREATE TABLE IF NOT EXISTS ${l.table} (
    series_id int NOT NULL,
    bucket timestamptz NOT NULL,
    min double precision NOT NULL,
    min_offset_ms int NOT NULL,
    max double precision NOT NULL,
    max_offset_ms int NOT NULL,
    first double precision NOT NULL,
    first_offset_ms int NOT NULL,
    last double precision NOT NULL,
    last_offset_ms int NOT NULL,
    sum double precision NOT NULL,
    count bigint NOT NULL CHECK (count > 0),
    avg double precision GENERATED ALWAYS AS (sum / count) STORED,
    PRIMARY KEY (series_id, bucket)
  ) WITH (fillfactor = 80)`;
}

/**
 * Fills a level from the telemetry already stored (a database migrated from version 1 with history).
 * Ties: the earliest sample among equal minima/maxima, as the incremental merge keeps.
 */
function fillFromTelemetry(l: RollupLevel): string {
  const off = (t: string) => `(round(date_part('epoch', ${t} - b) * 1000))::int`;
  return `INSERT INTO ${l.table}
      (series_id, bucket, min, min_offset_ms, max, max_offset_ms, first, first_offset_ms, last, last_offset_ms, sum, count)
    SELECT series_id, b,
           (array_agg(value ORDER BY value, time))[1], ${off('(array_agg(time ORDER BY value, time))[1]')},
           (array_agg(value ORDER BY value DESC, time))[1], ${off('(array_agg(time ORDER BY value DESC, time))[1]')},
           (array_agg(value ORDER BY time))[1], ${off('min(time)')},
           (array_agg(value ORDER BY time DESC))[1], ${off('max(time)')},
           sum(value), count(*)
      FROM (SELECT series_id, date_bin(INTERVAL '${l.bucket}', time, TIMESTAMPTZ '${ROLLUP_ORIGIN}') AS b, time, value
              FROM telemetry WHERE ${FINITE_VALUE_SQL}) AS x
     GROUP BY series_id, b
    ON CONFLICT (series_id, bucket) DO NOTHING`;
}

/**
 * Migration 3: the rollup tables (filled from existing telemetry), their feature flag, and indexes
 * on `series.updated_at` / `device.updated_at` that let the API check its series cache cheaply.
 * References only `telemetry`, `series`, `device` and `store_features` of migration 1, so it is
 * independent of migrations 2 and 4.
 */
export const ROLLUP_MIGRATION: Migration = {
  version: 3,
  name: 'plain-PostgreSQL rollups 5m/15m/1h/1d (resolution pyramid without TimescaleDB)',
  statements: [
    ...ROLLUP_LEVELS.map(createTable),
    ...ROLLUP_LEVELS.map(fillFromTelemetry),
    // the coarser levels are recomputed per bucket range across series: an index on bucket alone
    ...ROLLUP_LEVELS.slice(0, -1).map((l) => `CREATE INDEX IF NOT EXISTS ${l.table}_bucket_idx ON ${l.table} (bucket)`),
    `CREATE TABLE IF NOT EXISTS ${ROLLUP_DIRTY_TABLE} (bucket timestamptz PRIMARY KEY)`,
    // Covering indexes for the API's pyramid reads of the recomputed levels: an index-only scan reads
    // one series' buckets from a few adjacent index pages instead of one heap page per bucket (rows
    // of all series interleave in the heap). Not on the 5-minute level, whose per-batch upserts must
    // stay HOT updates (an INCLUDE column counts as indexed).
    ...ROLLUP_LEVELS.slice(1).map(
      (l) => `CREATE INDEX IF NOT EXISTS ${l.table}_read_idx ON ${l.table} (series_id, bucket)
       INCLUDE (first, min, max, last, first_offset_ms, min_offset_ms, max_offset_ms, last_offset_ms, count)`
    ),
    `CREATE INDEX IF NOT EXISTS series_updated_at_idx ON series (updated_at)`,
    `CREATE INDEX IF NOT EXISTS device_updated_at_idx ON device (updated_at)`,
    `INSERT INTO store_features (name, enabled, detail, updated_at)
     VALUES ('${ROLLUP_FEATURE}', true, '${ROLLUP_LEVELS.map((l) => l.table).join(',')} (merged by the writer)', now())
     ON CONFLICT (name) DO UPDATE SET enabled = EXCLUDED.enabled, detail = EXCLUDED.detail, updated_at = now()`,
  ],
};

/**
 * Migration 5: rollups materialized by a refresh instead of merged in every write transaction
 * (./rollup.ts). `telemetry_rollup_dirty` gets `marked_at` (a writer re-marks a bucket with
 * `ON CONFLICT … DO UPDATE`, which locks the mark until its rows are committed, so a refresh that takes
 * the mark also sees the rows) and room for HOT updates; `telemetry_rollup_watermark` starts at the
 * current 5-minute bucket: everything before it was merged by the writers of migration 3.
 */
export const ROLLUP_REFRESH_MIGRATION: Migration = {
  version: 5,
  name: 'rollups refreshed from raw rows (invalidation marks, watermark, real-time reads)',
  statements: [
    `ALTER TABLE ${ROLLUP_DIRTY_TABLE} ADD COLUMN IF NOT EXISTS marked_at timestamptz NOT NULL DEFAULT now()`,
    `ALTER TABLE ${ROLLUP_DIRTY_TABLE} SET (fillfactor = 50)`,
    `CREATE TABLE IF NOT EXISTS ${ROLLUP_WATERMARK_TABLE} (
       only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
       watermark timestamptz NOT NULL
     )`,
    `INSERT INTO ${ROLLUP_WATERMARK_TABLE} (watermark)
     VALUES (date_bin(INTERVAL '5 minutes', now(), TIMESTAMPTZ '${ROLLUP_ORIGIN}')) ON CONFLICT DO NOTHING`,
    `UPDATE store_features SET detail = '${ROLLUP_LEVELS.map((l) => l.table).join(',')} (refreshed from telemetry)',
       updated_at = now() WHERE name = '${ROLLUP_FEATURE}'`,
  ],
};

/**
 * Migration 6: who marked a bucket (./rollup-delta.ts). `writer` is the id of the one writer whose
 * plain-COPY transactions `seqs` wrote into the bucket since its mark was made; both are NULL when
 * several writers, a replay (staging path) or the insert path wrote there, or the mark is older than
 * this migration — such buckets are recomputed from the raw rows.
 */
export const ROLLUP_DELTA_MIGRATION: Migration = {
  version: 6,
  name: 'rollup marks name their writer and transactions (refresh merges the writer’s aggregates)',
  statements: [
    `ALTER TABLE ${ROLLUP_DIRTY_TABLE} ADD COLUMN IF NOT EXISTS writer uuid`,
    `ALTER TABLE ${ROLLUP_DIRTY_TABLE} ADD COLUMN IF NOT EXISTS seqs bigint[]`,
    `UPDATE store_features SET detail = '${ROLLUP_LEVELS.map((l) => l.table).join(',')} (refreshed: merged from the writer or recomputed from telemetry)',
       updated_at = now() WHERE name = '${ROLLUP_FEATURE}'`,
  ],
};
