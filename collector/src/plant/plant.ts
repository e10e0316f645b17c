import type { Logger } from 'pino';
import type { RegisterMap, SiteConfig } from '@openbess/model';
import { createEventRecorder } from '../events/recorder';
import { createIngest, type Ingest } from '../ingest/pipeline';
import { createPoller, type Poller } from '../poller';
import { migrate } from '../store/migrate';
import { createPool, type StorePool } from '../store/pool';
import { registerSites, SeriesRegistry } from '../store/registry';
import { LatestValues, type LatestBuffers } from '../store/latest-values';
import { startRollupRefresher, type RollupRefresher } from '../store/rollup';
import { StoreWriter } from '../store/writer';
import type { SampleBatch } from '../types';
import type { SiteStats } from '../api/routes/health';
import { SiteStatsBoard } from './stats-board';

/** Options of {@link startPlant}. */
export interface PlantOptions {
  databaseUrl: string;
  /** Validated sites, Modbus endpoints as polled. */
  sites: SiteConfig[];
  maps: Map<string, RegisterMap>;
  /** Disk spool directory (survives restarts; replayed at start). */
  spoolDir: string;
  logger: Logger;
  /** Pool size of the plant's connections (writer, latest flush, events, rollup refresh; default 4). */
  poolMax?: number;
  /** Modbus request timeout, ms (default 1000). */
  timeoutMs?: number;
  /** Shared memory the writer keeps the latest values in (default: new). */
  latest?: LatestBuffers;
  /** Shared memory of the per-site counters (default: new), see {@link SiteStatsBoard}. */
  stats?: SharedArrayBuffer;
  /** Counters are published at least this often, ms (default 250), and after every commit. */
  statsIntervalMs?: number;
}

/** The plant side of a collector: poller → ingest → store, running. */
export interface Plant {
  pool: StorePool;
  poller: Poller;
  ingest: Ingest;
  latest: LatestValues;
  board: SiteStatsBoard;
  /** Resolves once migrations, site registration and the first read of the latest table are done. */
  ready: Promise<void>;
  /** Counters of a site as they are now. */
  stats(site: string): SiteStats;
  /** Stops polling, writes or spools what is buffered, closes the pool. Idempotent. */
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

/** The latest table is re-read when older than this (LatestValues.ready), checked this often, ms. */
const RESEED_CHECK_MS = 10_000;

/**
 * Starts the plant side of the collector: the poller, the ingest pipeline and the store writer, the
 * event recorder and the rollup refresher. Polling starts at once, even when the database is down at
 * start: samples are buffered in memory and spooled to disk until migrations and site registration have
 * succeeded (retried with backoff), then written in order. The writer keeps the latest value of every
 * series in `latest` (shared memory the API thread reads); the per-site counters go to the stats board.
 *
 * Runs in the collector service's plant thread (./worker.ts), or in any thread for tests and tools.
 *
 * @throws Error when a map is missing for a device or a plan is invalid (poller plan; nothing is started)
 */
export function startPlant(opts: PlantOptions): Plant {
  const log = opts.logger;
  const board = new SiteStatsBoard(
    opts.sites.map((s) => s.code),
    opts.stats
  );
  const pool = createPool(opts.databaseUrl, { max: opts.poolMax ?? 4, logger: log });
  const registry = new SeriesRegistry();
  const latest = new LatestValues(pool, undefined, opts.latest);
  const writer = new GatedWriter(pool, registry, { logger: log, latest });
  const events = createEventRecorder({ pool, maps: opts.maps, logger: log });
  let poller: Poller | null = null;
  const stats = (site: string): SiteStats => {
    let last: number | null = null;
    for (const j of poller?.stats().jobs ?? []) {
      if (j.site === site && j.lastOkAt !== null && (last === null || j.lastOkAt > last)) last = j.lastOkAt;
    }
    const s = ingest.siteStats(site);
    return { lastPollAt: last, pointsWritten: s.pointsWritten, pointsBuffered: s.pointsBuffered };
  };
  const publish = () => {
    for (const site of board.sites) board.publish(site, stats(site));
  };
  const ingest = createIngest({
    pool,
    registry,
    spoolDir: opts.spoolDir,
    writer,
    logger: log,
    onWritten: (b) => {
      events.notify(b);
      publish();
    },
  });
  try {
    poller = createPoller({
      sites: opts.sites,
      maps: opts.maps,
      sink: ingest,
      logger: log,
      timeoutMs: opts.timeoutMs ?? 1000,
    });
  } catch (e) {
    void ingest.close().finally(() => pool.end().catch(() => undefined));
    throw e;
  }
  const polling = poller;
  let stopping = false;
  /** Materializes the rollups' closed buckets once a minute (store/rollup.ts), from when the store is ready. */
  let refresher: RollupRefresher | null = null;
  let reseed: NodeJS.Timeout | null = null;

  const ready = (async () => {
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const m = await migrate(pool, { logger: log });
        const reg = await registerSites(pool, opts.sites, opts.maps);
        for (const e of reg.entries()) registry.set(e.device, e.metric, e.id, reg.kindOf(e.id)!);
        writer.isReady = true;
        await latest.seed();
        if (stopping) return;
        // other writers (a backfill) reach the in-memory values within LatestValues' reseed interval
        reseed = setInterval(() => void latest.ready(), RESEED_CHECK_MS);
        reseed.unref?.();
        events.start();
        refresher = startRollupRefresher(pool, { logger: log, deltas: writer.rollupDeltas });
        log.info({ applied: m.applied, version: m.version, series: registry.size }, 'store ready');
        return;
      } catch (e) {
        const delay = Math.min(10_000, 500 * 2 ** attempt);
        log.warn({ err: (e as Error).message, retryInMs: delay }, 'database not ready; polling continues, buffering');
        await sleep(delay);
      }
    }
  })();

  polling.start();
  const publisher = setInterval(publish, opts.statsIntervalMs ?? 250);
  publisher.unref?.();

  let stopped: Promise<void> | null = null;
  return {
    pool,
    poller: polling,
    ingest,
    latest,
    board,
    ready,
    stats,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(publisher);
        if (reseed) clearInterval(reseed);
        await polling.stop();
        await ingest.close();
        await events.stop();
        await refresher?.stop();
        publish();
        await pool.end().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
