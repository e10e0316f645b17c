import type { Logger } from 'pino';
import { ConfigError } from '@openbess/model';
import { loadAccessConfig, unknownGrantedSites, type IdentityOptions } from '../api/identity';

/**
 * How the collector's API learns who the Grafana user is, as given on the command line or in the
 * environment (see {@link identityFromSettings}).
 */
export interface IdentitySettings {
  /** Access provisioning file (YAML, e.g. collector/config/access.yaml); env `OPENBESS_ACCESS_FILE`. */
  accessFile?: string;
  /** Grafana root URL whose ID tokens (`X-Grafana-Id`) are verified; env `OPENBESS_GRAFANA_URL`. */
  grafanaUrl?: string;
  /** JWKS endpoint, default `<grafanaUrl>/api/signing-keys/keys`; env `OPENBESS_GRAFANA_JWKS_URL`. */
  grafanaJwksUrl?: string;
  /** Grafana organisation id (token audience `org:<id>`), default 1; env `OPENBESS_GRAFANA_ORG_ID`. */
  grafanaOrgId?: number;
  /** Accept `X-Grafana-User` (only behind Grafana's data proxy); env `OPENBESS_TRUST_USER_HEADER=true`. */
  trustUserHeader?: boolean;
  /** 401 for requests without any user; env `OPENBESS_REQUIRE_USER=true`. */
  requireUser?: boolean;
}

/**
 * Parses a boolean environment variable (`true/false`, `1/0`, `yes/no`, case-insensitive).
 * @returns undefined when unset or empty
 * @throws ConfigError naming the variable for any other value
 */
export function boolFromEnv(name: string): boolean | undefined {
  const v = process.env[name]?.trim().toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(`environment ${name}`, '(value)', `expected true or false, got "${process.env[name]}"`);
}

/**
 * The API's identity options from the settings:
 * - no access file → `undefined`: token-only mode (the bearer-token holder is admin, as in the plain demo);
 *   Grafana/user-header settings without an access file are refused, since nobody would get any access;
 * - access file → its users/roles (validated, errors name file and entry), verified Grafana ID tokens when
 *   `grafanaUrl` is set, `X-Grafana-User` when `trustUserHeader`. Grants for site codes no configured
 *   site has are logged as a warning (an operator may provision access before commissioning).
 *
 * @param siteCodes codes of the configured sites (for the unknown-site warning)
 * @throws ConfigError naming the file and entry, or the conflicting settings
 */
export function identityFromSettings(
  s: IdentitySettings,
  siteCodes: string[],
  log?: Logger
): IdentityOptions | undefined {
  if (!s.accessFile) {
    if (s.grafanaUrl || s.trustUserHeader || s.requireUser)
      throw new ConfigError(
        'settings',
        s.grafanaUrl ? '--grafana-url' : s.trustUserHeader ? '--trust-user-header' : '--require-user',
        'needs an access file (--access-file or OPENBESS_ACCESS_FILE) saying who may see what'
      );
    return undefined;
  }
  if (s.grafanaJwksUrl && !s.grafanaUrl)
    throw new ConfigError('settings', '--grafana-jwks-url', 'needs --grafana-url (the ID tokens’ issuer)');
  if (s.grafanaOrgId !== undefined && (!Number.isInteger(s.grafanaOrgId) || s.grafanaOrgId < 1))
    throw new ConfigError('settings', '--grafana-org-id', `expected a positive integer, got ${s.grafanaOrgId}`);
  const access = loadAccessConfig(s.accessFile);
  for (const u of unknownGrantedSites(access, siteCodes))
    log?.warn({ file: s.accessFile, grant: u }, 'access file grants a site the config does not have');
  return {
    access,
    ...(s.grafanaUrl
      ? {
          grafana: {
            grafanaUrl: s.grafanaUrl,
            ...(s.grafanaJwksUrl ? { jwksUrl: s.grafanaJwksUrl } : {}),
            ...(s.grafanaOrgId !== undefined ? { orgId: s.grafanaOrgId } : {}),
          },
        }
      : {}),
    trustUserHeader: s.trustUserHeader ?? false,
    requireUser: s.requireUser ?? false,
  };
}
