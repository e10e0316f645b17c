import type { Migration } from './schema';

/**
 * Migration 2 (issue 4): the events table — every transition of a status bit (bitfield point of a
 * register map) away from its expected value is an event, raised at the first sample that differs and
 * cleared at the first sample that is back to normal — and the recorder's per-series cursor.
 *
 * Only references tables of migration 1 by name in comments: no foreign keys, so it is independent of the
 * order of the other helpers' migrations (3 rollups, 4 maintenance).
 *
 * - `events_open_uniq` (partial unique index, `WHERE cleared_at IS NULL`): at most one open event per
 *   (device, register, bit) — a restarted collector cannot raise an active fault twice.
 * - `events_raise_uniq`: a replayed transition (same raise time) is stored once.
 * - `event_cursor`: newest telemetry time per bitfield series the recorder has turned into events, so
 *   replays (spool, restart) never process a sample twice.
 */
export const EVENTS_MIGRATION: Migration = {
  version: 2,
  name: 'status-bit events and the event recorder cursor',
  statements: [
    `CREATE TABLE IF NOT EXISTS events (
      id bigserial PRIMARY KEY,
      site text NOT NULL,
      device text NOT NULL,
      map text NOT NULL,
      register text NOT NULL,
      point text NOT NULL,
      bit smallint NOT NULL CHECK (bit BETWEEN 0 AND 31),
      bit_name text NOT NULL,
      description text,
      severity text NOT NULL CHECK (severity IN ('INFO', 'WARNING', 'ALARM')),
      expected smallint NOT NULL CHECK (expected IN (0, 1)),
      raised_at timestamptz NOT NULL,
      cleared_at timestamptz,
      raised_raw double precision,
      cleared_raw double precision,
      CONSTRAINT events_clear_after_raise CHECK (cleared_at IS NULL OR cleared_at >= raised_at)
    )`,
    `CREATE UNIQUE INDEX IF NOT EXISTS events_open_uniq ON events (device, register, bit) WHERE cleared_at IS NULL`,
    `CREATE UNIQUE INDEX IF NOT EXISTS events_raise_uniq ON events (device, register, bit, raised_at)`,
    `CREATE INDEX IF NOT EXISTS events_site_raised_idx ON events (site, raised_at DESC)`,
    `CREATE INDEX IF NOT EXISTS events_device_raised_idx ON events (device, raised_at DESC)`,
    `CREATE INDEX IF NOT EXISTS events_open_idx ON events (site) WHERE cleared_at IS NULL`,
    `CREATE TABLE IF NOT EXISTS event_cursor (
      series_id int PRIMARY KEY,
      time timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  ],
};
