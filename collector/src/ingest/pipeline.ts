import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { isTransientDbError } from '../store/pool';
import { createWriter, PredecessorFailedError, type WriteOptions, type WriteResult } from '../store/writer';
import type { SampleBatch } from '../types';
import type { Ingest, IngestOptions, IngestStats, SiteIngestStats } from './types';
import { encodeRecord } from './record';
import { batchSites, mergeSites, Spool, type Segment } from './spool';

export type { IngestOptions, SiteIngestStats, IngestStats, Ingest } from './types';

interface Entry {
  batch: SampleBatch;
  points: number;
  sites: Map<string, number>;
  /** When it was pushed, epoch ms. */
  at: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Defaults of the {@link IngestOptions} sizes (see there). */
export const INGEST_DEFAULTS = { maxBatchPoints: 2_000_000, maxMemoryPoints: 3_000_000 } as const;

/**
 * Creates the ingest pipeline between the poller and the store.
 *
 * - `push()` appends to a FIFO in memory; a single worker flushes it every `flushIntervalMs` or when
 *   `maxBatchPoints` are waiting, one transaction per group of up to `maxBatchPoints`
 *   (./store/writer.ts). With more than one group waiting (catching up), two transactions overlap:
 *   the second sends its rows while the first finishes, and commits only after it (the commit order
 *   is the push order; when the first fails, the second rolls back and both are retried).
 * - Database unreachable: pushes keep being accepted; beyond `maxMemoryPoints`, and for batches
 *   older than `spillWhenDownMs`, the oldest batches are appended to the disk spool (fsync'ed,
 *   checksummed records) — so a crash during an outage loses at most the last ~second. Retries back
 *   off from `retryMinMs` to `retryMaxMs`.
 * - Database back: spool segments are replayed oldest first, then memory — the order of pushes is
 *   kept, so a series' timestamps never go backwards in insertion order. A segment is deleted only
 *   after all its rows are committed; a crash in between replays it, and the writer's idempotent
 *   path skips rows already stored.
 * - A new process on the same `spoolDir` replays what an earlier one left (also after SIGKILL);
 *   torn or corrupt records are skipped with a warning and counted.
 * - A batch the database refuses with a data error (not a connection problem) is moved to
 *   `<spoolDir>/quarantine/` instead of blocking everything behind it.
 *
 * @throws Error when the spool directory is locked by another live process
 */
export function createIngest(opts: IngestOptions): Ingest {
  const log = opts.logger ?? pino({ name: 'ingest' });
  const flushIntervalMs = opts.flushIntervalMs ?? 1000;
  const maxBatchPoints = Math.max(1, opts.maxBatchPoints ?? INGEST_DEFAULTS.maxBatchPoints);
  const maxMemoryPoints = Math.max(0, opts.maxMemoryPoints ?? INGEST_DEFAULTS.maxMemoryPoints);
  const retryMinMs = opts.retryMinMs ?? 500;
  const retryMaxMs = opts.retryMaxMs ?? 10_000;
  const spillWhenDownMs = Math.max(0, opts.spillWhenDownMs ?? 1000);
  const writer = opts.writer ?? createWriter(opts.pool, opts.registry, { logger: log });
  const spool = new Spool(opts.spoolDir, opts.segmentBytes);
  if (spool.segments.length > 0) {
    log.info(
      { segments: spool.segments.length, points: spool.points, torn: spool.torn, corrupt: spool.corrupt },
      'spool from an earlier run found: replaying it first'
    );
  }
  if (spool.torn + spool.corrupt > 0) {
    log.warn({ torn: spool.torn, corrupt: spool.corrupt }, 'skipping torn/corrupt spool records');
  }

  const memory: Entry[] = [];
  let memPoints = 0;
  const memSites = new Map<string, number>();
  const written = new Map<string, { points: number; lastFlushAt: number | null }>();
  const counters = {
    written: 0,
    rejected: 0,
    quarantined: 0,
    dropped: 0,
    flushes: 0,
    lastFlushAt: null as number | null,
    lastFlushMs: null as number | null,
    lastFlushPoints: 0,
  };
  let database: IngestStats['database'] = 'unknown';
  let lastError: string | null = null;
  let retryMs = retryMinMs;
  let nextAttemptAt = 0;
  let nextSpillAt = 0;
  let lastFlushAttempt = Date.now();
  let stopping = false;
  let closed = false;
  let wake: (() => void) | null = null;
  let closing: Promise<void> | null = null;
  /** Replay state of the oldest segment: its decoded batches and how many are committed. */
  let replay: { seg: Segment; batches: SampleBatch[]; done: number } | null = null;

  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  const noteWritten = (sites: Map<string, number>, now: number) => {
    for (const [site, n] of sites) {
      const w = written.get(site) ?? { points: 0, lastFlushAt: null };
      w.points += n;
      w.lastFlushAt = now;
      written.set(site, w);
    }
  };

  const onSuccess = (r: WriteResult, sites: Map<string, number>, points: number) => {
    const now = Date.now();
    if (database !== 'up' && database !== 'unknown') {
      log.info({ buffered: memPoints + spool.points }, 'database reachable again');
    }
    database = 'up';
    lastError = null;
    retryMs = retryMinMs;
    nextAttemptAt = 0;
    counters.written += points;
    counters.rejected += r.rejected;
    counters.flushes++;
    counters.lastFlushAt = now;
    counters.lastFlushMs = r.ms;
    counters.lastFlushPoints = points;
    noteWritten(sites, now);
  };

  const onFailure = (e: unknown) => {
    const msg = (e as Error)?.message ?? String(e);
    if (database !== 'down') {
      log.warn({ err: msg, buffered: memPoints + spool.points }, 'database write failed: buffering and retrying');
    }
    database = 'down';
    lastError = msg;
    nextAttemptAt = Date.now() + retryMs;
    retryMs = Math.min(retryMaxMs, retryMs * 2);
  };

  const quarantine = (batch: SampleBatch, e: unknown, points: number) => {
    const dir = join(opts.spoolDir, 'quarantine');
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `q-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.spool`), encodeRecord(batch));
    } catch (err) {
      log.error({ err: (err as Error).message }, 'cannot write quarantine file');
    }
    counters.quarantined += points;
    log.error({ err: (e as Error)?.message, points }, 'batch refused by the database (data error): quarantined');
  };

  /**
   * Writes a group of batches. On a data error, writes them one by one so only the offending
   * batches are quarantined. Returns how many leading batches are settled (committed or
   * quarantined); fewer than given when the database became unreachable.
   */
  const writeGroup = async (group: Entry[], wopts: WriteOptions = {}): Promise<number> => {
    const points = group.reduce((n, g) => n + g.points, 0);
    const sites = new Map<string, number>();
    for (const g of group) mergeSites(sites, g.sites);
    try {
      const r = await writer.write(
        group.map((g) => g.batch),
        wopts
      );
      onSuccess(r, sites, points);
      opts.onWritten?.(group.map((g) => g.batch));
      return group.length;
    } catch (e) {
      // the group before it failed (and was handled): nothing of this one is committed
      if (e instanceof PredecessorFailedError) return 0;
      if (isTransientDbError(e)) {
        onFailure(e);
        return 0;
      }
      if (group.length > 1) {
        for (let i = 0; i < group.length; i++) {
          const n = await writeGroup([group[i]]);
          if (n === 0) return i;
        }
        return group.length;
      }
      quarantine(group[0].batch, e, group[0].points);
      return 1;
    }
  };

  const takeGroup = <T>(items: T[], start: number, pointsOf: (t: T) => number): T[] => {
    const out: T[] = [];
    let pts = 0;
    for (let i = start; i < items.length; i++) {
      const p = pointsOf(items[i]);
      if (out.length > 0 && pts + p > maxBatchPoints) break;
      out.push(items[i]);
      pts += p;
    }
    return out;
  };

  /** One flush step: a chunk of the oldest spool segment, else a chunk of memory. */
  const flushStep = async (): Promise<void> => {
    lastFlushAttempt = Date.now();
    if (spool.segments.length > 0) {
      if (!replay) {
        const seg = (await spool.oldest())!;
        const r = await spool.read(seg);
        replay = { seg, batches: r.batches, done: 0 };
        if (r.batches.length > 0) log.info({ segment: seg.file, records: r.batches.length }, 'replaying spool segment');
      }
      const rp = replay;
      const entries = takeGroup(rp.batches, rp.done, (b) => batchSites(b).points).map((batch) => ({
        batch,
        ...batchSites(batch),
        at: 0,
      }));
      const n = entries.length > 0 ? await writeGroup(entries) : 0;
      for (let i = 0; i < n; i++) {
        mergeSites(rp.seg.sites, entries[i].sites, -1);
        rp.seg.points -= entries[i].points;
      }
      rp.done += n;
      if (rp.done >= rp.batches.length) {
        await spool.remove(rp.seg);
        replay = null;
      }
      return;
    }
    if (memory.length === 0) return;
    const group = takeGroup(memory, 0, (e) => e.points);
    const next = takeGroup(memory, group.length, (e) => e.points);
    if (next.length === 0) {
      dropWritten(await writeGroup(group));
      return;
    }
    // more than one group waiting (catching up): the second group's rows are sent while the first
    // finishes its transaction; the second commits only after the first did (else it rolls back)
    let bulkSent: () => void = () => undefined;
    const sent = new Promise<void>((r) => (bulkSent = r));
    const first = writeGroup(group, { onBulkSent: () => bulkSent() });
    await Promise.race([sent, first]);
    const firstCommitted = first.then((n) => {
      if (n < group.length) throw new PredecessorFailedError();
    });
    firstCommitted.catch(() => undefined);
    const second = writeGroup(next, { after: firstCommitted });
    const n1 = await first;
    dropWritten(n1);
    const n2 = await second;
    if (n1 === group.length) dropWritten(n2);
  };

  /** Removes the `n` oldest batches of memory (committed or quarantined). */
  const dropWritten = (n: number) => {
    for (const e of memory.splice(0, n)) {
      memPoints -= e.points;
      mergeSites(memSites, e.sites, -1);
    }
  };

  /**
   * Moves the oldest memory batches to the spool: until memory is back to 3/4 of its limit, and
   * (database down) every batch older than `spillWhenDownMs`.
   */
  const spill = async (): Promise<void> => {
    const target = Math.floor(maxMemoryPoints * 0.75);
    const staleBefore = database === 'down' ? Date.now() - spillWhenDownMs : -Infinity;
    const out: Entry[] = [];
    let pts = memPoints;
    for (const e of memory) {
      if (pts <= target && e.at > staleBefore) break;
      out.push(e);
      pts -= e.points;
    }
    if (out.length === 0) return;
    try {
      await spool.append(out.map((e) => e.batch));
    } catch (e) {
      nextSpillAt = Date.now() + 1000;
      log.error({ err: (e as Error).message }, 'cannot write the disk spool: keeping batches in memory');
      return;
    }
    // the spilled entries are still the head of memory (only this worker removes from it)
    memory.splice(0, out.length);
    for (const e of out) {
      memPoints -= e.points;
      mergeSites(memSites, e.sites, -1);
    }
  };

  const overLimit = () => memPoints > maxMemoryPoints && memory.length > 0;
  /** Database down and the oldest batch in memory waited longer than `spillWhenDownMs`. */
  const staleWhileDown = () => database === 'down' && memory.length > 0 && Date.now() - memory[0].at >= spillWhenDownMs;
  const hasWork = () => spool.segments.length > 0 || memory.length > 0;

  const loop = async () => {
    while (!stopping) {
      const now = Date.now();
      try {
        if ((overLimit() || staleWhileDown()) && now >= nextSpillAt) {
          await spill();
          continue;
        }
        const due =
          spool.segments.length > 0 ||
          memPoints >= maxBatchPoints ||
          (memory.length > 0 && now - lastFlushAttempt >= flushIntervalMs);
        if (hasWork() && due && now >= nextAttemptAt) {
          await flushStep();
          continue;
        }
      } catch (e) {
        // spool I/O errors and bugs: never kill the worker
        log.error({ err: (e as Error).message }, 'ingest worker error');
        nextAttemptAt = Date.now() + retryMs;
      }
      let waitMs = 60_000;
      if (hasWork()) {
        const flushAt = spool.segments.length > 0 ? now : lastFlushAttempt + flushIntervalMs;
        waitMs = Math.max(nextAttemptAt, flushAt) - now;
      }
      if (overLimit()) waitMs = Math.min(waitMs, nextSpillAt - now);
      if (database === 'down' && memory.length > 0 && Number.isFinite(spillWhenDownMs))
        waitMs = Math.min(waitMs, Math.max(nextSpillAt, memory[0].at + spillWhenDownMs) - now);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, waitMs));
        t.unref();
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  };
  const worker = loop();

  const siteStats = (site: string): SiteIngestStats => {
    const w = written.get(site);
    let buffered = memSites.get(site) ?? 0;
    for (const s of spool.segments) buffered += s.sites.get(site) ?? 0;
    return { pointsWritten: w?.points ?? 0, pointsBuffered: buffered, lastFlushAt: w?.lastFlushAt ?? null };
  };

  const ingest: Ingest = {
    push(batch: SampleBatch) {
      try {
        const { points, sites } = batchSites(batch);
        if (closed || stopping) {
          counters.dropped += points;
          log.error({ points }, 'push after close: batch not stored');
          return;
        }
        memory.push({ batch, points, sites, at: Date.now() });
        memPoints += points;
        mergeSites(memSites, sites);
        // wake the worker when it may be sleeping without a flush deadline, or a threshold is crossed
        if (memory.length === 1 || memPoints >= maxBatchPoints || memPoints > maxMemoryPoints) signal();
      } catch (e) {
        log.error({ err: (e as Error).message }, 'push failed');
      }
    },

    stats(): IngestStats {
      const sites: Record<string, SiteIngestStats> = {};
      const codes = new Set<string>([...written.keys(), ...memSites.keys()]);
      for (const s of spool.segments) for (const k of s.sites.keys()) codes.add(k);
      for (const c of [...codes].sort()) sites[c] = siteStats(c);
      const spooled = spool.points;
      return {
        database,
        lastError,
        pointsWritten: counters.written,
        pointsBuffered: memPoints + spooled,
        pointsInMemory: memPoints,
        pointsSpooled: spooled,
        spoolSegments: spool.segments.length,
        spoolBytes: spool.bytes,
        pointsRejected: counters.rejected,
        pointsQuarantined: counters.quarantined,
        pointsDropped: counters.dropped,
        tornRecords: spool.torn,
        corruptRecords: spool.corrupt,
        flushes: counters.flushes,
        lastFlushAt: counters.lastFlushAt,
        lastFlushMs: counters.lastFlushMs,
        lastFlushPoints: counters.lastFlushPoints,
        sites,
      };
    },

    siteStats,

    async drain(timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (hasWork()) {
        if (closed) throw new Error('ingest closed with data still buffered (it is in the spool)');
        if (Date.now() > until) {
          throw new Error(`drain timed out after ${timeoutMs} ms: ${memPoints + spool.points} points still buffered`);
        }
        lastFlushAttempt = 0;
        signal();
        await sleep(20);
      }
      // the latest tables follow within the writer's flush interval: drained means now
      await writer.flushLatest();
    },

    close(timeoutMs = 5000) {
      if (!closing) {
        closing = (async () => {
          stopping = true;
          signal();
          await worker;
          const until = Date.now() + timeoutMs;
          // flush what we can, in order: only when nothing older waits in the spool
          while (memory.length > 0 && spool.segments.length === 0 && database !== 'down' && Date.now() < until) {
            const before = memory.length;
            await flushStep().catch(() => undefined);
            if (memory.length === before) break;
          }
          if (memory.length > 0) {
            try {
              await spool.append(memory.map((e) => e.batch));
              memory.length = 0;
              memPoints = 0;
              memSites.clear();
            } catch (e) {
              counters.dropped += memPoints;
              log.error({ err: (e as Error).message, points: memPoints }, 'cannot spool at close: points lost');
            }
          }
          await spool.close();
          await writer.close().catch((e: unknown) => {
            // the rows are committed; the latest tables catch up at the next start (repairLatest)
            log.warn({ err: (e as Error).message }, 'latest values not flushed at close');
          });
          closed = true;
          log.info({ spooled: spool.points, segments: spool.segments.length }, 'ingest closed');
        })();
      }
      return closing;
    },
  };
  return ingest;
}
