import { randomUUID } from 'node:crypto';
import { bucketStart, RollupAccumulator, type RollupRows } from './rollup-rows';
import { ROLLUP_LEVELS } from './rollup-schema';
import type { ScalarRows } from './rows';

/** The 5-minute aggregates of one bucket's rows a writer committed, and which transactions they hold. */
interface BucketDelta {
  acc: RollupAccumulator;
  /** Sequence numbers of the writer's transactions folded in. */
  seqs: Set<number>;
  /** A transaction of this writer touching the bucket failed with an unknown outcome: never merged. */
  tainted: boolean;
}

/** Most buckets holding a delta; beyond it the oldest are dropped (recomputed from raw rows instead). */
const MAX_BUCKETS = 48;

/**
 * The writer's side of rollup maintenance without re-reading raw rows (./rollup.ts): the 5-minute
 * aggregates of the rows one writer committed through plain COPY, per bucket, held in memory until a
 * refresh in the same process merges them into `telemetry_rollup_5m` instead of recomputing the
 * bucket from `telemetry`.
 *
 * Why it is exact: a COPY that commits inserted every one of its rows (a duplicate aborts it), so
 * the aggregates of those rows are the bucket's new rows. The writer's transactions carry a sequence
 * number, and each one's rollup mark records the writer's id and appends its number
 * (`telemetry_rollup_dirty.writer`, `.seqs`; any other writer's mark, or a replay through the staging
 * path, clears both: the bucket is then recomputed from the raw rows). A refresh that takes a mark
 * naming this writer merges the delta only when the delta holds exactly the transactions the mark
 * lists — a mark lists only committed transactions, so one listed but not yet acknowledged here is
 * folded in first — and otherwise (a refresh in another process took an earlier mark, a transaction
 * ended with an unknown outcome) recomputes from raw rows and drops the delta. A taken delta is
 * detached at once: a rolled-back refresh leaves marks this delta no longer matches, which the next
 * refresh recomputes from raw rows.
 *
 * Cost: one accumulator step per committed scalar row (≈ 0.1 µs), memory of one aggregate row per
 * series and open bucket.
 */
export class RollupDeltas {
  /** This writer's id in the marks (a UUID per writer instance: a restarted process is another writer). */
  readonly writer = randomUUID();
  private nextSeq = 1;
  private readonly pending = new Map<number, ScalarRows>();
  private readonly deltas = new Map<number, BucketDelta>();

  /** Buckets (5-minute starts, epoch ms) holding a delta. */
  get size(): number {
    return this.deltas.size;
  }

  /**
   * Registers a transaction before its rows are sent: they join the deltas when it commits.
   * @param rows the transaction's scalar rows (kept by reference until it ends; not modified)
   * @returns the transaction's sequence number for its marks
   */
  begin(rows: ScalarRows): number {
    const seq = this.nextSeq++;
    this.pending.set(seq, rows);
    return seq;
  }

  /** Transaction `seq` marks nothing (rollups are off, no scalar rows): forgets it. */
  forget(seq: number): void {
    this.pending.delete(seq);
  }

  /** Transaction `seq` committed: its rows join their buckets' deltas (no-op when already folded). */
  committed(seq: number): void {
    const rows = this.pending.get(seq);
    if (!rows) return;
    this.pending.delete(seq);
    const w = ROLLUP_LEVELS[0].bucketMs;
    const { series, time, value } = rows;
    let last = Number.NaN;
    let d: BucketDelta | undefined;
    for (let i = 0; i < series.length; i++) {
      // stored times are whole ms (the binary COPY truncates)
      const t = Math.trunc(time[i]);
      const b = bucketStart(t, w);
      if (b !== last) {
        last = b;
        d = this.delta(b);
        d.seqs.add(seq);
      }
      d!.acc.add(series[i], t, value[i]);
    }
    if (this.deltas.size > MAX_BUCKETS) {
      const keep = [...this.deltas.keys()].sort((x, y) => y - x)[MAX_BUCKETS - 1];
      this.prune(keep);
    }
  }

  /**
   * Transaction `seq` ended without an acknowledged COMMIT.
   * @param maybeCommitted the outcome is unknown (the connection was lost): its buckets are then
   *   recomputed from the raw rows at their next refresh; false when the server refused it (rolled back)
   */
  failed(seq: number, maybeCommitted: boolean): void {
    const rows = this.pending.get(seq);
    if (!rows) return;
    this.pending.delete(seq);
    if (!maybeCommitted) return;
    const w = ROLLUP_LEVELS[0].bucketMs;
    for (const t of new Set(rows.time.map((x) => bucketStart(Math.trunc(x), w)))) this.delta(t).tainted = true;
  }

  /**
   * For a refresh that took the mark of `bucket` (and will replace or merge that bucket): the delta
   * to merge, or null when the bucket must be recomputed from the raw rows. The delta is detached
   * either way.
   * @param bucket bucket start, epoch ms
   * @param writer the mark's writer (null: several writers or a replay)
   * @param seqs the mark's transactions of that writer
   */
  take(bucket: number, writer: string | null, seqs: readonly number[] | null): RollupRows | null {
    const ours = writer === this.writer && seqs !== null;
    // a transaction the mark lists is committed even when its acknowledgement is still on its way
    if (ours) for (const s of seqs) this.committed(s);
    const d = this.deltas.get(bucket);
    this.deltas.delete(bucket);
    if (!ours || !d || d.tainted || d.seqs.size !== seqs.length) return null;
    for (const s of seqs) if (!d.seqs.has(s)) return null;
    return d.acc.rows();
  }

  /**
   * Drops the deltas of buckets before `beforeMs` (a refresh took their marks elsewhere, or will
   * recompute them from raw rows): bounds memory after a complete refresh pass.
   */
  prune(beforeMs: number): void {
    for (const b of this.deltas.keys()) if (b < beforeMs) this.deltas.delete(b);
  }

  private delta(bucket: number): BucketDelta {
    let d = this.deltas.get(bucket);
    if (!d) {
      d = { acc: new RollupAccumulator(ROLLUP_LEVELS[0].bucketMs), seqs: new Set(), tainted: false };
      this.deltas.set(bucket, d);
    }
    return d;
  }
}
