import { siteDevices, type RegisterMap, type SiteConfig } from '@openbess/model';
import type { SampleSink } from '../types';
import type { BackoffOptions } from './backoff';
import { Poller } from './poller';
import type { ConnectionScope, PollerLogger, PollTarget } from './types';

export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
export { ModbusConnection, type ConnectionOptions } from './connection';
export { decodePoll, type DecodedPoll } from './decode';
export * from './errors';
export {
  bridgesGaps,
  groupPoints,
  planGroup,
  pollGroups,
  type GroupPlan,
  type PlannedPoint,
  type Segment,
} from './plan';
export { DEFAULT_TIMEOUT_MS, Poller, type PollerOptions } from './poller';
export * from './types';

/** Inputs of {@link createPoller}. */
export interface CreatePollerOptions {
  /** Validated site configs (`parseSitesConfig`); each site's gateway is `site.modbus`. */
  sites: SiteConfig[];
  /** Register maps by id (`loadRegisterMaps`). */
  maps: ReadonlyMap<string, RegisterMap>;
  sink: SampleSink;
  logger?: PollerLogger;
  /** Timeout of every Modbus request and connection attempt, ms (default 1000). */
  timeoutMs?: number;
  /** Largest hole a request bridges, registers (default 50, Telegraf `max_insert`). */
  maxGap?: number;
  /** Connection sharing (default one connection per unit id, see {@link ConnectionScope}). */
  connectionScope?: ConnectionScope;
  backoff?: BackoffOptions;
}

/**
 * The poll targets of sites: every source of every device of `siteDevices(site)`, at the site's
 * Modbus endpoint.
 * @throws Error naming site, device and map id when a source's map is not loaded.
 */
export function siteTargets(sites: SiteConfig[], maps: ReadonlyMap<string, RegisterMap>): PollTarget[] {
  const out: PollTarget[] = [];
  for (const site of sites) {
    for (const device of siteDevices(site)) {
      for (const source of device.sources) {
        const map = maps.get(source.map);
        if (!map) throw new Error(`site ${site.code}: device ${device.id}: no register map "${source.map}" is loaded`);
        out.push({ site: site.code, device: device.id, host: site.modbus.host, port: site.modbus.port, source, map });
      }
    }
  }
  return out;
}

/**
 * The collector's poller for a set of sites (not started: call `start()`, and `await stop()` on
 * shutdown). See {@link Poller} for scheduling, connection sharing and failure handling.
 * @throws Error when a map is missing or a plan is invalid (the message names site/device/map/point).
 */
export function createPoller(options: CreatePollerOptions): Poller {
  return new Poller(siteTargets(options.sites, options.maps), {
    sink: options.sink,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxGap !== undefined ? { maxGap: options.maxGap } : {}),
    ...(options.connectionScope ? { connectionScope: options.connectionScope } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
}
