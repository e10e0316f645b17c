import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrate, readStoreFeatures } from '../../src/store/migrate';
import { MIGRATIONS } from '../../src/store/schema';
import { createPool, isTransientDbError, type StorePool } from '../../src/store/pool';
import {
  aggregateSql,
  AGGREGATES,
  DEFAULT_TIMESCALE_OPTIONS,
  enableTimescale,
  timescaleSetupPlan,
  type SqlExecutor,
} from '../../src/store/timescale';

let db: TestDatabase;
let pool: StorePool;

beforeAll(async () => {
  db = await createTestDatabase('openbess_store_m');
  pool = createPool(db.url, { max: 3, applicationName: 'openbess-test-migrate', statementTimeoutMs: 1000 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const TABLES = [
  'attribute',
  'device',
  'device_quality',
  'latest',
  'latest_array',
  'poll_log',
  'schema_migrations',
  'series',
  'site',
  'store_features',
  'telemetry',
  'telemetry_array',
];

describe('migrate on plain PostgreSQL', () => {
  it('creates every table once and is idempotent (second run applies nothing)', async () => {
    const first = await migrate(pool);
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    const second = await migrate(pool);
    expect(second.applied).toEqual([]);
    expect(second.version).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
    const t = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`
    );
    expect(t.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([...TABLES, 'events', 'event_cursor', 'telemetry_rollup_5m', 'telemetry_rollup_1d'])
    );
    const fill = await pool.query(
      `SELECT relname, reloptions FROM pg_class WHERE relname IN ('latest', 'latest_array') ORDER BY 1`
    );
    expect(fill.rows.map((r) => r.reloptions)).toEqual([['fillfactor=70'], ['fillfactor=70']]);
  });

  it('serializes concurrent migrate() calls', async () => {
    const other = await createTestDatabase('openbess_store_m2');
    const p = createPool(other.url, { max: 4 });
    try {
      const results = await Promise.all([migrate(p), migrate(p), migrate(p)]);
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
    } finally {
      await p.end();
      await other.drop();
    }
  });

  it('records that TimescaleDB is off here and COPY is on', async () => {
    const f = await readStoreFeatures(pool);
    expect(Object.keys(f).sort()).toEqual([
      'compression',
      'continuous_aggregates',
      'copy_from_stdin',
      'hypertables',
      'retention',
      'rollups',
      'timescaledb',
    ]);
    expect(f.timescaledb.enabled).toBe(false);
    expect(f.timescaledb.detail).toMatch(/extension not available/);
    expect(f.continuous_aggregates.enabled).toBe(false);
    expect(f.copy_from_stdin.enabled).toBe(true);
    const fn = await pool.query(
      `SELECT store_feature('continuous_aggregates') AS a, store_feature('copy_from_stdin') AS c`
    );
    expect(fn.rows[0]).toEqual({ a: false, c: true });
    // no TimescaleDB object was created
    const ext = await pool.query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`);
    expect(ext.rows[0].n).toBe(0);
  });

  it('sets application_name and statement_timeout on the pool connections', async () => {
    const r = await pool.query(
      `SELECT current_setting('application_name') AS a, current_setting('statement_timeout') AS s`
    );
    expect(r.rows[0]).toEqual({ a: 'openbess-test-migrate', s: '1s' });
    const err = await pool.query('SELECT pg_sleep(3)').catch((e) => e);
    expect(err.code).toBe('57014');
    expect(isTransientDbError(err)).toBe(true);
  });

  it('date_bin with origin 2000-01-03 buckets like time_bucket (plain-PostgreSQL queries)', async () => {
    const r = await pool.query(
      `SELECT date_bin('5 minutes', '2024-05-01 12:07:30+00'::timestamptz, '2000-01-03 00:00:00+00') AS b5,
              date_bin('7 days', '2025-06-04 12:00+00'::timestamptz, '2000-01-03 00:00:00+00') AS w`
    );
    expect(r.rows[0].b5.toISOString()).toBe('2024-05-01T12:05:00.000Z');
    expect(r.rows[0].w.toISOString()).toBe('2025-06-02T00:00:00.000Z');
  });
});

/** Records statements; `fail` decides which ones throw like the server would. */
function recorder(fail: (sql: string) => boolean, rows: (sql: string) => Record<string, unknown>[] = () => []) {
  const log: string[] = [];
  const exec: SqlExecutor = {
    async query(sql: string) {
      log.push(sql.replace(/\s+/g, ' ').trim());
      if (fail(sql)) throw new Error('simulated server error');
      return { rows: rows(sql) };
    },
  };
  return { log, exec };
}

describe('TimescaleDB setup', () => {
  it('runs nothing after a failed CREATE EXTENSION (plain PostgreSQL, PGlite)', async () => {
    const { log, exec } = recorder((sql) => /CREATE EXTENSION/.test(sql));
    const states = await enableTimescale(exec, DEFAULT_TIMESCALE_OPTIONS);
    expect(log).toEqual(['CREATE EXTENSION IF NOT EXISTS timescaledb']);
    expect(states).toEqual([{ name: 'timescaledb', enabled: false, detail: expect.stringMatching(/simulated/) }]);
  });

  it('with the extension present, creates hypertables, compression, aggregates and retention in order', async () => {
    const { log, exec } = recorder(
      () => false,
      (sql) =>
        /extversion/.test(sql) ? [{ extversion: '2.17.2' }] : /license/.test(sql) ? [{ license: 'timescale' }] : []
    );
    const states = await enableTimescale(exec, DEFAULT_TIMESCALE_OPTIONS);
    expect(states.every((s) => s.enabled)).toBe(true);
    const idx = (re: RegExp) => log.findIndex((s) => re.test(s));
    expect(idx(/create_hypertable\('telemetry', by_range\('time', INTERVAL '1 day'\)/)).toBeGreaterThan(0);
    expect(idx(/create_hypertable\('telemetry_array'/)).toBeGreaterThan(0);
    expect(idx(/create_hypertable\('poll_log'/)).toBeGreaterThan(0);
    expect(idx(/compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC'/)).toBeGreaterThan(
      idx(/create_hypertable\('poll_log'/)
    );
    for (const a of AGGREGATES) {
      expect(
        idx(
          new RegExp(
            `CREATE MATERIALIZED VIEW ${a.view} WITH \\(timescaledb.continuous, timescaledb.materialized_only = false\\)`
          )
        )
      ).toBeGreaterThan(0);
      expect(idx(new RegExp(`add_continuous_aggregate_policy\\('${a.view}'`))).toBeGreaterThan(0);
    }
    expect(idx(/add_retention_policy\('telemetry', INTERVAL '90 days'/)).toBeGreaterThan(0);
    expect(log.some((s) => /add_retention_policy\('telemetry_1d'/.test(s))).toBe(false);
    expect(log.some((s) => /time_bucket/.test(s) && !/MATERIALIZED VIEW/.test(s))).toBe(false);
  });

  it('uses the old create_hypertable interface before 2.13 and skips existing objects', () => {
    const plan = timescaleSetupPlan(DEFAULT_TIMESCALE_OPTIONS, '2.11.0', {
      aggregates: new Set(['telemetry_5m']),
      compressed: new Set(['telemetry']),
    });
    const sql = plan.flatMap((s) => s.sql);
    expect(sql[0]).toMatch(/create_hypertable\('telemetry', 'time', chunk_time_interval => INTERVAL '1 day'/);
    expect(sql.some((s) => /ALTER TABLE telemetry SET/.test(s))).toBe(false);
    expect(sql.some((s) => /ALTER TABLE telemetry_array SET/.test(s))).toBe(true);
    expect(sql.some((s) => /CREATE MATERIALIZED VIEW telemetry_5m/.test(s))).toBe(false);
    expect(sql).toContain('ALTER MATERIALIZED VIEW telemetry_5m SET (timescaledb.materialized_only = false)');
  });

  it('marks a TSL feature off when it fails (Apache-only build) and skips what depends on it', async () => {
    const { exec } = recorder(
      (sql) => /compress|MATERIALIZED VIEW|continuous_aggregate_policy/.test(sql),
      (sql) => (/extversion/.test(sql) ? [{ extversion: '2.17.2' }] : [{ license: 'apache' }])
    );
    const states = Object.fromEntries((await enableTimescale(exec, DEFAULT_TIMESCALE_OPTIONS)).map((s) => [s.name, s]));
    expect(states.hypertables.enabled).toBe(true);
    expect(states.compression.enabled).toBe(false);
    expect(states.continuous_aggregates.enabled).toBe(false);
    expect(states.retention.enabled).toBe(true);
    expect(states.retention.detail).toMatch(/skipped: retention telemetry_5m/);
  });

  it('refuses interval settings that are not "<n> <unit>"', () => {
    expect(() =>
      timescaleSetupPlan({ ...DEFAULT_TIMESCALE_OPTIONS, compressAfter: "1 day'); DROP TABLE x; --" }, '2.17.0')
    ).toThrow(/compressAfter/);
  });

  it('aggregates group per series and bucket with the documented columns', async () => {
    // the aggregate query, with time_bucket/first/last swapped for their plain-PostgreSQL equivalents, runs here
    const sql = aggregateSql(AGGREGATES[0])
      .replace(/CREATE MATERIALIZED VIEW[\s\S]*? AS/, '')
      .replace(/WITH NO DATA/, '')
      .replace(/time_bucket\(INTERVAL '5 minutes', time\)/g, `date_bin('5 minutes', time, '2000-01-03')`)
      .replace(/first\(value, time\)/, '(array_agg(value ORDER BY time))[1]')
      .replace(/last\(value, time\)/, '(array_agg(value ORDER BY time DESC))[1]');
    const r = await pool.query(`SELECT * FROM (${sql}) q LIMIT 0`);
    expect(r.fields.map((f) => f.name)).toEqual(['series_id', 'bucket', 'avg', 'min', 'max', 'first', 'last', 'count']);
  });
});
