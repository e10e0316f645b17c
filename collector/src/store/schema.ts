/**
 * The store's plain-PostgreSQL schema as versioned migrations (PostgreSQL >= 14 and PGlite). Each
 * migration runs once, in its own transaction, and is recorded in `schema_migrations`. Never edit a
 * released migration: append a new one. TimescaleDB features are added separately by
 * ./timescale.ts, only when the extension exists.
 *
 * Documented for the other parts in ./README.md.
 */

import { EVENTS_MIGRATION } from './events-schema';
import { MAINTENANCE_MIGRATION } from '../maintenance/schema';
import { ROLLUP_MIGRATION, ROLLUP_REFRESH_MIGRATION, ROLLUP_DELTA_MIGRATION } from './rollup-schema';

/** One schema migration. */
export interface Migration {
  /** Strictly increasing version number. */
  version: number;
  /** Short description stored with the version. */
  name: string;
  /** SQL statements, run in order in one transaction. */
  statements: string[];
}

/** All migrations, in order. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'sites, devices, series, telemetry, latest values, attributes, data quality',
    statements: [
      `CREATE TABLE IF NOT EXISTS site (
        code text PRIMARY KEY,
        name text NOT NULL,
        timezone text NOT NULL DEFAULT 'UTC',
        config jsonb NOT NULL DEFAULT '{}'::jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE IF NOT EXISTS device (
        id text PRIMARY KEY,
        site text NOT NULL REFERENCES site(code),
        profile text NOT NULL,
        parent text NOT NULL,
        name text NOT NULL,
        block int,
        string int,
        rated_power_kw double precision,
        capacity_kwh double precision,
        sources jsonb NOT NULL DEFAULT '[]'::jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX IF NOT EXISTS device_site_idx ON device (site)`,
      `CREATE TABLE IF NOT EXISTS series (
        id serial PRIMARY KEY,
        device text NOT NULL REFERENCES device(id),
        metric text NOT NULL,
        unit text NOT NULL DEFAULT '',
        kind text NOT NULL CHECK (kind IN ('scalar', 'array')),
        source jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (device, metric)
      )`,
      // Narrow telemetry: one row per series and sample. The primary key makes replays idempotent
      // (ON CONFLICT DO NOTHING) and serves per-series time-range scans.
      `CREATE TABLE IF NOT EXISTS telemetry (
        time timestamptz NOT NULL,
        series_id int NOT NULL,
        value double precision,
        PRIMARY KEY (series_id, time)
      )`,
      // Cheap time-range index (a few pages per GB) for whole-table scans by time and retention.
      `CREATE INDEX IF NOT EXISTS telemetry_time_brin ON telemetry USING brin (time)`,
      // Arrays (cell voltages/temperatures/balancing words): one real[] row per string and sample.
      `CREATE TABLE IF NOT EXISTS telemetry_array (
        time timestamptz NOT NULL,
        series_id int NOT NULL,
        value real[],
        PRIMARY KEY (series_id, time)
      )`,
      `CREATE INDEX IF NOT EXISTS telemetry_array_time_brin ON telemetry_array USING brin (time)`,
      // Latest value per series, updated in place; fillfactor 70 leaves room for HOT updates.
      `CREATE TABLE IF NOT EXISTS latest (
        series_id int PRIMARY KEY,
        time timestamptz NOT NULL,
        value double precision
      ) WITH (fillfactor = 70)`,
      `CREATE TABLE IF NOT EXISTS latest_array (
        series_id int PRIMARY KEY,
        time timestamptz NOT NULL,
        value real[]
      ) WITH (fillfactor = 70)`,
      `CREATE TABLE IF NOT EXISTS attribute (
        device text NOT NULL,
        name text NOT NULL,
        value text,
        time timestamptz NOT NULL,
        PRIMARY KEY (device, name)
      )`,
      // One row per poll of one device source and poll group (the data-quality record). The key
      // makes a replayed batch idempotent.
      `CREATE TABLE IF NOT EXISTS poll_log (
        time timestamptz NOT NULL,
        site text NOT NULL,
        device text NOT NULL,
        map text NOT NULL,
        unit_id int NOT NULL,
        poll_group text NOT NULL,
        ok boolean NOT NULL,
        latency_ms real,
        requests int,
        points int,
        error text,
        PRIMARY KEY (device, map, poll_group, time)
      )`,
      `CREATE INDEX IF NOT EXISTS poll_log_site_time_idx ON poll_log (site, time DESC)`,
      `CREATE TABLE IF NOT EXISTS device_quality (
        device text NOT NULL,
        map text NOT NULL,
        poll_group text NOT NULL,
        site text NOT NULL,
        unit_id int,
        polls_ok bigint NOT NULL DEFAULT 0,
        polls_failed bigint NOT NULL DEFAULT 0,
        last_ok_at timestamptz,
        last_error_at timestamptz,
        last_error text,
        last_latency_ms real,
        last_poll_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device, map, poll_group)
      ) WITH (fillfactor = 70)`,
      // Which optional storage features are on (written by migrate()); the API reads it to choose
      // continuous aggregates over raw date_bin queries.
      `CREATE TABLE IF NOT EXISTS store_features (
        name text PRIMARY KEY,
        enabled boolean NOT NULL,
        detail text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE OR REPLACE FUNCTION store_feature(feature text) RETURNS boolean
        LANGUAGE sql STABLE AS $$ SELECT coalesce((SELECT enabled FROM store_features WHERE name = feature), false) $$`,
    ],
  },
  EVENTS_MIGRATION,
  ROLLUP_MIGRATION,
  MAINTENANCE_MIGRATION,
  ROLLUP_REFRESH_MIGRATION,
  ROLLUP_DELTA_MIGRATION,
];
