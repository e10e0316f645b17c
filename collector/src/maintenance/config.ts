import { DEFAULT_AVAILABILITY_TARGET_PCT, DEFAULT_MAX_ATTACHMENT_BYTES } from '@openbess/model';

/**
 * Settings of the maintenance API. Read from the environment by {@link maintenanceConfigFromEnv} unless the
 * caller of `createApiApp` passes them (`ApiOptions.maintenance`).
 */
export interface MaintenanceConfig {
  /** Largest attachment, bytes. Env `OPENBESS_MAX_ATTACHMENT_BYTES`; default 25 MB. */
  maxAttachmentBytes: number;
  /** Contract availability target, percent. Env `OPENBESS_AVAILABILITY_TARGET_PCT`; default 98. */
  availabilityTargetPct: number;
  /**
   * Grafana's user API for the user picker: `GRAFANA_URL` + `GRAFANA_SERVICE_ACCOUNT_TOKEN` (a service account
   * with `org.users:read`, e.g. role Admin). Without it the picker lists the users of the access file and the
   * team rosters (the API cannot call Grafana on the user's behalf: the plugin proxy forwards only an ID token).
   */
  grafana?: { url: string; token: string };
}

/**
 * Builds the config from environment variables (names in {@link MaintenanceConfig}).
 * @throws Error naming the variable when a value is not a number in range.
 */
export function maintenanceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MaintenanceConfig {
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return dflt;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${name}=${raw}: must be a number ${min}..${max}`);
    return v;
  };
  const url = env.GRAFANA_URL?.trim();
  const token = env.GRAFANA_SERVICE_ACCOUNT_TOKEN?.trim();
  return {
    maxAttachmentBytes: Math.round(num('OPENBESS_MAX_ATTACHMENT_BYTES', DEFAULT_MAX_ATTACHMENT_BYTES, 1, 1 << 30)),
    availabilityTargetPct: num('OPENBESS_AVAILABILITY_TARGET_PCT', DEFAULT_AVAILABILITY_TARGET_PCT, 0, 100),
    grafana: url && token ? { url, token } : undefined,
  };
}
