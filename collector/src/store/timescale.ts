/**
 * TimescaleDB features of the store, switched on only when `CREATE EXTENSION IF NOT EXISTS
 * timescaledb` succeeds. All TimescaleDB-specific SQL lives in this module.
 *
 * Reviewed against the TimescaleDB 2.x reference (tigerdata.com/docs/reference/timescaledb and the
 * function signatures in timescale/timescaledb sql/ddl_api.sql, sql/policy_api.sql):
 * - `create_hypertable(relation, by_range(column, interval), create_default_indexes, if_not_exists,
 *   migrate_data)` — generalized interface since 2.13; older 2.x gets the old interface
 *   `create_hypertable(relation, time_column_name, chunk_time_interval => …, …)`.
 * - `ALTER TABLE … SET (timescaledb.compress, timescaledb.compress_segmentby = …,
 *   timescaledb.compress_orderby = …)`, then `add_compression_policy(hypertable, compress_after,
 *   if_not_exists)`.
 * - `CREATE MATERIALIZED VIEW … WITH (timescaledb.continuous, timescaledb.materialized_only = false)
 *   AS SELECT … GROUP BY time_bucket(…) WITH NO DATA` (since 2.13 caggs are materialized-only by
 *   default, so real-time aggregation must be asked for), and
 *   `add_continuous_aggregate_policy(cagg, start_offset, end_offset, schedule_interval, if_not_exists)`;
 *   the refresh window spans at least two buckets.
 * - `add_retention_policy(relation, drop_after, if_not_exists)`; with if_not_exists an existing
 *   policy with another interval is kept, so a changed setting removes the old policy first.
 * Compression, continuous aggregates and policies are Timescale-License (TSL) features: on an
 * Apache-only build (`timescaledb.license = 'apache'`) they fail and are recorded as off; each feature
 * is attempted on its own so one failure does not hide the others.
 */

/** Minimal query interface (a pg Pool or Client). */
export interface SqlExecutor {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** An interval literal accepted in settings, e.g. `'7 days'`, `'90 days'`, `'2 hours'`. */
export type IntervalText = string;

/** TimescaleDB settings (all optional in {@link migrate}; defaults in {@link DEFAULT_TIMESCALE_OPTIONS}). */
export interface TimescaleOptions {
  /** Chunk interval of the hypertables. */
  chunkInterval: IntervalText;
  /** Compress chunks older than this; null = no compression. */
  compressAfter: IntervalText | null;
  /** Drop raw data older than this, per hypertable; null keeps it forever. */
  retention: {
    telemetry: IntervalText | null;
    telemetry_array: IntervalText | null;
    poll_log: IntervalText | null;
    telemetry_5m: IntervalText | null;
    telemetry_15m: IntervalText | null;
    telemetry_1h: IntervalText | null;
    telemetry_1d: IntervalText | null;
  };
}

/** Default settings: 1-day chunks, compression after 3 days, raw data 90 days, cells 30 days. */
export const DEFAULT_TIMESCALE_OPTIONS: TimescaleOptions = {
  chunkInterval: '1 day',
  compressAfter: '3 days',
  retention: {
    telemetry: '90 days',
    telemetry_array: '30 days',
    poll_log: '30 days',
    telemetry_5m: '1 year',
    telemetry_15m: '2 years',
    telemetry_1h: null,
    telemetry_1d: null,
  },
};

/** One continuous aggregate: bucket width and refresh policy. */
export interface AggregateDefinition {
  view: 'telemetry_5m' | 'telemetry_15m' | 'telemetry_1h' | 'telemetry_1d';
  bucket: IntervalText;
  /** Bucket width in ms (for the API's choice of aggregate). */
  bucketMs: number;
  startOffset: IntervalText;
  endOffset: IntervalText;
  schedule: IntervalText;
}

/**
 * The continuous aggregates over `telemetry` (per series and bucket: avg, min, max, first, last,
 * count of non-null values). Refresh windows are generous (an outage replayed from the spool lands
 * inside them) and at least two buckets wide; TimescaleDB only re-materializes invalidated ranges.
 */
export const AGGREGATES: AggregateDefinition[] = [
  {
    view: 'telemetry_5m',
    bucket: '5 minutes',
    bucketMs: 300_000,
    startOffset: '3 days',
    endOffset: '5 minutes',
    schedule: '5 minutes',
  },
  {
    view: 'telemetry_15m',
    bucket: '15 minutes',
    bucketMs: 900_000,
    startOffset: '3 days',
    endOffset: '15 minutes',
    schedule: '15 minutes',
  },
  {
    view: 'telemetry_1h',
    bucket: '1 hour',
    bucketMs: 3_600_000,
    startOffset: '7 days',
    endOffset: '1 hour',
    schedule: '1 hour',
  },
  {
    view: 'telemetry_1d',
    bucket: '1 day',
    bucketMs: 86_400_000,
    startOffset: '35 days',
    endOffset: '1 day',
    schedule: '1 day',
  },
];

/** The hypertables and their compression settings. */
const HYPERTABLES = [
  { table: 'telemetry', segmentBy: 'series_id' },
  { table: 'telemetry_array', segmentBy: 'series_id' },
  { table: 'poll_log', segmentBy: 'device' },
] as const;

const INTERVAL_RE = /^\d{1,6} (second|minute|hour|day|week|month|year)s?$/;

/**
 * Checks an interval setting.
 * @throws Error naming the setting when the text is not `<n> <unit>`.
 */
export function checkInterval(name: string, v: IntervalText | null): void {
  if (v !== null && !INTERVAL_RE.test(v)) {
    throw new Error(`TimescaleDB setting ${name}: "${v}" is not an interval like "7 days" or "12 hours"`);
  }
}

/** Outcome of one optional feature. */
export interface FeatureState {
  name: string;
  enabled: boolean;
  detail: string;
}

/** One step of the TimescaleDB setup: statements that switch on (part of) a feature. */
export interface TimescaleStep {
  feature: 'hypertables' | 'compression' | 'continuous_aggregates' | 'retention';
  /** What the step does (for logs and the feature detail). */
  label: string;
  /** Feature that must be on for this step to run. */
  requires?: TimescaleStep['feature'];
  /** Statements run in order, each in autocommit (policies cannot share a failed transaction). */
  sql: string[];
}

/** Parses `2.13.1` → [2, 13, 1]. */
function versionParts(v: string): number[] {
  return v.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
}

/** Whether the generalized `create_hypertable(relation, by_range(…))` interface exists (>= 2.13). */
export function hasGeneralizedHypertableApi(version: string): boolean {
  const [major, minor] = versionParts(version);
  return major > 2 || (major === 2 && minor >= 13);
}

/** The cagg query for one aggregate (TimescaleDB `time_bucket` default origin = date_bin origin 2000-01-03). */
export function aggregateSql(a: AggregateDefinition): string {
  return `CREATE MATERIALIZED VIEW ${a.view}
  WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT series_id,
         time_bucket(INTERVAL '${a.bucket}', time) AS bucket,
         avg(value) AS avg,
         min(value) AS min,
         max(value) AS max,
         first(value, time) AS first,
         last(value, time) AS last,
         count(value) AS count
    FROM telemetry
   GROUP BY series_id, time_bucket(INTERVAL '${a.bucket}', time)
  WITH NO DATA`;
}

/**
 * The full setup, as data (pure: unit-testable). Idempotent statements only: `if_not_exists`, and the
 * caller skips `CREATE MATERIALIZED VIEW` for views that exist and compression settings already on.
 *
 * @param version - installed extension version (`pg_extension.extversion`)
 * @param existing - caggs that already exist and hypertables with compression already enabled
 */
export function timescaleSetupPlan(
  opts: TimescaleOptions,
  version: string,
  existing: { aggregates: Set<string>; compressed: Set<string> } = { aggregates: new Set(), compressed: new Set() }
): TimescaleStep[] {
  checkInterval('chunkInterval', opts.chunkInterval);
  checkInterval('compressAfter', opts.compressAfter);
  for (const [k, v] of Object.entries(opts.retention)) checkInterval(`retention.${k}`, v);
  const steps: TimescaleStep[] = [];
  const general = hasGeneralizedHypertableApi(version);
  for (const h of HYPERTABLES) {
    steps.push({
      feature: 'hypertables',
      label: `hypertable ${h.table}`,
      sql: [
        general
          ? `SELECT create_hypertable('${h.table}', by_range('time', INTERVAL '${opts.chunkInterval}'), create_default_indexes => false, if_not_exists => true, migrate_data => true)`
          : `SELECT create_hypertable('${h.table}', 'time', chunk_time_interval => INTERVAL '${opts.chunkInterval}', create_default_indexes => false, if_not_exists => true, migrate_data => true)`,
      ],
    });
  }
  if (opts.compressAfter !== null) {
    for (const h of HYPERTABLES) {
      const sql: string[] = [];
      if (!existing.compressed.has(h.table)) {
        sql.push(
          `ALTER TABLE ${h.table} SET (timescaledb.compress, timescaledb.compress_segmentby = '${h.segmentBy}', timescaledb.compress_orderby = 'time DESC')`
        );
      }
      sql.push(`SELECT add_compression_policy('${h.table}', INTERVAL '${opts.compressAfter}', if_not_exists => true)`);
      steps.push({ feature: 'compression', requires: 'hypertables', label: `compression ${h.table}`, sql });
    }
  }
  for (const a of AGGREGATES) {
    const sql: string[] = [];
    if (!existing.aggregates.has(a.view)) sql.push(aggregateSql(a));
    else sql.push(`ALTER MATERIALIZED VIEW ${a.view} SET (timescaledb.materialized_only = false)`);
    sql.push(
      `SELECT add_continuous_aggregate_policy('${a.view}', start_offset => INTERVAL '${a.startOffset}', end_offset => INTERVAL '${a.endOffset}', schedule_interval => INTERVAL '${a.schedule}', if_not_exists => true)`
    );
    steps.push({ feature: 'continuous_aggregates', requires: 'hypertables', label: `aggregate ${a.view}`, sql });
  }
  for (const [relation, after] of Object.entries(opts.retention)) {
    const isAgg = relation.startsWith('telemetry_') && relation !== 'telemetry_array';
    const sql = [`SELECT remove_retention_policy('${relation}', if_exists => true)`];
    if (after !== null)
      sql.push(`SELECT add_retention_policy('${relation}', INTERVAL '${after}', if_not_exists => true)`);
    steps.push({
      feature: 'retention',
      requires: isAgg ? 'continuous_aggregates' : 'hypertables',
      label: `retention ${relation} ${after ?? 'off'}`,
      sql,
    });
  }
  return steps;
}

/** Reads which caggs exist and which hypertables have compression on (TimescaleDB informational views). */
async function existingState(db: SqlExecutor): Promise<{ aggregates: Set<string>; compressed: Set<string> }> {
  const aggs = await db.query(`SELECT view_name FROM timescaledb_information.continuous_aggregates`);
  const hts = await db.query(
    `SELECT hypertable_name FROM timescaledb_information.hypertables WHERE compression_enabled`
  );
  return {
    aggregates: new Set(aggs.rows.map((r) => String(r.view_name))),
    compressed: new Set(hts.rows.map((r) => String(r.hypertable_name))),
  };
}

/**
 * Tries to switch on TimescaleDB. Runs `CREATE EXTENSION IF NOT EXISTS timescaledb`; only when that
 * succeeds does it run the {@link timescaleSetupPlan} steps (never on plain PostgreSQL or PGlite).
 * Never throws for a missing or partial TimescaleDB: the outcome of each feature is returned.
 *
 * @param db - executor in autocommit mode (a Pool or an idle Client)
 */
export async function enableTimescale(db: SqlExecutor, opts: TimescaleOptions): Promise<FeatureState[]> {
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
  } catch (e) {
    return [{ name: 'timescaledb', enabled: false, detail: `extension not available: ${(e as Error).message}` }];
  }
  let version = '0';
  let license = 'unknown';
  let existing = { aggregates: new Set<string>(), compressed: new Set<string>() };
  try {
    const ext = await db.query(`SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`);
    version = String(ext.rows[0]?.extversion ?? '0');
    const lic = await db.query(`SELECT current_setting('timescaledb.license', true) AS license`);
    license = String(lic.rows[0]?.license ?? 'unknown');
    existing = await existingState(db);
  } catch {
    // informational views missing or different: plan as if nothing exists (statements are idempotent)
  }
  const steps = timescaleSetupPlan(opts, version, existing);
  const errors = new Map<string, string[]>();
  const skipped = new Map<string, string[]>();
  const ok = new Set<string>();
  const note = (m: Map<string, string[]>, k: string, v: string) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const step of steps) {
    if (step.requires && (errors.has(step.requires) || !ok.has(step.requires))) {
      note(skipped, step.feature, `${step.label} (needs ${step.requires})`);
      continue;
    }
    try {
      for (const sql of step.sql) await db.query(sql);
      ok.add(step.feature);
    } catch (e) {
      note(errors, step.feature, `${step.label}: ${(e as Error).message}`);
    }
  }
  const out: FeatureState[] = [{ name: 'timescaledb', enabled: true, detail: `${version} (${license} license)` }];
  for (const f of ['hypertables', 'compression', 'continuous_aggregates', 'retention'] as const) {
    const planned = steps.some((s) => s.feature === f);
    const err = errors.get(f);
    const skip = skipped.get(f);
    const parts = [planned ? describeFeature(f, opts) : 'not configured'];
    if (err) parts.push(`failed: ${err.join('; ')}`);
    if (skip) parts.push(`skipped: ${skip.join('; ')}`);
    out.push({ name: f, enabled: planned && !err && ok.has(f), detail: parts.join(' — ') });
  }
  return out;
}

function describeFeature(f: TimescaleStep['feature'], opts: TimescaleOptions): string {
  switch (f) {
    case 'hypertables':
      return `telemetry, telemetry_array, poll_log; chunk ${opts.chunkInterval}`;
    case 'compression':
      return `segmentby series_id, orderby time DESC, after ${opts.compressAfter}`;
    case 'continuous_aggregates':
      return AGGREGATES.map((a) => a.view).join(',');
    case 'retention':
      return Object.entries(opts.retention)
        .map(([k, v]) => `${k}=${v ?? 'keep'}`)
        .join(', ');
  }
}

/**
 * Materializes the continuous aggregates for a time range (after a history backfill, whose rows lie
 * outside the refresh policies' windows). No-op when the aggregates are off. Must not run inside a
 * transaction (refresh_continuous_aggregate is a procedure that commits).
 *
 * @param fromMs - range start, epoch ms
 * @param toMs - range end, epoch ms
 */
export async function refreshAggregates(db: SqlExecutor, fromMs: number, toMs: number): Promise<number> {
  const on = await db.query(`SELECT store_feature('continuous_aggregates') AS on`);
  if (on.rows[0]?.on !== true) return 0;
  let n = 0;
  for (const a of AGGREGATES) {
    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    await db.query(`CALL refresh_continuous_aggregate('${a.view}', '${from}'::timestamptz, '${to}'::timestamptz)`);
    n++;
  }
  return n;
}
