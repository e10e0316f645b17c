import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import pino, { type Logger } from 'pino';
import { ConfigError, loadRegisterMaps, loadSitesConfig, type RegisterMap, type SiteConfig } from '@openbess/model';

/** Repository root (collector/src/cli → ../../..). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** Default site config of the demo. */
export const DEFAULT_CONFIG = join(REPO_ROOT, 'collector', 'config', 'demo.yaml');
/** Default register-map directory. */
export const DEFAULT_MAPS = join(REPO_ROOT, 'model', 'maps');
/**
 * State directory of the embedded database, the spool and the demo's logs: `OPENBESS_STATE_DIR`, else
 * `.openbess/` at the repository root (git-ignored). One demo per state directory (PGlite and the spool
 * each allow one process).
 */
export const STATE_DIR = process.env.OPENBESS_STATE_DIR
  ? resolve(process.env.OPENBESS_STATE_DIR)
  : join(REPO_ROOT, '.openbess');

/**
 * Loads the maps and the site config; on a ConfigError prints the message (file and entry) and exits
 * with code 2 — a broken map or site config fails at start, never half-way.
 */
export function loadConfigOrExit(
  configFile: string,
  mapsDir: string,
  log?: Logger
): {
  sites: SiteConfig[];
  maps: Map<string, RegisterMap>;
} {
  try {
    const maps = loadRegisterMaps(mapsDir);
    const sites = loadSitesConfig(configFile, maps);
    return { sites, maps };
  } catch (e) {
    const msg =
      e instanceof ConfigError
        ? `configuration error: ${e.message}`
        : `cannot load configuration: ${(e as Error).message}`;
    if (log) log.fatal(msg);
    process.stderr.write(`${msg}\n`);
    process.exit(2);
  }
}

/** The API token from OPENBESS_API_TOKEN, or a new random one (`generated` says which). */
export function apiToken(): { token: string; generated: boolean } {
  const t = process.env.OPENBESS_API_TOKEN;
  if (t && t.trim()) return { token: t.trim(), generated: false };
  return { token: randomBytes(24).toString('base64url'), generated: true };
}

/** Parses a TCP port from an environment variable. @throws Error naming the variable. */
export function portFromEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${v} is not a TCP port (0-65535)`);
  return n;
}

/** A pino logger (JSON to stderr, level from LOG_LEVEL, default info). */
export function createLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
}

/** Runs `stop` once on SIGTERM/SIGINT, then exits 0 (1 when stopping failed). */
export function onShutdown(stop: () => Promise<void>, log: Logger): void {
  let done = false;
  const handler = (sig: string) => {
    if (done) return;
    done = true;
    log.info({ signal: sig }, 'stopping');
    stop().then(
      () => process.exit(0),
      (e) => {
        log.error({ err: (e as Error).message }, 'stop failed');
        process.exit(1);
      }
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

/**
 * Command-line parser of an ISO 8601 instant (`--start-time`) → epoch ms.
 * @throws InvalidArgumentError naming the expected form
 */
export function instant(v: string): number {
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(ms))
    throw new InvalidArgumentError(`expected an ISO 8601 time such as 2026-01-15T17:00:00Z, got "${v}"`);
  return ms;
}
