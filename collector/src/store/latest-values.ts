import type { Pool } from 'pg';
import { newestPerSeries, type ScalarRows } from './rows';

/**
 * The shared memory behind a {@link LatestValues}: a header (`Int32Array` [sequence, seeded]) and, per
 * series id, the time (float64 epoch ms), the value (float64, NaN = NULL) and a has-row byte. The three
 * arrays are growable `SharedArrayBuffer`s (up to {@link MAX_SERIES_ID} + 1 series), so another thread
 * ({@link LatestReader}, e.g. the API thread of the collector service) sees every growth at once.
 */
export interface LatestBuffers {
  header: SharedArrayBuffer;
  time: SharedArrayBuffer;
  value: SharedArrayBuffer;
  has: SharedArrayBuffer;
}

/** Largest series id held (16.7 M series; address space is reserved, memory is used as ids grow). */
export const MAX_SERIES_ID = 2 ** 24 - 1;
/** Header slots: the write sequence (odd while a write is in progress) and the seeded flag. */
const SEQ = 0;
const SEEDED = 1;
const INITIAL_SERIES = 1024;
/** A reader waiting for a write in progress gives up waiting after this long, ms (a writer died mid-write). */
const READ_SPIN_MAX_MS = 50;

/** `SharedArrayBuffer` with ES2024 growth (Node ≥ 20; not in the ES2022 lib this project compiles with). */
interface GrowableSab extends SharedArrayBuffer {
  grow(bytes: number): void;
}
type GrowableSabConstructor = new (bytes: number, options: { maxByteLength: number }) => GrowableSab;
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as GrowableSabConstructor;

/** Fresh shared memory for {@link LatestValues} (nothing held, not seeded). */
export function createLatestBuffers(): LatestBuffers {
  const max = MAX_SERIES_ID + 1;
  return {
    header: new SharedArrayBuffer(8),
    time: new GrowableSharedArrayBuffer(INITIAL_SERIES * 8, { maxByteLength: max * 8 }),
    value: new GrowableSharedArrayBuffer(INITIAL_SERIES * 8, { maxByteLength: max * 8 }),
    has: new GrowableSharedArrayBuffer(INITIAL_SERIES, { maxByteLength: max }),
  };
}

/**
 * Read side of the latest values, common to the writing thread's {@link LatestValues} and the
 * {@link LatestReader} of another thread. Reads of many series that must agree (one response) run
 * inside {@link LatestMemory.consistent}: a sequence lock (the writer makes the sequence odd while it
 * writes) retries them when a write overlapped, so an answer shows whole committed writes only.
 */
export abstract class LatestMemory {
  protected readonly header: Int32Array;
  /** Length-tracking views: they follow the growth of the shared buffers. */
  protected readonly time: Float64Array;
  protected readonly value: Float64Array;
  /** 1 = the series has a row (its value may be null, held as NaN). */
  protected readonly has: Uint8Array;

  constructor(readonly buffers: LatestBuffers = createLatestBuffers()) {
    this.header = new Int32Array(buffers.header);
    this.time = new Float64Array(buffers.time);
    this.value = new Float64Array(buffers.value);
    this.has = new Uint8Array(buffers.has);
  }

  /** Changes whenever a write may have changed a held value (response caches key on it). */
  get version(): number {
    return Atomics.load(this.header, SEQ);
  }

  /** Whether the latest table has been read into memory once (values before that may be missing). */
  get seeded(): boolean {
    return Atomics.load(this.header, SEEDED) === 1;
  }

  /**
   * Resolves to whether the values in memory can answer reads (true once seeded). false = read the
   * latest table instead.
   */
  abstract ready(): Promise<boolean>;

  /**
   * Runs `read` (synchronous reads of {@link timeAt}/{@link valueAt}) so that it sees no write half
   * done: retried while a write overlapped it. Should a writer die mid-write, reads go ahead after
   * {@link READ_SPIN_MAX_MS}.
   */
  consistent<T>(read: () => T): T {
    const t0 = performance.now();
    for (;;) {
      const seq = Atomics.load(this.header, SEQ);
      if ((seq & 1) === 0) {
        const out = read();
        if (Atomics.load(this.header, SEQ) === seq) return out;
      }
      if (performance.now() - t0 > READ_SPIN_MAX_MS) return read();
    }
  }

  /**
   * The held row of a series: time (whole epoch ms) and value (null for a NULL value, NaN, ±Infinity), or
   * undefined when the series has no row.
   */
  get(id: number): { time: number; value: number | null } | undefined {
    return this.consistent(() => {
      if (!(id >= 0 && id < this.has.length) || this.has[id] !== 1) return undefined;
      const v = this.value[id];
      return { time: Math.round(this.time[id]), value: Number.isFinite(v) ? v : null };
    });
  }

  /** Time held for a series in whole epoch ms (as the table reads round it), NaN when none. Allocation-free. */
  timeAt(id: number): number {
    return id >= 0 && id < this.has.length && this.has[id] === 1 ? Math.round(this.time[id]) : NaN;
  }

  /** Value held for a series: NaN when none or NULL/non-finite (check {@link timeAt} first). */
  valueAt(id: number): number {
    return id >= 0 && id < this.has.length && this.has[id] === 1 ? this.value[id] : NaN;
  }
}

/**
 * The latest scalar value of every series, in process memory: the collector's "current value table"
 * (the idea of a SCADA historian's snapshot table), so the hot latest reads of dashboards do not go to
 * PostgreSQL at all. This is the writing side (one thread); other threads read the same shared memory
 * through a {@link LatestReader} (the collector service's API thread, service.ts).
 *
 * Contents = the `latest` table (schema.ts) as the writer's next flush will leave it (the table follows
 * committed writes within the writer's `latestFlushMs`, memory at once), by construction:
 * - {@link LatestValues.seed} reads the table (at start, and again every `reseedMs`, default 60 s, which
 *   also picks up values other processes wrote, such as a backfill);
 * - {@link LatestValues.apply} takes the scalar rows a {@link StoreWriter} transaction has just
 *   committed, with the table's rule: per series the newest row of the write, accepted only when its
 *   time is later than the held one (`ON CONFLICT … WHERE latest.time < EXCLUDED.time`). Both paths
 *   keep the newest, so their order does not matter.
 *
 * Cell arrays (`latest_array`, real[]) are not held: they are read from the table when asked for.
 *
 * Memory: two float64 and one byte per series id (≈ 130 kB for a 7.6 k-series site).
 */
export class LatestValues extends LatestMemory {
  private seededAt = 0;
  private seeding: Promise<void> | null = null;

  /**
   * @param pool - where {@link seed} reads the `latest` table
   * @param reseedMs - {@link ready} re-reads the table when the last read is older than this, ms
   * @param buffers - shared memory to write into (default: new; pass the same buffers to a {@link LatestReader})
   */
  constructor(
    private readonly pool: Pick<Pool, 'query'>,
    private readonly reseedMs = 60_000,
    buffers?: LatestBuffers
  ) {
    super(buffers);
  }

  private grow(id: number): void {
    if (id < this.has.length) return;
    let n = this.has.length;
    while (n <= id) n *= 2;
    n = Math.min(n, MAX_SERIES_ID + 1);
    // time and value first: a reader that sees the longer `has` finds them long enough
    (this.buffers.time as GrowableSab).grow(n * 8);
    (this.buffers.value as GrowableSab).grow(n * 8);
    (this.buffers.has as GrowableSab).grow(n);
  }

  /** Holds `value` (null → NaN) at `time` for series `id` when newer than what is held. Call inside {@link write}. */
  private offer(id: number, time: number, value: number | null): void {
    if (!Number.isInteger(id) || id < 0 || id > MAX_SERIES_ID) return;
    this.grow(id);
    if (this.has[id] === 1 && !(time > this.time[id])) return;
    this.time[id] = time;
    this.value[id] = value === null ? NaN : value;
    this.has[id] = 1;
  }

  /** Runs `change` as one write: the sequence is odd meanwhile, so readers retry (see {@link consistent}). */
  private write(change: () => void): void {
    Atomics.add(this.header, SEQ, 1);
    try {
      change();
    } finally {
      Atomics.add(this.header, SEQ, 1);
    }
  }

  /**
   * Takes the scalar rows of a committed write (see the class description).
   * @param rows series ids, epoch-ms times and values, as the writer resolved them
   */
  apply(rows: ScalarRows): void {
    const newest = newestPerSeries(rows.series, rows.time);
    this.write(() => {
      for (const i of newest) this.offer(rows.series[i], rows.time[i], rows.value[i]);
    });
  }

  /**
   * Reads the whole `latest` table into memory (newest wins against what is held). Concurrent callers
   * share one read.
   * @throws the database error (what is held stays as it was)
   */
  seed(): Promise<void> {
    this.seeding ??= (async () => {
      try {
        const at = Date.now();
        const r = await this.pool.query<{ id: number; t: number; v: number | null }>(
          `SELECT series_id AS id, (date_part('epoch', time) * 1000)::float8 AS t, value AS v FROM latest`
        );
        this.write(() => {
          for (const row of r.rows) this.offer(row.id, row.t, row.v);
        });
        Atomics.store(this.header, SEEDED, 1);
        this.seededAt = at;
      } finally {
        this.seeding = null;
      }
    })();
    return this.seeding;
  }

  /**
   * Resolves true once the table has been read (the first call reads it), re-reading it when the last
   * read is older than `reseedMs` (then without waiting: callers get what is held meanwhile); false
   * when the first read failed (the caller reads the table itself, and sees the database error).
   */
  async ready(): Promise<boolean> {
    if (this.seededAt === 0)
      return this.seed().then(
        () => true,
        () => false
      );
    if (Date.now() - this.seededAt >= this.reseedMs && !this.seeding) void this.seed().catch(() => undefined);
    return true;
  }
}

/**
 * Read-only view, in another thread, of the shared memory a {@link LatestValues} writes (the
 * collector service: the plant thread writes, the API thread reads). Reseeding is the writer's job.
 */
export class LatestReader extends LatestMemory {
  /** true once the writing side has read the latest table (see {@link LatestValues.seed}). */
  ready(): Promise<boolean> {
    return Promise.resolve(this.seeded);
  }
}
