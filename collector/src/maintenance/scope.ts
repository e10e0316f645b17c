import type { Request } from 'express';
import { can, type MaintenanceAction, type MaintenanceRole } from '@openbess/model';
import { HttpError } from '../api/errors';
import { accessFor, type Access, type AccessConfig } from '../api/identity';
import type { Db } from './db';

/** Who acts in a maintenance request and where. */
export interface Actor {
  /** Lower-cased Grafana login; null in token-only mode and for anonymous requests. */
  login: string | null;
  /** Name recorded in audit rows: the login, `api-token` (token-only mode) or `anonymous`. */
  name: string;
  role: MaintenanceRole | null;
  /** Sites whose work orders the actor may see: `all` (admins) or a set. */
  sites: ReadonlySet<string> | 'all';
  access: Access;
}

/**
 * Maintenance site scope (issue 6 §6): admins see every site; viewers and users their granted sites plus the
 * sites whose team lists them; partners only the sites whose team lists them (never through site codes).
 */
export async function maintenanceSites(db: Db, access: Access): Promise<ReadonlySet<string> | 'all'> {
  if (access.role === 'admin') return 'all';
  if (!access.role || !access.user) return new Set();
  const r = await db.query<{ site: string }>('SELECT site FROM mnt_team WHERE login = $1', [
    access.user.login.toLowerCase(),
  ]);
  const out = new Set<string>(access.role === 'partner-maintenance' || access.sites === 'all' ? [] : access.sites);
  for (const x of r.rows) out.add(x.site);
  return out;
}

/** Builds the {@link Actor} of a request (identity middleware must have run). */
export async function actorOf(db: Db, req: Request): Promise<Actor> {
  const access = accessFor(req);
  const login = access.user ? access.user.login.toLowerCase() : null;
  return {
    login,
    name: login ?? (access.role === 'admin' ? 'api-token' : 'anonymous'),
    role: access.role,
    sites: await maintenanceSites(db, access),
    access,
  };
}

const ACTION_TEXT: Record<MaintenanceAction, string> = {
  'workOrder.view': 'view work orders',
  'workOrder.createRequest': 'create work-order requests',
  'workOrder.createDraft': 'create work orders as DRAFT',
  'workOrder.edit': 'edit work orders',
  'comment.create': 'comment',
  'task.manage': 'manage tasks',
  'attachment.upload': 'upload files',
  'attachment.deleteOwn': 'delete files',
  'attachment.deleteAny': "delete other users' files",
  'workOrder.assign': 'assign team members',
  'team.manage': 'manage the team list',
  'category.manage': 'manage categories',
  'notification.view': 'view notifications',
  'deviceStatus.set': 'set device status',
  'availability.view': 'view availability',
};

/**
 * Checks the role × action table.
 * @throws HttpError 403 naming the role and the action
 */
export function assertCan(actor: Actor, action: MaintenanceAction): void {
  if (!can(actor.role, action))
    throw new HttpError(403, `role ${actor.role ?? '(none)'} may not ${ACTION_TEXT[action]}`);
}

/** Whether the actor's scope covers a site. */
export function inScope(actor: Actor, site: string): boolean {
  return actor.sites === 'all' || actor.sites.has(site);
}

/** Site codes of the scope for SQL `($n::text[] IS NULL OR site = ANY($n))`; null = all. */
export function scopeParam(actor: Actor): string[] | null {
  return actor.sites === 'all' ? null : [...actor.sites];
}

/**
 * Checks that a site named in a request exists and is in scope.
 * @throws HttpError 404 unknown site, 403 out of scope
 */
export async function assertSite(db: Db, actor: Actor, site: string): Promise<void> {
  const r = await db.query('SELECT 1 FROM site WHERE code = $1', [site]);
  if (r.rowCount === 0) throw new HttpError(404, `unknown site ${site}`);
  if (!inScope(actor, site)) throw new HttpError(403, `no access to site ${site}`);
}

/**
 * Whether a login (lower-cased) may see a site's work orders — decides who may be notified or mentioned.
 * Without an access config (token-only mode) everyone may.
 */
export async function loginMaySeeSite(
  db: Db,
  config: AccessConfig | undefined,
  login: string,
  site: string
): Promise<boolean> {
  if (!config) return true;
  const r = await db.query('SELECT 1 FROM mnt_team WHERE site = $1 AND login = $2', [site, login]);
  if ((r.rowCount ?? 0) > 0) return true;
  const g = config.users.get(login);
  if (g) return g.role === 'admin' || (g.role !== 'partner-maintenance' && g.sites.includes(site));
  return (
    config.defaultRole !== null && config.defaultRole !== 'partner-maintenance' && config.defaultSites.includes(site)
  );
}
