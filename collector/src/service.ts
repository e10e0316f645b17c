import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { RegisterMap, SiteConfig } from '@openbess/model';
import { createApiApp } from './api/app';
import type { IdentityOptions } from './api/identity';
import { createEventRecorder } from './events/recorder';
import { createIngest, type Ingest } from './ingest/pipeline';
import { createPoller, type Poller } from './poller';
import { migrate } from './store/migrate';
import { createPool, type StorePool } from './store/pool';
import { registerSites, SeriesRegistry } from './store/registry';
import { LatestValues } from './store/latest-values';
import { startRollupRefresher, type RollupRefresher } from './store/rollup';
import { StoreWriter } from './store/writer';
import type { SampleBatch } from './types';

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
  /** Pool size (PGlite serves one connection at a time: 1). */
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

/** A running collector: poller → ingest → store, plus the API. */
export interface CollectorService {
  pool: StorePool;
  ingest: Ingest;
  poller: Poller;
  server: Server;
  /** Bound API port (useful with port 0). */
  apiPort: number;
  /** Resolves once migrations and site registration are done. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The database answered "not ready" (still migrating/registering at start): a transient condition,
 * reported with SQLSTATE 57P03 (cannot_connect_now) so the ingest retries and spools, never
 * quarantines.
 */
class StoreNotReadyError extends Error {
  readonly code = '57P03';
  constructor() {
    super('store not ready: migrations or site registration pending');
  }
}

/** A writer that refuses (transiently) until the schema exists and the sites are registered. */
class GatedWriter extends StoreWriter {
  isReady = false;
  override async write(batches: SampleBatch | SampleBatch[], wopts?: Parameters<StoreWriter['write']>[1]) {
    if (!this.isReady) throw new StoreNotReadyError();
    return super.write(batches, wopts);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/**
 * Starts the collector service. Polling starts at once, even when the database is down at start:
 * samples are buffered in memory and spooled to disk until migrations and site registration have
 * succeeded (retried with backoff), then written in order. The API listens on `apiHost:apiPort`, with
 * `identity` (access file, Grafana users) when given, else token-only.
 *
 * @throws Error when a map is missing for a device (poller plan) or the API cannot listen (port in use);
 *   the poller and ingest started so far are stopped first (buffered points go to the spool).
 */
export async function startCollectorService(opts: CollectorServiceOptions): Promise<CollectorService> {
  const log = opts.logger;
  const sites = opts.modbusHost
    ? opts.sites.map((s) => ({ ...s, modbus: { ...s.modbus, host: opts.modbusHost! } }))
    : opts.sites;
  const pool = createPool(opts.databaseUrl, { max: opts.poolMax ?? 10, logger: log });
  const registry = new SeriesRegistry();
  // the latest value of every series in memory, fed by the writer: the API's latest reads skip the database
  const latest = new LatestValues(pool);
  const writer = new GatedWriter(pool, registry, { logger: log, latest });
  const events = createEventRecorder({ pool, maps: opts.maps, logger: log });
  const ingest = createIngest({
    pool,
    registry,
    spoolDir: opts.spoolDir,
    writer,
    logger: log,
    onWritten: (b) => events.notify(b),
  });
  const poller = createPoller({ sites, maps: opts.maps, sink: ingest, logger: log, timeoutMs: opts.timeoutMs ?? 1000 });
  let stopping = false;
  /** Materializes the rollups' closed buckets once a minute (store/rollup.ts), from when the store is ready. */
  let refresher: RollupRefresher | null = null;

  const ready = (async () => {
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const m = await migrate(pool, { logger: log });
        const reg = await registerSites(pool, opts.sites, opts.maps);
        for (const e of reg.entries()) registry.set(e.device, e.metric, e.id, reg.kindOf(e.id)!);
        writer.isReady = true;
        events.start();
        refresher = startRollupRefresher(pool, { logger: log });
        log.info({ applied: m.applied, version: m.version, series: registry.size }, 'store ready');
        return;
      } catch (e) {
        const delay = Math.min(10_000, 500 * 2 ** attempt);
        log.warn({ err: (e as Error).message, retryInMs: delay }, 'database not ready; polling continues, buffering');
        await sleep(delay);
      }
    }
  })();

  poller.start();

  const lastPoll = (site: string): number | null => {
    let last: number | null = null;
    for (const j of poller.stats().jobs) {
      if (j.site === site && j.lastOkAt !== null && (last === null || j.lastOkAt > last)) last = j.lastOkAt;
    }
    return last;
  };
  const app = createApiApp({
    pool,
    sites,
    token: opts.token,
    logger: log,
    maps: opts.maps,
    latest,
    ...(opts.identity ? { identity: opts.identity } : {}),
    stats: (site) => {
      const s = ingest.siteStats(site);
      return { lastPollAt: lastPoll(site), pointsWritten: s.pointsWritten, pointsBuffered: s.pointsBuffered };
    },
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
    stopping = true;
    await poller.stop();
    await ingest.close();
    await events.stop();
    await pool.end().catch(() => undefined);
    throw new Error(`API cannot listen on ${host}:${opts.apiPort}: ${(e as Error).message}`);
  }
  const addr = server.address();
  const apiPort = typeof addr === 'object' && addr ? addr.port : opts.apiPort;

  return {
    pool,
    ingest,
    poller,
    server,
    apiPort,
    ready,
    async stop() {
      stopping = true;
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await poller.stop();
      await ingest.close();
      await events.stop();
      await refresher?.stop();
      await pool.end().catch(() => undefined);
    },
  };
}
