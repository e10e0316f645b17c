import type { Migration } from '../store/schema';

/**
 * Schema version 4: the maintenance app (issue 6). References only version-1 tables (`site`, `device`) and
 * its own, so it is independent of the other helpers' migrations. Logins are stored lower-cased (Grafana
 * logins are case-insensitive). Tables:
 * - `mnt_category`: renameable work-order categories (seeded);
 * - `mnt_work_order`: work orders with an optimistic-locking `version`;
 * - `mnt_audit`: one row per changed field (who, when, field, old → new as JSON);
 * - `mnt_task`, `mnt_comment`: checklist and thread;
 * - `mnt_blob` (content-addressed by SHA-256, bytea) and `mnt_attachment` (metadata referring to a blob);
 * - `mnt_device_status`: device offline/online events (history; current status = latest event);
 * - `mnt_team`: per-site roster; `mnt_notification`: per-user notifications.
 */
export const MAINTENANCE_MIGRATION: Migration = {
  version: 4,
  name: 'maintenance: work orders, audit, tasks, comments, attachments, device status, team, notifications',
  statements: [
    `CREATE TABLE IF NOT EXISTS mnt_category (
      id serial PRIMARY KEY,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE UNIQUE INDEX IF NOT EXISTS mnt_category_name_idx ON mnt_category (lower(name))`,
    `INSERT INTO mnt_category (name) VALUES ('Corrective'), ('Preventive'), ('Inspection'), ('Safety'),
      ('Communication') ON CONFLICT DO NOTHING`,
    `CREATE TABLE IF NOT EXISTS mnt_work_order (
      id bigserial PRIMARY KEY,
      site text NOT NULL REFERENCES site(code),
      title text NOT NULL,
      category_id int REFERENCES mnt_category(id),
      priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
      devices text[] NOT NULL DEFAULT '{}',
      assignees text[] NOT NULL DEFAULT '{}',
      due_date date,
      description text NOT NULL DEFAULT '',
      report text NOT NULL DEFAULT '',
      status text NOT NULL CHECK (status IN ('REQUEST', 'DRAFT', 'ACTIVE', 'IN_PROGRESS', 'DONE', 'CLOSED', 'CANCELLED')),
      version int NOT NULL DEFAULT 1,
      source jsonb,
      -- Lower-cased plain text of title, description, report and devices, maintained by the API (search).
      search text NOT NULL DEFAULT '',
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_by text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    // The list's filters (site scope, status, priority) in its default order (updated_at DESC): index-only scans
    // find the page and the total without reading the wide rows.
    `CREATE INDEX IF NOT EXISTS mnt_work_order_status_idx ON mnt_work_order (status, updated_at DESC, id)
      INCLUDE (site, priority, due_date)`,
    `CREATE INDEX IF NOT EXISTS mnt_work_order_site_idx ON mnt_work_order (site, updated_at DESC, id)
      INCLUDE (status, priority, due_date)`,
    `CREATE INDEX IF NOT EXISTS mnt_work_order_updated_idx ON mnt_work_order (updated_at DESC, id)`,
    // Substring search over 10,000s of work orders: a trigram index where pg_trgm exists (PostgreSQL contrib,
    // a trusted extension); elsewhere (PGlite) the search column is scanned.
    `DO $$ BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX IF NOT EXISTS mnt_work_order_search_trgm ON mnt_work_order USING gin (search gin_trgm_ops);
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm unavailable (%): work-order search scans', SQLERRM;
    END $$`,
    `CREATE INDEX IF NOT EXISTS mnt_work_order_event_idx ON mnt_work_order ((source->>'eventId'))`,
    `CREATE TABLE IF NOT EXISTS mnt_audit (
      id bigserial PRIMARY KEY,
      work_order_id bigint NOT NULL REFERENCES mnt_work_order(id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      by text NOT NULL,
      field text NOT NULL,
      old jsonb,
      new jsonb
    )`,
    `CREATE INDEX IF NOT EXISTS mnt_audit_wo_idx ON mnt_audit (work_order_id, id)`,
    `CREATE TABLE IF NOT EXISTS mnt_task (
      id bigserial PRIMARY KEY,
      work_order_id bigint NOT NULL REFERENCES mnt_work_order(id) ON DELETE CASCADE,
      title text NOT NULL,
      done boolean NOT NULL DEFAULT false,
      done_by text,
      done_at timestamptz,
      position int NOT NULL DEFAULT 0,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS mnt_task_wo_idx ON mnt_task (work_order_id)`,
    `CREATE TABLE IF NOT EXISTS mnt_comment (
      id bigserial PRIMARY KEY,
      work_order_id bigint NOT NULL REFERENCES mnt_work_order(id) ON DELETE CASCADE,
      author text NOT NULL,
      body text NOT NULL,
      mentions text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS mnt_comment_wo_idx ON mnt_comment (work_order_id, id)`,
    `CREATE TABLE IF NOT EXISTS mnt_blob (
      sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      size bigint NOT NULL,
      data bytea NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS mnt_attachment (
      id bigserial PRIMARY KEY,
      work_order_id bigint NOT NULL REFERENCES mnt_work_order(id) ON DELETE CASCADE,
      name text NOT NULL,
      media_type text NOT NULL,
      size bigint NOT NULL,
      sha256 text NOT NULL REFERENCES mnt_blob(sha256),
      uploaded_by text NOT NULL,
      uploaded_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS mnt_attachment_wo_idx ON mnt_attachment (work_order_id)`,
    `CREATE INDEX IF NOT EXISTS mnt_attachment_blob_idx ON mnt_attachment (sha256)`,
    `CREATE TABLE IF NOT EXISTS mnt_device_status (
      id bigserial PRIMARY KEY,
      device text NOT NULL REFERENCES device(id),
      site text NOT NULL REFERENCES site(code),
      offline boolean NOT NULL,
      reason text,
      at timestamptz NOT NULL,
      by text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      work_order_id bigint REFERENCES mnt_work_order(id) ON DELETE SET NULL
    )`,
    `CREATE INDEX IF NOT EXISTS mnt_device_status_device_idx ON mnt_device_status (device, at, id)`,
    `CREATE INDEX IF NOT EXISTS mnt_device_status_site_idx ON mnt_device_status (site, at)`,
    `CREATE TABLE IF NOT EXISTS mnt_team (
      site text NOT NULL REFERENCES site(code),
      login text NOT NULL CHECK (login = lower(login)),
      name text,
      email text,
      team_role text,
      company text,
      added_by text NOT NULL,
      added_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site, login)
    )`,
    `CREATE INDEX IF NOT EXISTS mnt_team_login_idx ON mnt_team (login)`,
    `CREATE TABLE IF NOT EXISTS mnt_notification (
      id bigserial PRIMARY KEY,
      recipient text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('assignment', 'status', 'mention')),
      work_order_id bigint NOT NULL REFERENCES mnt_work_order(id) ON DELETE CASCADE,
      site text NOT NULL,
      title text NOT NULL,
      message text NOT NULL,
      actor text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      read_at timestamptz
    )`,
    `CREATE INDEX IF NOT EXISTS mnt_notification_recipient_idx ON mnt_notification (recipient, id DESC)`,
    `CREATE INDEX IF NOT EXISTS mnt_notification_unread_idx ON mnt_notification (recipient) WHERE read_at IS NULL`,
  ],
};
