import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { RegisterMap, SiteConfig } from '@openbess/model';
import { createApiApp } from './api/app';
import type { IdentityOptions } from './api/identity';
import { SiteStatsBoard } from './plant/stats-board';
import { startPlantThread, type PlantThread } from './plant/thread';
import { createPool, type StorePool } from './store/pool';
import { createLatestBuffers, LatestReader } from './store/latest-values';

/** Options of {@link startCollectorService}. */
export interface CollectorServiceOptions {
  databaseUrl: string;
  sites: SiteConfig[];
  maps: Map<string, RegisterMap>;
  /** API bearer token. */
  token: string;
  apiPort: number;
  apiHost?: string;
  /** Disk spool directory (survives restarts; replayed at start). */
  spoolDir: string;
  logger: Logger;
  /** Connections of the API's pool (default 10); the plant's pool has at most 4 (writer, latest flush, events, rollups). */
  poolMax?: number;
  /** Modbus request timeout, ms. */
  timeoutMs?: number;
  /** Overrides the Modbus host of every site (e.g. `simulator` in docker-compose). */
  modbusHost?: string;
  /**
   * Who the Grafana user is and what they may see (access file, Grafana ID tokens, trusted user header;
   * built by `identityFromSettings` in cli/identity.ts). Absent = token-only mode: the token holder is admin.
   */
  identity?: IdentityOptions;
}

/** A running collector: the API on this thread, poller → ingest → store on the plant thread. */
export interface CollectorService {
  /** The API's pool. */
  pool: StorePool;
  plant: PlantThread;
  server: Server;
  /** Bound API port (useful with port 0). */
  apiPort: number;
  /** Resolves once migrations, site registration and the first read of the latest values are done. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the collector service: the plant side (poller, ingest, store writer, event recorder, rollup
 * refresher: plant/plant.ts) in a worker thread of its own (plant/thread.ts), and the API on this
 * thread, listening on `apiHost:apiPort` with `identity` (access file, Grafana users) when given, else
 * token-only. The API reads the latest values the plant's writer keeps and the per-site counters from
 * shared memory, so its answers do not wait for decoding, COPY encoding or their garbage collection.
 *
 * Polling starts at once, even when the database is down at start: samples are buffered in memory and
 * spooled to disk until migrations and site registration have succeeded (retried with backoff), then
 * written in order.
 *
 * @throws Error when a map is missing for a device (poller plan) or the API cannot listen (port in use);
 *   what was started is stopped first (buffered points go to the spool).
 */
export async function startCollectorService(opts: CollectorServiceOptions): Promise<CollectorService> {
  const log = opts.logger;
  const sites = opts.modbusHost
    ? opts.sites.map((s) => ({ ...s, modbus: { ...s.modbus, host: opts.modbusHost! } }))
    : opts.sites;
  const latestBuffers = createLatestBuffers();
  const board = new SiteStatsBoard(sites.map((s) => s.code));
  const plant = await startPlantThread({
    databaseUrl: opts.databaseUrl,
    sites,
    maps: opts.maps,
    spoolDir: opts.spoolDir,
    logger: log,
    latest: latestBuffers,
    stats: board.buffer,
    poolMax: Math.min(opts.poolMax ?? 4, 4),
    timeoutMs: opts.timeoutMs ?? 1000,
  });
  const pool = createPool(opts.databaseUrl, { max: opts.poolMax ?? 10, logger: log });
  const app = createApiApp({
    pool,
    sites,
    token: opts.token,
    logger: log,
    maps: opts.maps,
    latest: new LatestReader(latestBuffers),
    ...(opts.identity ? { identity: opts.identity } : {}),
    stats: (site) => board.read(site),
  });
  const host = opts.apiHost ?? '127.0.0.1';
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 calls the listen callback with the error too (EADDRINUSE …)
      const srv = app.listen(opts.apiPort, host, (err?: Error) => (err ? reject(err) : resolve(srv)));
      srv.once('error', reject);
    });
  } catch (e) {
    await plant.stop();
    await pool.end().catch(() => undefined);
    throw new Error(`API cannot listen on ${host}:${opts.apiPort}: ${(e as Error).message}`);
  }
  const addr = server.address();
  const apiPort = typeof addr === 'object' && addr ? addr.port : opts.apiPort;

  return {
    pool,
    plant,
    server,
    apiPort,
    ready: plant.ready,
    async stop() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await plant.stop();
      await pool.end().catch(() => undefined);
    },
  };
}
