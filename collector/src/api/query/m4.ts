import { FINITE_VALUE_SQL, ROLLUP_WATERMARK_TABLE } from '../../store/rollup-schema';
import { epochMs, packFloat8, readFloat8 } from '../../store/pg-array';
import type { PyramidLevel } from './resolution';

/**
 * M4 downsampling (Jugel, Jerzak, Hackenbroich, Markl: "M4: A Visualization-Oriented Time Series
 * Data Aggregation", PVLDB 7(10):797–808, 2014).
 *
 * Why M4 and not LTTB (Steinarsson 2013): a line chart rasterises each pixel column as the vertical
 * span between the column's minimum and maximum, joined to its neighbours through the column's first
 * and last points. Keeping exactly those four tuples per column therefore draws the *same pixels* as
 * the raw data (error-free, paper §4), so spikes — a string trip, a frequency excursion — are never
 * lost. LTTB keeps one point per bucket chosen by triangle area: visually pleasant but it can drop
 * extremes (Van Der Donckt et al., arXiv 2304.00900) and is inherently sequential over raw rows.
 * Cost: up to 4 × maxDataPoints points per series instead of maxDataPoints.
 *
 * Where it runs: PostgreSQL reads the candidate points of each series (raw samples, or the four
 * representative samples per pyramid bucket) and hands them over as one array text per column
 * (packed binary columns — see store/pg-array.ts); the M4 pass over those arrays is a
 * single linear loop here. Measured on PG 15 / 2 cores, 8 series × 30 days: the earlier all-SQL M4
 * (aggregate + join back + window tie-break) spent 3–4 × the bare read in executor nodes, and
 * row-wise transfer cost more than the aggregation.
 *
 * Buckets: aligned at the range start, width `bucketMs` (see chooseResolution), so a range holds at
 * most maxDataPoints buckets. Ties: among equal minima (maxima) the earliest is kept; first/last/min/
 * max that are the same sample are sent once. NULL, NaN and ±Infinity are skipped, leaving gaps.
 */

/** Points of one series, column-wise: epoch ms and values. */
export interface Points {
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

/** M4 output of one series. */
export interface SeriesM4 {
  t: number[];
  v: number[];
}

/**
 * M4 of `p` over [fromMs, toMs) in buckets of `bucketMs` aligned at `fromMs`: per bucket the first,
 * last, minimum and maximum point (earliest among equal extremes), deduplicated, ordered by time
 * (then value). Points outside the range and non-finite values are ignored; input order is free.
 */
export function m4(p: Points, fromMs: number, toMs: number, bucketMs: number): SeriesM4 {
  const n = Math.max(0, Math.ceil((toMs - fromMs) / bucketMs));
  const first = new Int32Array(n).fill(-1);
  const last = new Int32Array(n).fill(-1);
  const min = new Int32Array(n).fill(-1);
  const max = new Int32Array(n).fill(-1);
  const { t, v } = p;
  for (let i = 0; i < t.length; i++) {
    const ti = t[i];
    const vi = v[i];
    if (!(ti >= fromMs && ti < toMs) || !Number.isFinite(vi)) continue;
    const b = Math.floor((ti - fromMs) / bucketMs);
    const f = first[b];
    if (f < 0) {
      first[b] = last[b] = min[b] = max[b] = i;
      continue;
    }
    if (ti < t[f]) first[b] = i;
    if (ti > t[last[b]]) last[b] = i;
    const mn = min[b];
    if (vi < v[mn] || (vi === v[mn] && ti < t[mn])) min[b] = i;
    const mx = max[b];
    if (vi > v[mx] || (vi === v[mx] && ti < t[mx])) max[b] = i;
  }
  // Buckets partition time, so emitting bucket after bucket, each bucket's ≤ 4 points ordered by
  // (time, value), yields the whole series in order without a global sort.
  const out: SeriesM4 = { t: [], v: [] };
  const four = [0, 0, 0, 0];
  for (let b = 0; b < n; b++) {
    if (first[b] < 0) continue;
    four[0] = first[b];
    four[1] = min[b];
    four[2] = max[b];
    four[3] = last[b];
    for (let x = 1; x < 4; x++)
      for (
        let y = x;
        y > 0 && (t[four[y]] < t[four[y - 1]] || (t[four[y]] === t[four[y - 1]] && v[four[y]] < v[four[y - 1]]));
        y--
      ) {
        const tmp = four[y];
        four[y] = four[y - 1];
        four[y - 1] = tmp;
      }
    for (const i of four) {
      const k = out.t.length - 1;
      if (k >= 0 && out.t[k] === t[i] && out.v[k] === v[i]) continue;
      out.t.push(t[i]);
      out.v.push(v[i]);
    }
  }
  return out;
}

/** Candidate points of each series, keyed by series id, ready for {@link m4}. */
export type SeriesPoints = Map<number, SeriesM4>;

/** Parameters of every points query: $1 from (epoch ms), $2 to (epoch ms, exclusive), $3 series ids. */
const FROM = `to_timestamp($1::float8 / 1000)`;
const TO = `to_timestamp($2::float8 / 1000)`;

/**
 * Raw samples of the series in [from, to) (finite values), one row per series with packed columns
 * (store/pg-array.ts): `t` (epoch ms) and `v`. Reads the `(series_id, time)` primary key.
 */
export const RAW_POINTS_SQL = `
SELECT series_id, ${packFloat8(epochMs('time'))} AS t, ${packFloat8('value')} AS v
  FROM telemetry
 WHERE series_id = ANY($3::int[]) AND time >= ${FROM} AND time < ${TO} AND ${FINITE_VALUE_SQL}
 GROUP BY series_id`;

/**
 * Raw samples of the series from the rollups' watermark (store/rollup-schema.ts) to `to`, shaped like
 * {@link RAW_POINTS_SQL}: the part of a rollup read not materialized yet (real-time aggregation, as
 * TimescaleDB's `materialized_only = false`). Where a level row already covers some of these samples
 * (an explicit refresh of open buckets), M4 of the duplicates is the same answer.
 */
export const RAW_TAIL_SQL = `
SELECT series_id, ${packFloat8(epochMs('time'))} AS t, ${packFloat8('value')} AS v
  FROM telemetry
 WHERE series_id = ANY($3::int[]) AND time < ${TO} AND ${FINITE_VALUE_SQL}
   AND time >= greatest(${FROM}, (SELECT watermark FROM ${ROLLUP_WATERMARK_TABLE}))
 GROUP BY series_id`;

/** Points of a level and of the raw rows after it, one array pair. */
export function concatPoints(a: Points | undefined, b: Points | undefined): Points {
  if (!a || a.t.length === 0) return b ?? { t: [], v: [] };
  if (!b || b.t.length === 0) return a;
  const t = new Float64Array(a.t.length + b.t.length);
  const v = new Float64Array(t.length);
  t.set(a.t);
  t.set(b.t, a.t.length);
  v.set(a.v);
  v.set(b.v, a.v.length);
  return { t, v };
}

/**
 * Buckets of a pyramid level overlapping [from, to), one row per series with one packed column `r`:
 * per bucket a record of big-endian float8 bucket start (epoch ms), first, min, max, last (NULL sent
 * as NaN) and, for rollups, int4 offsets of the first, min, max and last sample (ms after the bucket
 * start) — 40 or 56 bytes ({@link LEVEL_RECORD_BYTES}). One aggregate per row instead of one per
 * column: ≈ 20 % less executor time for the 23 k rows of a 30-day query (measured here).
 * @param level a level from the store's fixed lists (never from the request)
 * @throws Error for a relation name that is not a plain identifier
 */
export function levelPointsSql(level: PyramidLevel): string {
  if (!/^[a-z0-9_]+$/.test(level.view)) throw new Error(`invalid pyramid view name ${level.view}`);
  const w = Math.round(level.bucketMs);
  const f8 = (c: string) => `float8send(coalesce(${c}, 'NaN'::float8))`;
  const parts = [`float8send(${epochMs('bucket')})`, f8('first'), f8('min'), f8('max'), f8('last')];
  if (level.kind === 'rollup') parts.push(...['first', 'min', 'max', 'last'].map((c) => `int4send(${c}_offset_ms)`));
  return `
SELECT series_id, string_agg(${parts.join(' || ')}, ''::bytea) AS r
  FROM ${level.view}
 WHERE series_id = ANY($3::int[]) AND bucket > ${FROM} - INTERVAL '${w} milliseconds' AND bucket < ${TO}
   AND count > 0
 GROUP BY series_id`;
}

/** Bytes of one bucket record of {@link levelPointsSql}: continuous aggregates, rollups. */
export const LEVEL_RECORD_BYTES = { aggregate: 40, rollup: 56 } as const;

/** A row of {@link RAW_POINTS_SQL}. */
export interface RawPointsRow {
  series_id: number;
  t: Buffer;
  v: Buffer;
}

/** A row of {@link levelPointsSql}. */
export interface LevelPointsRow {
  series_id: number;
  r: Buffer;
}

/** Points of raw rows. */
export function rawPoints(row: RawPointsRow): Points {
  return { t: readFloat8(row.t), v: readFloat8(row.v) };
}

/**
 * The representative points of pyramid buckets (NaN values are skipped by {@link m4}).
 * - Rollups: first/last/min/max at their exact sample times (bucket + offset); points outside
 *   [from, to) — in a bucket straddling a range edge — are dropped by {@link m4}.
 * - Continuous aggregates (times unknown inside a bucket of width w): first at the bucket start,
 *   min and max at its middle, last at its end − 1 ms, clamped into [from, to) — an error of at most
 *   w, which is below one output bucket by construction (w ≤ bucket).
 */
export function levelPoints(row: LevelPointsRow, level: PyramidLevel, fromMs: number, toMs: number): Points {
  const rollup = level.kind === 'rollup';
  const size = rollup ? LEVEL_RECORD_BYTES.rollup : LEVEL_RECORD_BYTES.aggregate;
  const buf = row.r;
  if (buf.length % size !== 0) throw new Error(`${level.view}: packed bucket records of ${buf.length} bytes`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = buf.length / size;
  const t = new Float64Array(4 * n);
  const v = new Float64Array(4 * n);
  const w = level.bucketMs;
  // continuous aggregates: first at the bucket start, min/max at its middle, last at its end − 1 ms
  const at = [0, Math.floor(w / 2), Math.floor(w / 2), w - 1];
  for (let i = 0; i < n; i++) {
    const o = i * size;
    const b = dv.getFloat64(o);
    for (let k = 0; k < 4; k++) {
      v[4 * i + k] = dv.getFloat64(o + 8 + 8 * k);
      t[4 * i + k] = rollup ? b + dv.getInt32(o + 40 + 4 * k) : Math.min(Math.max(b + at[k], fromMs), toMs - 1);
    }
  }
  return { t, v };
}

/**
 * Rows of the series in range, estimated from the coarsest rollup level (whole days around the range,
 * so an upper bound): decides raw vs rollups (see RAW_ROW_BUDGET). Same parameters as the points queries.
 * @throws Error for a relation name that is not a plain identifier
 */
export function rawRowEstimateSql(coarsest: PyramidLevel): string {
  if (!/^[a-z0-9_]+$/.test(coarsest.view)) throw new Error(`invalid pyramid view name ${coarsest.view}`);
  return `SELECT coalesce(sum(count), 0)::float8 AS n FROM ${coarsest.view}
   WHERE series_id = ANY($3::int[]) AND bucket > ${FROM} - INTERVAL '${Math.round(coarsest.bucketMs)} milliseconds'
     AND bucket < ${TO}`;
}
