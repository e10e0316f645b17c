/**
 * `npm run simulator -- --config collector/config/demo.yaml`: the site simulator as its own process.
 * Serves every site of the config over Modbus TCP (one gateway port per site, devices by unit id)
 * from the register maps the collector reads. Exits 2 with a message naming file and entry when the
 * config or a map is broken; SIGTERM/SIGINT close every socket and exit 0.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, siteDevices } from '@openbess/model';
import { startSimulator, validateScheduledFaults } from '../simulator';
import { createLogger, DEFAULT_CONFIG, DEFAULT_MAPS, instant, loadConfigOrExit, onShutdown } from './common';

function nonNegative(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}

async function main(): Promise<void> {
  const o = new Command('openbess-simulator')
    .description('Simulated BESS sites over Modbus TCP, served from the register maps')
    .option('--config <file>', 'site config (YAML)', DEFAULT_CONFIG)
    .option('--maps <dir>', 'register map directory', DEFAULT_MAPS)
    .option('--host <host>', 'listen on this address instead of each site’s modbus.host')
    .option('--speed <x>', 'simulated seconds per second', nonNegative, 1)
    .option('--start-time <iso>', 'simulated time at start (ISO 8601, e.g. 2026-01-15T17:00:00Z; default now)', instant)
    .parse()
    .opts<{ config: string; maps: string; host?: string; speed: number; startTime?: number }>();
  const log = createLogger('simulator');
  const { sites, maps } = loadConfigOrExit(o.config, o.maps, log);
  try {
    sites.forEach((s, i) =>
      validateScheduledFaults(
        s,
        siteDevices(s)
          .filter((d) => d.profile === 'batteryString')
          .map((d) => d.id),
        o.config,
        i
      )
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`configuration error: ${e.message}\n`);
    process.exit(2);
  }
  const sim = await startSimulator({
    sites,
    maps,
    speed: o.speed,
    ...(o.host ? { host: o.host } : {}),
    ...(o.startTime !== undefined ? { startTime: o.startTime } : {}),
  });
  for (const s of sim.sites) {
    const site = sites.find((x) => x.code === s.code)!;
    process.stdout.write(`${s.code} Modbus TCP ${s.host}:${s.port} (${site.name})\n`);
    log.info({ site: s.code, host: s.host, port: s.port }, 'site simulator listening');
  }
  onShutdown(() => sim.stop(), log);
}

main().catch((e) => {
  process.stderr.write(`simulator failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
