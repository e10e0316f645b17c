import { Router } from 'express';
import {
  addTeamMemberSchema,
  categorySchema,
  listUsersQuerySchema,
  permissionsOf,
  siteCodeSchema,
  type Category,
  type MaintenanceMe,
  type MaintenanceRole,
  type TeamMember,
  type UserListResponse,
  type UserSummary,
} from '@openbess/model';
import { HttpError } from '../api/errors';
import { handle, idParam, parse, queryOf, type MaintenanceDeps } from './context';
import { assertCan, assertSite, loginMaySeeSite, scopeParam } from './scope';

interface TeamRow {
  site: string;
  login: string;
  name: string | null;
  email: string | null;
  team_role: string | null;
  company: string | null;
  added_by: string;
  added_at: Date;
}

const toMember = (r: TeamRow): TeamMember => ({
  site: r.site,
  login: r.login,
  name: r.name,
  email: r.email,
  teamRole: r.team_role,
  company: r.company,
  addedBy: r.added_by,
  addedAt: r.added_at.toISOString(),
});

/** A Grafana org user as `/api/org/users` answers. */
interface GrafanaOrgUser {
  login: string;
  name?: string;
  email?: string;
}

/** Cache of Grafana's user list: the picker polls it often; users change rarely. */
const GRAFANA_CACHE_MS = 60_000;

/** Team roster, user picker, categories, `me` and `sites` routes. */
export function teamRoutes(deps: MaintenanceDeps): Router {
  const r = Router();
  const { pool } = deps;
  let grafanaCache: { at: number; users: GrafanaOrgUser[] } | null = null;

  /** Grafana's org users with the configured service-account token; null when not configured or failing. */
  const grafanaUsers = async (): Promise<GrafanaOrgUser[] | null> => {
    const g = deps.config.grafana;
    if (!g) return null;
    if (grafanaCache && Date.now() - grafanaCache.at < GRAFANA_CACHE_MS) return grafanaCache.users;
    try {
      const resp = await fetch(`${g.url.replace(/\/+$/, '')}/api/org/users`, {
        headers: { authorization: `Bearer ${g.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(5000),
      });
      if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
      const body = (await resp.json()) as GrafanaOrgUser[];
      const users = Array.isArray(body) ? body.filter((u) => typeof u?.login === 'string') : [];
      grafanaCache = { at: Date.now(), users };
      return users;
    } catch (e) {
      deps.logger.warn({ err: (e as Error).message }, 'Grafana user API failed; user picker falls back to local users');
      return null;
    }
  };

  r.get(
    '/me',
    handle(deps, async (_req, res, actor) => {
      let sites: string[];
      if (actor.sites === 'all')
        sites = (await pool.query<{ code: string }>('SELECT code FROM site ORDER BY code')).rows.map((x) => x.code);
      else sites = [...actor.sites].sort();
      const body: MaintenanceMe = {
        login: actor.login,
        role: actor.role,
        sites,
        permissions: permissionsOf(actor.role),
      };
      res.json(body);
    })
  );

  r.get(
    '/sites',
    handle(deps, async (_req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const rows = await pool.query<{ code: string; name: string }>(
        'SELECT code, name FROM site WHERE ($1::text[] IS NULL OR code = ANY($1)) ORDER BY code',
        [scopeParam(actor)]
      );
      res.json({ items: rows.rows });
    })
  );

  r.get(
    '/team',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const raw = queryOf(req).site;
      const site = raw === undefined ? undefined : parse(siteCodeSchema, raw, 'site');
      if (site) await assertSite(pool, actor, site);
      const rows = await pool.query<TeamRow>(
        `SELECT * FROM mnt_team WHERE ($1::text[] IS NULL OR site = ANY($1)) AND ($2::text IS NULL OR site = $2)
         ORDER BY site, login`,
        [scopeParam(actor), site ?? null]
      );
      res.json({ items: rows.rows.map(toMember) });
    })
  );

  r.post(
    '/team',
    handle(deps, async (req, res, actor) => {
      const b = parse(addTeamMemberSchema, req.body, 'team member');
      assertCan(actor, 'team.manage');
      await assertSite(pool, actor, b.site);
      const row = await pool.query<TeamRow>(
        `INSERT INTO mnt_team (site, login, name, email, team_role, company, added_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (site, login) DO NOTHING RETURNING *`,
        [
          b.site,
          b.login.toLowerCase(),
          b.name ?? null,
          b.email ?? null,
          b.teamRole ?? null,
          b.company ?? null,
          actor.name,
        ]
      );
      if (row.rowCount === 0) throw new HttpError(409, `${b.login} is already on the ${b.site} team`);
      res.status(201).json(toMember(row.rows[0]));
    })
  );

  r.delete(
    '/team/:site/:login',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'team.manage');
      const site = parse(siteCodeSchema, req.params.site, 'site');
      const login = String(req.params.login).toLowerCase();
      await assertSite(pool, actor, site);
      const del = await pool.query('DELETE FROM mnt_team WHERE site = $1 AND login = $2', [site, login]);
      if (del.rowCount === 0) throw new HttpError(404, `${login} is not on the ${site} team`);
      res.status(204).end();
    })
  );

  r.get(
    '/users',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const q = parse(listUsersQuerySchema, queryOf(req), 'user query');
      if (q.site) await assertSite(pool, actor, q.site);
      const byLogin = new Map<string, UserSummary>();
      const roleOf = (login: string): MaintenanceRole | null => deps.access?.users.get(login)?.role ?? null;
      const add = (u: UserSummary) => {
        const prev = byLogin.get(u.login);
        byLogin.set(u.login, {
          login: u.login,
          name: prev?.name ?? u.name,
          email: prev?.email ?? u.email,
          role: prev?.role ?? u.role,
        });
      };
      const fromGrafana = await grafanaUsers();
      if (fromGrafana) {
        for (const u of fromGrafana) {
          const login = u.login.toLowerCase();
          add({ login, name: u.name || null, email: u.email || null, role: roleOf(login) });
        }
      } else {
        for (const [login, g] of deps.access?.users ?? []) add({ login, name: null, email: null, role: g.role });
      }
      const team = await pool.query<TeamRow>(
        'SELECT * FROM mnt_team WHERE ($1::text[] IS NULL OR site = ANY($1)) ORDER BY login',
        [scopeParam(actor)]
      );
      for (const t of team.rows) add({ login: t.login, name: t.name, email: t.email, role: roleOf(t.login) });
      let items = [...byLogin.values()];
      if (q.site) {
        const site = q.site;
        const keep = await Promise.all(items.map((u) => loginMaySeeSite(pool, deps.access, u.login, site)));
        items = items.filter((_, i) => keep[i]);
      }
      const needle = q.q?.trim().toLowerCase();
      if (needle)
        items = items.filter((u) =>
          [u.login, u.name ?? '', u.email ?? ''].some((s) => s.toLowerCase().includes(needle))
        );
      items.sort((a, b) => a.login.localeCompare(b.login));
      const body: UserListResponse = { items, source: fromGrafana ? 'grafana' : 'local' };
      res.json(body);
    })
  );

  r.get(
    '/categories',
    handle(deps, async (_req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const rows = await pool.query<Category>('SELECT id, name FROM mnt_category ORDER BY name');
      res.json({ items: rows.rows });
    })
  );

  const uniqueName = (e: unknown, name: string): never => {
    if ((e as { code?: string }).code === '23505') throw new HttpError(409, `a category named "${name}" exists`);
    throw e;
  };

  r.post(
    '/categories',
    handle(deps, async (req, res, actor) => {
      const b = parse(categorySchema, req.body, 'category');
      assertCan(actor, 'category.manage');
      const row = await pool
        .query<Category>('INSERT INTO mnt_category (name) VALUES ($1) RETURNING id, name', [b.name])
        .catch((e: unknown) => uniqueName(e, b.name));
      res.status(201).json(row.rows[0]);
    })
  );

  r.patch(
    '/categories/:id',
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const b = parse(categorySchema, req.body, 'category');
      assertCan(actor, 'category.manage');
      const row = await pool
        .query<Category>('UPDATE mnt_category SET name = $2 WHERE id = $1 RETURNING id, name', [id, b.name])
        .catch((e: unknown) => uniqueName(e, b.name));
      if (row.rowCount === 0) throw new HttpError(404, `unknown category ${id}`);
      res.json(row.rows[0]);
    })
  );

  return r;
}
