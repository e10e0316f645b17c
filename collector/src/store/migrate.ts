import { Client, type Pool } from 'pg';
import type { Logger } from 'pino';
import { MIGRATIONS, type Migration } from './schema';
import { DEFAULT_TIMESCALE_OPTIONS, enableTimescale, type FeatureState, type TimescaleOptions } from './timescale';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** TimescaleDB settings (merged over the defaults), or false to never try the extension. */
  timescale?:
    (Partial<Omit<TimescaleOptions, 'retention'>> & { retention?: Partial<TimescaleOptions['retention']> }) | false;
  logger?: Logger;
  /** Migrations to apply (tests); default {@link MIGRATIONS}. */
  migrations?: Migration[];
}

/** What {@link migrate} did and which optional features are on. */
export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was current). */
  applied: number[];
  /** Current schema version. */
  version: number;
  /** Feature name → state, as recorded in `store_features`. */
  features: Record<string, FeatureState>;
}

/** Arbitrary constant key for the advisory lock serializing concurrent migrate() calls. */
const MIGRATE_LOCK_KEY = 424_242_001;

/** Whether the server is PGlite (embedded, WASM): no COPY FROM STDIN over the socket, no extensions. */
export async function isPglite(db: Pick<Pool, 'query'>): Promise<boolean> {
  const r = await db.query<{ v: string }>('SELECT version() AS v');
  return /PGlite/i.test(r.rows[0]?.v ?? '');
}

/**
 * Brings the database schema up to date and records which optional features are on.
 *
 * 1. Versioned migrations ({@link MIGRATIONS}), each once, in its own transaction, recorded in
 *    `schema_migrations` — idempotent: a second call applies nothing. Concurrent callers are
 *    serialized by an advisory lock.
 * 2. TimescaleDB: `CREATE EXTENSION IF NOT EXISTS timescaledb` in a try; only when it succeeds,
 *    hypertables, compression, continuous aggregates and retention (./timescale.ts).
 * 3. `store_features` rows: timescaledb, hypertables, compression, continuous_aggregates,
 *    retention, copy_from_stdin (false on PGlite) — the API chooses aggregates from them
 *    (`SELECT store_feature('continuous_aggregates')`).
 *
 * @throws the database error when a migration fails (that migration is rolled back)
 */
export async function migrate(pool: Pool, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = opts.migrations ?? MIGRATIONS;
  // A dedicated connection without the pool's statement/read timeouts: DDL on a big table (e.g.
  // create_hypertable migrating data) may legitimately take long.
  const client = new Client({ ...pool.options, statement_timeout: undefined, query_timeout: undefined });
  client.on('error', (e) => opts.logger?.warn({ err: e.message }, 'migration connection error'));
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version)
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await applyMigration(client, m);
      applied.push(m.version);
      opts.logger?.info({ version: m.version, name: m.name }, 'migration applied');
    }
    const features = await recordFeatures(client, opts);
    const version = Math.max(0, ...done, ...applied);
    return { applied, version, features };
  } finally {
    // closing the session releases the advisory lock
    await client.end().catch(() => undefined);
  }
}

async function applyMigration(client: Client, m: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const sql of m.statements) await client.query(sql);
    await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    const err = e as Error;
    err.message = `migration ${m.version} (${m.name}) failed: ${err.message}`;
    throw err;
  }
}

function timescaleOptions(o: MigrateOptions['timescale']): TimescaleOptions {
  const d = DEFAULT_TIMESCALE_OPTIONS;
  if (!o) return d;
  return { ...d, ...o, retention: { ...d.retention, ...(o.retention ?? {}) } };
}

async function recordFeatures(client: Client, opts: MigrateOptions): Promise<Record<string, FeatureState>> {
  const pglite = await isPglite(client);
  let states: FeatureState[];
  if (opts.timescale === false) {
    states = [{ name: 'timescaledb', enabled: false, detail: 'disabled by configuration' }];
  } else if (pglite) {
    states = [{ name: 'timescaledb', enabled: false, detail: 'PGlite (embedded) has no TimescaleDB' }];
  } else {
    states = await enableTimescale(client, timescaleOptions(opts.timescale));
  }
  const names = ['timescaledb', 'hypertables', 'compression', 'continuous_aggregates', 'retention'];
  const byName = new Map(states.map((s) => [s.name, s]));
  const all: FeatureState[] = names.map(
    (n) => byName.get(n) ?? { name: n, enabled: false, detail: byName.get('timescaledb')?.detail ?? 'off' }
  );
  all.push({
    name: 'copy_from_stdin',
    enabled: !pglite,
    detail: pglite ? 'PGlite socket: writes use INSERT … SELECT FROM unnest' : 'COPY … FROM STDIN (text)',
  });
  for (const f of all) {
    await client.query(
      `INSERT INTO store_features (name, enabled, detail, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (name) DO UPDATE SET enabled = EXCLUDED.enabled, detail = EXCLUDED.detail, updated_at = now()`,
      [f.name, f.enabled, f.detail]
    );
    if (f.name !== 'copy_from_stdin') opts.logger?.info({ feature: f.name, enabled: f.enabled }, f.detail);
  }
  return Object.fromEntries(all.map((f) => [f.name, f]));
}

/** Reads the recorded feature states (after {@link migrate}). */
export async function readStoreFeatures(db: Pick<Pool, 'query'>): Promise<Record<string, FeatureState>> {
  const r = await db.query<{ name: string; enabled: boolean; detail: string | null }>(
    'SELECT name, enabled, detail FROM store_features ORDER BY name'
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, { name: x.name, enabled: x.enabled, detail: x.detail ?? '' }]));
}
