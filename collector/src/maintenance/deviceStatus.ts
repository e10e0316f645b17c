import { Router } from 'express';
import {
  setDeviceStatusSchema,
  siteCodeSchema,
  type DeviceStatus,
  type DeviceStatusChange,
  type OutagePeriod,
} from '@openbess/model';
import type { Pool } from 'pg';
import type { OfflineStatusProvider } from '../api/query';
import { HttpError } from '../api/errors';
import { handle, parse, queryOf, type MaintenanceDeps } from './context';
import { inTransaction, type Db } from './db';
import { assertCan, assertSite, inScope } from './scope';

interface DeviceRow {
  id: string;
  site: string;
  name: string;
  profile: string;
  parent: string;
  block: number | null;
  string: number | null;
  capacity_kwh: number | null;
}

interface EventRow {
  id: string;
  device: string;
  offline: boolean;
  reason: string | null;
  at: Date;
  by: string;
  recorded_at: Date;
  work_order_id: string | null;
}

/** Allowed clock skew for an `at` slightly in the future, ms. */
const FUTURE_SKEW_MS = 60_000;

/** Devices of a site and the latest status event of each (one query each). */
async function siteState(db: Db, site: string): Promise<{ devices: DeviceRow[]; latest: Map<string, EventRow> }> {
  const [d, e] = await Promise.all([
    db.query<DeviceRow>(
      'SELECT id, site, name, profile, parent, block, string, capacity_kwh FROM device WHERE site = $1 ORDER BY id',
      [site]
    ),
    db.query<EventRow>(
      `SELECT DISTINCT ON (device) id, device, offline, reason, at, by, recorded_at, work_order_id
       FROM mnt_device_status WHERE site = $1 ORDER BY device, at DESC, id DESC`,
      [site]
    ),
  ]);
  return { devices: d.rows, latest: new Map(e.rows.map((x) => [x.device, x])) };
}

/** Ancestors of a device inside its site, nearest first (parent chain until the site code). */
function ancestors(id: string, byId: Map<string, DeviceRow>): string[] {
  const out: string[] = [];
  let p = byId.get(id)?.parent;
  while (p && byId.has(p) && !out.includes(p)) {
    out.push(p);
    p = byId.get(p)!.parent;
  }
  return out;
}

/**
 * Effective status of every device of a site: offline when the device itself or any ancestor (a block for its
 * strings, HVAC and safety; the BESS node for its blocks) has an offline mark in force — the cascade of
 * issue 6 §3, computed at read time so that bringing the block back online restores exactly the strings that
 * have no mark of their own.
 */
export async function siteDeviceStatus(db: Db, site: string): Promise<DeviceStatus[]> {
  const { devices, latest } = await siteState(db, site);
  const byId = new Map(devices.map((d) => [d.id, d]));
  return devices.map((d) => {
    const own = latest.get(d.id);
    let mark: EventRow | undefined = own?.offline ? own : undefined;
    let inheritedFrom: string | null = null;
    if (!mark) {
      for (const a of ancestors(d.id, byId)) {
        const e = latest.get(a);
        if (e?.offline) {
          mark = e;
          inheritedFrom = a;
          break;
        }
      }
    }
    return {
      device: d.id,
      site: d.site,
      name: d.name,
      profile: d.profile,
      parent: d.parent,
      block: d.block,
      string: d.string,
      capacityKwh: d.capacity_kwh,
      offline: !!mark,
      reason: mark?.reason ?? null,
      since: mark ? mark.at.toISOString() : null,
      by: mark?.by ?? null,
      inheritedFrom,
      workOrderId: mark?.work_order_id ? Number(mark.work_order_id) : null,
    };
  });
}

/**
 * The query API's hook (collector/src/api/query/context.ts): manual offline status (with cascade) of the
 * devices asked for; devices without a mark are left out.
 */
export function offlineStatusProvider(pool: Pool): OfflineStatusProvider {
  return async (site, devices) => {
    const out = new Map<string, { offline: boolean; reason?: string }>();
    const any = await pool.query('SELECT 1 FROM mnt_device_status WHERE site = $1 LIMIT 1', [site]).catch(() => null);
    if (!any || any.rowCount === 0) return out;
    const wanted = new Set(devices);
    for (const s of await siteDeviceStatus(pool, site))
      if (wanted.has(s.device) && s.offline) out.set(s.device, { offline: true, reason: s.reason ?? undefined });
    return out;
  };
}

/**
 * Offline periods of a site's devices overlapping [from, to): each offline event opens a period that the
 * device's next online event closes (repeated offline events extend it). Open periods have `to` null.
 */
export async function outagePeriods(db: Db, site: string, from: number, to: number): Promise<OutagePeriod[]> {
  const r = await db.query<{ device: string; offline: boolean; at: Date }>(
    `SELECT device, offline, at FROM mnt_device_status WHERE site = $1 AND at < $2 ORDER BY device, at, id`,
    [site, new Date(to)]
  );
  const out: OutagePeriod[] = [];
  let open: OutagePeriod | null = null;
  let dev = '';
  const flush = () => {
    if (open && (open.to === null || open.to > from)) out.push(open);
    open = null;
  };
  for (const e of r.rows) {
    if (e.device !== dev) {
      flush();
      dev = e.device;
    }
    const t = e.at.getTime();
    if (e.offline && !open) open = { device: e.device, from: t, to: null };
    else if (!e.offline && open) {
      open.to = t;
      flush();
    }
  }
  flush();
  return out;
}

interface HistoryRow extends EventRow {
  site: string;
}

const toChange = (e: EventRow): DeviceStatusChange => ({
  id: Number(e.id),
  device: e.device,
  offline: e.offline,
  reason: e.reason,
  at: e.at.toISOString(),
  by: e.by,
  recordedAt: e.recorded_at.toISOString(),
  workOrderId: e.work_order_id ? Number(e.work_order_id) : null,
});

/** Device routes: list with effective status, set status, history. */
export function deviceStatusRoutes(deps: MaintenanceDeps): Router {
  const r = Router();
  const { pool } = deps;

  r.get(
    '/devices',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const raw = queryOf(req).site;
      if (raw === undefined) throw new HttpError(400, 'site: required (query parameter site=FI006)');
      const site = parse(siteCodeSchema, raw, 'site');
      await assertSite(pool, actor, site);
      res.json({ items: await siteDeviceStatus(pool, site) });
    })
  );

  const deviceOf = async (db: Db, id: string) => {
    const d = await db.query<{ site: string }>('SELECT site FROM device WHERE id = $1', [id]);
    if (d.rowCount === 0) throw new HttpError(404, `unknown device ${id.slice(0, 40)}`);
    return d.rows[0].site;
  };

  r.post(
    '/devices/:device/status',
    handle(deps, async (req, res, actor) => {
      const device = String(req.params.device);
      const b = parse(setDeviceStatusSchema, req.body, 'device status');
      assertCan(actor, 'deviceStatus.set');
      const status = await inTransaction(pool, async (c) => {
        const site = await deviceOf(c, device);
        if (!inScope(actor, site)) throw new HttpError(404, `unknown device ${device}`);
        // Serialise status changes of one site (history must stay ordered).
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mnt_device_status:${site}`]);
        const now = Date.now();
        const at = b.at ?? now;
        if (at > now + FUTURE_SKEW_MS) throw new HttpError(400, 'at: must not be in the future');
        const last = await c.query<EventRow>(
          'SELECT * FROM mnt_device_status WHERE device = $1 ORDER BY at DESC, id DESC LIMIT 1',
          [device]
        );
        const prev = last.rows[0];
        if (prev && at < prev.at.getTime())
          throw new HttpError(
            409,
            `at: ${new Date(at).toISOString()} is before the device's last status change (${prev.at.toISOString()}); history is append-only`
          );
        if ((prev?.offline ?? false) === b.offline)
          throw new HttpError(
            409,
            b.offline
              ? `${device} is already marked offline since ${prev!.at.toISOString()} (${prev!.reason ?? ''})`
              : `${device} is not marked offline`
          );
        if (b.workOrderId !== undefined) {
          const w = await c.query('SELECT 1 FROM mnt_work_order WHERE id = $1 AND site = $2', [b.workOrderId, site]);
          if (w.rowCount === 0) throw new HttpError(400, `workOrderId: no work order ${b.workOrderId} at site ${site}`);
        }
        await c.query(
          `INSERT INTO mnt_device_status (device, site, offline, reason, at, by, work_order_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [device, site, b.offline, b.reason || null, new Date(at), actor.name, b.workOrderId ?? null]
        );
        return (await siteDeviceStatus(c, site)).find((s) => s.device === device)!;
      });
      res.json(status);
    })
  );

  r.get(
    '/devices/:device/history',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const device = String(req.params.device);
      const site = await deviceOf(pool, device);
      if (!inScope(actor, site)) throw new HttpError(404, `unknown device ${device}`);
      const { devices } = await siteState(pool, site);
      const chain = [device, ...ancestors(device, new Map(devices.map((d) => [d.id, d])))];
      const rows = await pool.query<HistoryRow>(
        'SELECT * FROM mnt_device_status WHERE device = ANY($1::text[]) ORDER BY at DESC, id DESC LIMIT 1000',
        [chain]
      );
      res.json({ items: rows.rows.map(toChange) });
    })
  );

  return r;
}
