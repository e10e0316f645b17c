import type { Request, RequestHandler } from 'express';
import { HttpError } from '../errors';
import {
  grafanaIdVerifier,
  IdTokenError,
  JwksUnavailableError,
  type GrafanaIdOptions,
  type GrafanaIdVerifier,
} from './grafanaId';
import type { AccessConfig, Role } from './roles';

/** How the API learns who the Grafana user is. Absent in {@link ApiOptions} = token-only mode. */
export interface IdentityOptions {
  /** Verify `X-Grafana-Id` ID tokens against this Grafana (recommended; Grafana ≥ 11.3 always sends them). */
  grafana?: GrafanaIdOptions;
  /**
   * Accept `X-Grafana-User: <login>` when no ID token is present. Only safe when the API is reachable
   * solely through Grafana's data proxy with `[dataproxy] send_user_header = true` (Grafana then strips
   * client-sent copies). Default false.
   */
  trustUserHeader?: boolean;
  /** Answer 401 to requests that carry no user at all, instead of treating them as anonymous. Default false. */
  requireUser?: boolean;
  /** Who may see what (see `loadAccessConfig`). */
  access: AccessConfig;
}

/** The user behind a request. */
export interface ApiUser {
  login: string;
  /** `jwt` = verified X-Grafana-Id, `header` = trusted X-Grafana-User. */
  source: 'jwt' | 'header';
  /** Grafana typed id (`user:<uid>`), JWT only. */
  sub?: string;
  /** Grafana organisation role (JWT `role` claim), JWT only. */
  grafanaRole?: string;
  name?: string;
  email?: string;
}

/**
 * What a request may see — the reusable answer for every route (query engine, latest values,
 * maintenance API).
 * - `user` null + role `admin` + sites `all`: token-only mode (no identity layer configured; the bearer
 *   token holder is trusted as admin, the plain demo).
 * - `user` null + role null: anonymous (identity configured, no user header) — no sites.
 * - role null with a user: a Grafana user the access file does not grant anything.
 */
export interface Access {
  user: ApiUser | null;
  role: Role | null;
  /** Site codes whose telemetry the request may read; `all` for admins. Empty for partners. */
  sites: ReadonlySet<string> | 'all';
}

const TOKEN_HOLDER: Access = Object.freeze({ user: null, role: 'admin', sites: 'all' }) as Access;
const granted = new WeakMap<Request, Access>();

/**
 * The access of a request, set by {@link identityMiddleware}.
 * @throws Error when the middleware did not run for this request (a wiring bug: fail closed, 500).
 */
export function accessFor(req: Request): Access {
  const a = granted.get(req);
  if (!a) throw new Error('identity middleware not mounted before this route');
  return a;
}

/** Whether the access covers a site's telemetry (never true for partners or anonymous requests). */
export function canSeeSite(access: Access, site: string): boolean {
  if (access.role === 'partner-maintenance') return false;
  return access.sites === 'all' || access.sites.has(site);
}

/**
 * Gate for telemetry routes: partners (no telemetry at all) → 403.
 * @throws HttpError 403
 */
export function assertTelemetryAllowed(access: Access): void {
  if (access.role === 'partner-maintenance')
    throw new HttpError(403, 'role partner-maintenance has no access to telemetry (maintenance pages only)');
}

/**
 * Gate for one site's telemetry: partners and users without a grant for the site → 403.
 * @throws HttpError 403
 */
export function assertSiteVisible(access: Access, site: string): void {
  assertTelemetryAllowed(access);
  if (!canSeeSite(access, site)) throw new HttpError(403, `no access to site ${site}`);
}

/** Resolves a user against the access config: listed user → their grant; else Grafana role map; else default. */
export function resolveAccess(user: ApiUser, config: AccessConfig): Access {
  const grant = config.users.get(user.login.toLowerCase());
  if (grant) {
    if (grant.role === 'admin') return { user, role: 'admin', sites: 'all' };
    if (grant.role === 'partner-maintenance') return { user, role: grant.role, sites: new Set() };
    return { user, role: grant.role, sites: new Set(grant.sites) };
  }
  const byGrafana =
    user.source === 'jwt' && user.grafanaRole
      ? config.grafanaRoles[user.grafanaRole as keyof AccessConfig['grafanaRoles']]
      : undefined;
  if (byGrafana === 'admin') return { user, role: 'admin', sites: 'all' };
  if (byGrafana)
    return { user, role: byGrafana, sites: new Set(byGrafana === 'partner-maintenance' ? [] : config.defaultSites) };
  if (config.defaultRole) return { user, role: config.defaultRole, sites: new Set(config.defaultSites) };
  return { user, role: null, sites: new Set() };
}

/** A login: 1–256 characters, no control characters. */
const validLogin = (s: string): boolean =>
  s.length > 0 && s.length <= 256 && [...s].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);

/**
 * Identity middleware, mounted after `bearerAuth`. Sets the request's {@link Access}:
 * 1. no `opts` (token-only mode): the token holder is admin — the behaviour before identities existed;
 * 2. `X-Grafana-Id` present and `opts.grafana` set: the verified ID token's user; a bad, expired,
 *    wrong-issuer, wrong-audience, wrongly signed or unsigned token → 401 with the reason (the
 *    `X-Grafana-User` header is then ignored); Grafana's keys unreachable → 503;
 * 3. else, with `trustUserHeader`, `X-Grafana-User`;
 * 4. else anonymous (no sites), or 401 when `requireUser`.
 * An `X-Grafana-Id` header is ignored when no Grafana is configured to verify it against.
 */
export function identityMiddleware(opts?: IdentityOptions): RequestHandler {
  if (!opts) {
    return (req, _res, next) => {
      granted.set(req, TOKEN_HOLDER);
      next();
    };
  }
  const verify: GrafanaIdVerifier | undefined = opts.grafana ? grafanaIdVerifier(opts.grafana) : undefined;
  return (req, _res, next) => {
    const idToken = req.get('x-grafana-id');
    if (verify && idToken !== undefined) {
      verify(idToken.trim())
        .then((claims) => {
          const user: ApiUser = { source: 'jwt', ...claims };
          granted.set(req, resolveAccess(user, opts.access));
          next();
        })
        .catch((e: unknown) => {
          if (e instanceof IdTokenError) return next(new HttpError(401, e.message));
          if (e instanceof JwksUnavailableError) return next(new HttpError(503, e.message));
          next(e);
        });
      return;
    }
    const login = opts.trustUserHeader ? req.get('x-grafana-user')?.trim() : undefined;
    if (login !== undefined && login !== '') {
      if (!validLogin(login)) return next(new HttpError(401, 'X-Grafana-User is not a valid login'));
      granted.set(req, resolveAccess({ login, source: 'header' }, opts.access));
      return next();
    }
    if (opts.requireUser) return next(new HttpError(401, 'no Grafana user (X-Grafana-Id) on the request'));
    granted.set(req, { user: null, role: null, sites: new Set() });
    next();
  };
}
