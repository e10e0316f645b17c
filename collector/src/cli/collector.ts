/**
 * `npm run collector -- --config collector/config/demo.yaml`: the collector service (poller, ingest,
 * store, API) against DATABASE_URL.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '@openbess/model';
import type { IdentityOptions } from '../api/identity';
import { startCollectorService } from '../service';
import {
  apiToken,
  createLogger,
  DEFAULT_CONFIG,
  DEFAULT_MAPS,
  loadConfigOrExit,
  onShutdown,
  portFromEnv,
  STATE_DIR,
} from './common';
import { boolFromEnv, identityFromSettings } from './identity';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};

async function main(): Promise<void> {
  const program = new Command('openbess-collector')
    .description('Polls BESS sites over Modbus TCP by register map into PostgreSQL/TimescaleDB and serves the API')
    .option('--config <file>', 'site config (YAML)', DEFAULT_CONFIG)
    .option('--maps <dir>', 'register map directory', DEFAULT_MAPS)
    .option('--modbus-host <host>', 'override the Modbus host of every site')
    .option('--api-host <host>', 'address the API listens on', '127.0.0.1')
    .option('--pool-max <n>', 'database connections', positiveInt, 10)
    .addOption(
      new Option(
        '--access-file <file>',
        'who may see what (YAML, e.g. collector/config/access.yaml); none = token-only'
      ).env('OPENBESS_ACCESS_FILE')
    )
    .addOption(
      new Option('--grafana-url <url>', 'verify X-Grafana-Id ID tokens issued by this Grafana').env(
        'OPENBESS_GRAFANA_URL'
      )
    )
    .addOption(
      new Option('--grafana-jwks-url <url>', 'Grafana signing keys (default <grafana-url>/api/signing-keys/keys)').env(
        'OPENBESS_GRAFANA_JWKS_URL'
      )
    )
    .addOption(
      new Option('--grafana-org-id <n>', 'Grafana organisation of the users (default 1)')
        .env('OPENBESS_GRAFANA_ORG_ID')
        .argParser(positiveInt)
    )
    .option(
      '--trust-user-header',
      'accept X-Grafana-User (only behind Grafana’s data proxy; env OPENBESS_TRUST_USER_HEADER)'
    )
    .option('--require-user', 'answer 401 to requests without a Grafana user (env OPENBESS_REQUIRE_USER)')
    .parse();
  const o = program.opts<{
    config: string;
    maps: string;
    modbusHost?: string;
    apiHost: string;
    poolMax: number;
    accessFile?: string;
    grafanaUrl?: string;
    grafanaJwksUrl?: string;
    grafanaOrgId?: number;
    trustUserHeader?: boolean;
    requireUser?: boolean;
  }>();
  const log = createLogger('collector');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/openbess)\n');
    process.exit(2);
  }
  const { sites, maps } = loadConfigOrExit(o.config, o.maps, log);
  let identity: IdentityOptions | undefined;
  try {
    identity = identityFromSettings(
      {
        accessFile: o.accessFile || undefined,
        grafanaUrl: o.grafanaUrl || undefined,
        grafanaJwksUrl: o.grafanaJwksUrl || undefined,
        grafanaOrgId: o.grafanaOrgId,
        trustUserHeader: o.trustUserHeader ?? boolFromEnv('OPENBESS_TRUST_USER_HEADER'),
        requireUser: o.requireUser ?? boolFromEnv('OPENBESS_REQUIRE_USER'),
      },
      sites.map((s) => s.code),
      log
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log.fatal(`configuration error: ${e.message}`);
    process.stderr.write(`configuration error: ${e.message}\n`);
    process.exit(2);
  }
  const { token, generated } = apiToken();
  const svc = await startCollectorService({
    databaseUrl,
    sites,
    maps,
    token,
    apiPort: portFromEnv('OPENBESS_API_PORT', 3001),
    apiHost: o.apiHost,
    spoolDir: process.env.OPENBESS_SPOOL_DIR ?? join(STATE_DIR, 'spool'),
    poolMax: o.poolMax,
    logger: log,
    ...(o.modbusHost ? { modbusHost: o.modbusHost } : {}),
    ...(identity ? { identity } : {}),
  });
  log.info(
    {
      api: `http://${o.apiHost}:${svc.apiPort}`,
      sites: sites.map((s) => s.code),
      access: identity
        ? { file: o.accessFile, grafana: o.grafanaUrl ?? null, trustUserHeader: identity.trustUserHeader }
        : 'token-only',
    },
    'collector running'
  );
  if (generated) process.stdout.write(`OPENBESS_API_TOKEN=${token}\n`);
  onShutdown(() => svc.stop(), log);
}

main().catch((e) => {
  process.stderr.write(`collector failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
