/**
 * `npm run collector -- --config collector/config/demo.yaml`: the collector service (poller, ingest,
 * store, API) against DATABASE_URL.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { startCollectorService } from '../service';
import { apiToken, createLogger, DEFAULT_CONFIG, DEFAULT_MAPS, loadConfigOrExit, onShutdown, portFromEnv, STATE_DIR } from './common';

async function main(): Promise<void> {
  const program = new Command('openbess-collector')
    .description('Polls BESS sites over Modbus TCP by register map into PostgreSQL/TimescaleDB and serves the API')
    .option('--config <file>', 'site config (YAML)', DEFAULT_CONFIG)
    .option('--maps <dir>', 'register map directory', DEFAULT_MAPS)
    .option('--modbus-host <host>', 'override the Modbus host of every site')
    .option('--api-host <host>', 'address the API listens on', '127.0.0.1')
    .option('--pool-max <n>', 'database connections', (v) => Number(v), 10)
    .parse();
  const o = program.opts<{ config: string; maps: string; modbusHost?: string; apiHost: string; poolMax: number }>();
  const log = createLogger('collector');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/openbess)\n');
    process.exit(2);
  }
  const { sites, maps } = loadConfigOrExit(o.config, o.maps, log);
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
  });
  log.info({ api: `http://${o.apiHost}:${svc.apiPort}`, sites: sites.map((s) => s.code) }, 'collector running');
  if (generated) process.stdout.write(`OPENBESS_API_TOKEN=${token}\n`);
  onShutdown(() => svc.stop(), log);
}

main().catch((e) => {
  process.stderr.write(`collector failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
