import {
  transitionsFor,
  type Priority,
  type WorkOrder,
  type WorkOrderResponse,
  type WorkOrderSource,
  type WorkOrderStatus,
} from '@openbess/model';
import { HttpError } from '../api/errors';
import type { Db } from './db';
import type { Actor } from './scope';
import { scopeParam } from './scope';

/** Columns of a work order as selected by {@link WO_SELECT}. */
export interface WorkOrderRow {
  id: string;
  site: string;
  title: string;
  category_id: number | null;
  category: string | null;
  priority: Priority;
  devices: string[];
  assignees: string[];
  due_date: string | null;
  description: string;
  report: string;
  status: WorkOrderStatus;
  version: number;
  source: WorkOrderSource | null;
  created_by: string;
  created_at: Date;
  updated_by: string;
  updated_at: Date;
}

/** SELECT list + FROM of one work order with its category name (alias `w`). */
export const WO_SELECT = `SELECT w.id, w.site, w.title, w.category_id, c.name AS category, w.priority, w.devices,
  w.assignees, w.due_date::text AS due_date, w.description, w.report, w.status, w.version, w.source, w.created_by,
  w.created_at, w.updated_by, w.updated_at
  FROM mnt_work_order w LEFT JOIN mnt_category c ON c.id = w.category_id`;

/** Maps a row to the API record. */
export function toWorkOrder(r: WorkOrderRow): WorkOrder {
  return {
    id: Number(r.id),
    site: r.site,
    title: r.title,
    categoryId: r.category_id,
    category: r.category,
    priority: r.priority,
    devices: r.devices,
    assignees: r.assignees,
    dueDate: r.due_date,
    description: r.description,
    report: r.report,
    status: r.status,
    version: r.version,
    source: r.source,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedBy: r.updated_by,
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The API answer for a work order: the record plus the transitions the actor may take. */
export function withTransitions(wo: WorkOrder, actor: Actor): WorkOrderResponse {
  return { ...wo, allowedTransitions: transitionsFor(wo.status, actor.role) };
}

/**
 * Loads a work order the actor may see.
 * @param lock `FOR UPDATE` (inside a transaction) before an edit
 * @throws HttpError 404 when it does not exist or is outside the actor's sites (existence is not revealed)
 */
export async function loadWorkOrder(db: Db, actor: Actor, id: number, lock = false): Promise<WorkOrder> {
  const r = await db.query<WorkOrderRow>(
    `${WO_SELECT} WHERE w.id = $1 AND ($2::text[] IS NULL OR w.site = ANY($2))${lock ? ' FOR UPDATE OF w' : ''}`,
    [id, scopeParam(actor)]
  );
  if (r.rowCount === 0) throw new HttpError(404, `unknown work order ${id}`);
  return toWorkOrder(r.rows[0]);
}

/**
 * Checks devices belong to the site.
 * @throws HttpError 400 naming the first device that does not
 */
export async function assertDevicesOfSite(db: Db, site: string, devices: string[]): Promise<void> {
  if (devices.length === 0) return;
  const r = await db.query<{ id: string }>('SELECT id FROM device WHERE site = $1 AND id = ANY($2::text[])', [
    site,
    devices,
  ]);
  const known = new Set(r.rows.map((x) => x.id));
  const bad = devices.find((d) => !known.has(d));
  if (bad) throw new HttpError(400, `devices: ${bad} is not a device of site ${site}`);
}

/**
 * Checks assignees are members of the site's team.
 * @throws HttpError 400 naming the first login that is not
 */
export async function assertTeamMembers(db: Db, site: string, logins: string[]): Promise<void> {
  if (logins.length === 0) return;
  const r = await db.query<{ login: string }>('SELECT login FROM mnt_team WHERE site = $1 AND login = ANY($2)', [
    site,
    logins,
  ]);
  const known = new Set(r.rows.map((x) => x.login));
  const bad = logins.find((l) => !known.has(l));
  if (bad) throw new HttpError(400, `assignees: ${bad} is not a member of the ${site} maintenance team`);
}

/**
 * Checks a category id exists.
 * @throws HttpError 400
 */
export async function assertCategory(db: Db, id: number | null | undefined): Promise<void> {
  if (id === null || id === undefined) return;
  const r = await db.query('SELECT 1 FROM mnt_category WHERE id = $1', [id]);
  if (r.rowCount === 0) throw new HttpError(400, `categoryId: no category ${id}`);
}

/** Unique values in first-seen order. */
export const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
