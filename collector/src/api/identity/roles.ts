import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, configErrorFromZod, SITE_CODE } from '@openbess/model';

/**
 * API roles (issue 3 §2, issue 6 §6):
 * - `viewer`: reads telemetry of granted sites; in maintenance may only file REQUESTs.
 * - `user`: reads telemetry of granted sites; edits work orders.
 * - `admin`: every site, every action.
 * - `partner-maintenance`: an external maintenance partner; reaches sites only through maintenance team
 *   membership (issue 6), never through site codes, and gets no telemetry at all (403 on `/api/query`).
 */
export const ROLES = ['viewer', 'user', 'admin', 'partner-maintenance'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Grafana organisation roles as carried by the ID token's `role` claim. */
export const GRAFANA_ORG_ROLES = ['Viewer', 'Editor', 'Admin'] as const;

const siteCode = z.string().regex(SITE_CODE, 'site codes are two capital letters and three digits, e.g. FI006');

const userSchema = z
  .object({
    role: z.enum(ROLES),
    /** Site codes the user may see (viewer/user only). */
    sites: z.array(siteCode).optional(),
  })
  .strict()
  .superRefine((u, ctx) => {
    if (u.role === 'admin' && u.sites !== undefined)
      ctx.addIssue({ code: 'custom', path: ['sites'], message: 'admins see every site; remove `sites`' });
    if (u.role === 'partner-maintenance' && u.sites !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['sites'],
        message: 'partners reach sites through maintenance team membership, not site codes; remove `sites`',
      });
  });

/** The provisioning file (e.g. collector/config/access.yaml) as validated. */
export const accessFileSchema = z
  .object({
    /** Role of Grafana users not listed under `users` (`none` = no access, the default). */
    defaultRole: z.enum(['none', 'viewer', 'user']).default('none'),
    /** Sites the default role sees. */
    defaultSites: z.array(siteCode).default([]),
    /**
     * Optional role for unlisted users by their Grafana organisation role. Read only from a verified
     * `X-Grafana-Id` token (the `role` claim is signed), never from `X-Grafana-User`.
     */
    grafanaRoles: z.partialRecord(z.enum(GRAFANA_ORG_ROLES), z.enum(ROLES)).default({}),
    /** Users by Grafana login (matched case-insensitively, like Grafana's own login lookup). */
    users: z.record(z.string().min(1).max(256), userSchema).default({}),
  })
  .strict();

/** A user's grant. `sites` is empty for admins (they see all) and partners (no telemetry). */
export interface UserGrant {
  role: Role;
  sites: string[];
}

/** The validated access configuration the identity middleware resolves users against. */
export interface AccessConfig {
  defaultRole: Role | null;
  defaultSites: string[];
  grafanaRoles: Partial<Record<(typeof GRAFANA_ORG_ROLES)[number], Role>>;
  /** Keyed by lower-cased login. */
  users: Map<string, UserGrant>;
}

/**
 * Validates a parsed access document.
 * @param file named in errors.
 * @throws ConfigError naming the file and the entry (e.g. `users.alice.sites[0]`), also for two logins
 *   that differ only in case.
 */
export function parseAccessConfig(data: unknown, file: string): AccessConfig {
  const parsed = accessFileSchema.safeParse(data ?? {});
  if (!parsed.success) throw configErrorFromZod(file, parsed.error, data);
  const users = new Map<string, UserGrant>();
  for (const [login, u] of Object.entries(parsed.data.users)) {
    const key = login.toLowerCase();
    if (users.has(key))
      throw new ConfigError(file, `users.${login}`, 'login listed twice (logins are case-insensitive)');
    users.set(key, { role: u.role, sites: u.sites ?? [] });
  }
  return {
    defaultRole: parsed.data.defaultRole === 'none' ? null : parsed.data.defaultRole,
    defaultSites: parsed.data.defaultRole === 'none' ? [] : parsed.data.defaultSites,
    grafanaRoles: parsed.data.grafanaRoles,
    users,
  };
}

/**
 * Reads and validates an access provisioning file (YAML or JSON).
 * @throws ConfigError naming the file and the entry.
 */
export function loadAccessConfig(file: string): AccessConfig {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, '(file)', (e as Error).message.split('\n')[0]);
  }
  return parseAccessConfig(data, file);
}

/**
 * Site codes granted in the access config that no configured site has (typos, decommissioned sites).
 * Not an error — an operator may provision access before a site is commissioned — but worth a warning.
 * @returns `where: code` strings, e.g. `users.alice.sites: FI007`.
 */
export function unknownGrantedSites(config: AccessConfig, knownSites: Iterable<string>): string[] {
  const known = new Set(knownSites);
  const out: string[] = [];
  for (const s of config.defaultSites) if (!known.has(s)) out.push(`defaultSites: ${s}`);
  for (const [login, u] of config.users)
    for (const s of u.sites) if (!known.has(s)) out.push(`users.${login}.sites: ${s}`);
  return out;
}
