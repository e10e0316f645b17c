import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { SeriesRegistry } from '../store/registry';
import type { StoreWriter } from '../store/writer';
import type { SampleBatch, SampleSink } from '../types';

/** Options of {@link createIngest}. */
export interface IngestOptions {
  pool: Pool;
  registry: SeriesRegistry;
  /** Directory of the disk spool (created; survives restarts). */
  spoolDir: string;
  /** Flush at least this often when something is buffered, ms (default 1000). */
  flushIntervalMs?: number;
  /**
   * Flush as soon as this many points are buffered; also the largest flush (default 2 000 000: about
   * ten poll cycles of the `large` site with cells polled every second). In normal operation a flush
   * holds one `flushIntervalMs` of polls; a writer that fell behind catches up in larger transactions,
   * two at a time (the second's rows are sent while the first commits), so per-transaction work (the
   * data-quality upsert of every poll job, the commit's WAL flush) is paid once per several cycles.
   * Measured here (`npm run bench`, pipeline vs raw COPY): 2 M instead of 1 M points per transaction
   * ≈ 0.4 s less for 21 M points.
   */
  maxBatchPoints?: number;
  /**
   * Points held in memory before batches go to the disk spool (default 3 000 000 ≈ 65 MB at the
   * large site's mix — ≈ 90 B per scalar sample, 8 B per cell — which leaves room in the collector's
   * 192 MB old space for a spool segment being replayed; 0 = spool everything not yet written).
   */
  maxMemoryPoints?: number;
  /**
   * While the database is down, batches held in memory longer than this go to the disk spool even below
   * `maxMemoryPoints` (default 1000 ms), so a crash or SIGKILL during an outage loses at most about this
   * much data; the spool is replayed by the next process. `Infinity` = spool only beyond the memory limit.
   */
  spillWhenDownMs?: number;
  /** Roll the spool over to a new segment file beyond this size, bytes (default 16 MiB). */
  segmentBytes?: number;
  /** First retry delay after a failed flush, ms (default 500); doubles up to retryMaxMs. */
  retryMinMs?: number;
  /** Longest retry delay, ms (default 10 000). */
  retryMaxMs?: number;
  /** Called with the batches of every committed write, in commit order (e.g. the event recorder's `notify`); must not throw. */
  onWritten?: (batches: SampleBatch[]) => void;
  /** Writer to use (default: createWriter(pool, registry)). */
  writer?: StoreWriter;
  logger?: Logger;
}

/** Per-site ingest counters (for GET /api/health). */
export interface SiteIngestStats {
  /** Points (scalars + array elements) committed to the database since start. */
  pointsWritten: number;
  /** Points waiting in memory or in the disk spool. */
  pointsBuffered: number;
  /** Epoch ms of the last commit that included points of this site, null before the first. */
  lastFlushAt: number | null;
}

/** Ingest counters. */
export interface IngestStats {
  /** `up` after a successful flush, `down` after a failed one, `unknown` before the first. */
  database: 'up' | 'down' | 'unknown';
  lastError: string | null;
  pointsWritten: number;
  pointsBuffered: number;
  pointsInMemory: number;
  pointsSpooled: number;
  spoolSegments: number;
  spoolBytes: number;
  /** Samples the writer refused as unstorable (bad time, kind mismatch). */
  pointsRejected: number;
  /** Points of batches the database refused with a data error, moved to `<spoolDir>/quarantine`. */
  pointsQuarantined: number;
  /** Points pushed after close() (not stored). */
  pointsDropped: number;
  /** Torn (cut-short) and corrupt spool records skipped on replay. */
  tornRecords: number;
  corruptRecords: number;
  flushes: number;
  lastFlushAt: number | null;
  /** Duration and size of the last successful flush. */
  lastFlushMs: number | null;
  lastFlushPoints: number;
  sites: Record<string, SiteIngestStats>;
}

/** The ingest pipeline: a {@link SampleSink} with counters and a clean shutdown. */
export interface Ingest extends SampleSink {
  /** Hands over a batch; never blocks or throws. The batch must not be mutated afterwards. */
  push(batch: SampleBatch): void;
  stats(): IngestStats;
  /** Counters of one site (zeros for a site never seen). */
  siteStats(site: string): SiteIngestStats;
  /**
   * Resolves once memory and spool are empty (everything committed) and the latest tables are flushed;
   * rejects after timeoutMs (or with the database error of that flush).
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Stops: flushes what it can (within timeoutMs, default 5 000) and spools the rest. Idempotent. */
  close(timeoutMs?: number): Promise<void>;
}
