import type { DeviceSource, RegisterMap } from '@openbess/model';

/**
 * Logger the poller writes to: structurally a subset of pino's `Logger` (pass `pino()` or a child),
 * first argument a context object, second the message.
 */
export interface PollerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: PollerLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * One device source to poll: a register map at a unit id and base address behind a Modbus TCP
 * endpoint, on behalf of a device of a site. `createPoller` builds these from the site configs
 * (`siteDevices(site)`); tests and tools may build them directly.
 */
export interface PollTarget {
  /** Site code (e.g. `FI006`). */
  site: string;
  /** Device id the samples belong to (e.g. `FI006ES1BK1BS3`). */
  device: string;
  /** Modbus TCP endpoint (the site's gateway). */
  host: string;
  port: number;
  /** Map id, unit id and base address (see `DeviceSource` in model/src/site/devices.ts). */
  source: DeviceSource;
  /** The register map named by `source.map`. */
  map: RegisterMap;
}

/**
 * Which requests share a TCP connection:
 * - `unit` (default): one connection per (host, port, unit id) — each Modbus device behind a gateway
 *   has its own connection and its own one-outstanding-request queue, so a silent or slow device
 *   (timeouts) never delays, or resets the connection of, the other devices on the gateway;
 * - `gateway`: one connection per (host, port) shared by all unit ids, one outstanding request in
 *   total — for gateways that allow only a few TCP connections or serialise to an RTU line anyway.
 */
export type ConnectionScope = 'unit' | 'gateway';

/** Data-quality counters of one poll job (one device source × one poll group). */
export interface PollJobStats {
  site: string;
  device: string;
  map: string;
  unitId: number;
  base: number;
  group: string;
  intervalMs: number;
  /** Key of the connection the job is polled through (`host:port` or `host:port/unit`). */
  connection: string;
  pollsOk: number;
  /** Failed polls, overruns and missed ticks included. */
  pollsFailed: number;
  /** Ticks skipped because the previous poll of this job was still running. */
  overruns: number;
  /** Ticks the scheduler itself missed (event loop blocked for more than an interval). */
  missedTicks: number;
  /** Tick time (epoch ms) of the last successful poll. */
  lastOkAt: number | null;
  lastErrorAt: number | null;
  lastError: string | null;
  /** Latency of the last completed poll, ms. */
  lastLatencyMs: number | null;
  /** Modbus requests one poll of this job issues (the current plan). */
  requestsPerPoll: number;
  /** The fewest requests any plan could use for the same points (`minimumReads`). */
  minimumRequests: number;
}

/** Counters of one Modbus TCP connection. */
export interface ConnectionStats {
  key: string;
  host: string;
  port: number;
  connected: boolean;
  connects: number;
  connectFailures: number;
  /** Connections lost after being established (peer close, socket error, timeout, protocol error). */
  disconnects: number;
  requests: number;
  responses: number;
  exceptions: number;
  timeouts: number;
  lastError: string | null;
}

/** Everything the poller counts. */
export interface PollerStats {
  jobs: PollJobStats[];
  connections: ConnectionStats[];
  /** Requests one round of every poll job issues (sum of `requestsPerPoll`). */
  requestsPerCycle: number;
  /** The minimum the maps allow for the same round (sum of `minimumRequests`). */
  minimumRequestsPerCycle: number;
}
