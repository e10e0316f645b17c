import type { Pool } from 'pg';
import { newestPerSeries, type ScalarRows } from './rows';

/**
 * The latest scalar value of every series, in process memory: the collector's "current value table"
 * (the idea of a SCADA historian's snapshot table), so the hot latest reads of dashboards do not go to
 * PostgreSQL at all.
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
export class LatestValues {
  private time = new Float64Array(1024);
  private value = new Float64Array(1024);
  /** 1 = the series has a row (its value may be null, held as NaN). */
  private has = new Uint8Array(1024);
  private seededAt = 0;
  private seeding: Promise<void> | null = null;
  /** Incremented whenever a held value changes (response caches key on it). */
  version = 0;

  constructor(
    private readonly pool: Pick<Pool, 'query'>,
    private readonly reseedMs = 60_000
  ) {}

  private grow(id: number): void {
    if (id < this.has.length) return;
    let n = this.has.length;
    while (n <= id) n *= 2;
    const t = new Float64Array(n);
    t.set(this.time);
    const v = new Float64Array(n);
    v.set(this.value);
    const h = new Uint8Array(n);
    h.set(this.has);
    this.time = t;
    this.value = v;
    this.has = h;
  }

  /** Holds `value` (null → NaN) at `time` for series `id` when newer than what is held. */
  private offer(id: number, time: number, value: number | null): void {
    if (!Number.isInteger(id) || id < 0) return;
    this.grow(id);
    if (this.has[id] === 1 && !(time > this.time[id])) return;
    this.has[id] = 1;
    this.time[id] = time;
    this.value[id] = value === null ? NaN : value;
    this.version++;
  }

  /**
   * Takes the scalar rows of a committed write (see the class description).
   * @param rows series ids, epoch-ms times and values, as the writer resolved them
   */
  apply(rows: ScalarRows): void {
    for (const i of newestPerSeries(rows.series, rows.time)) this.offer(rows.series[i], rows.time[i], rows.value[i]);
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
        for (const row of r.rows) this.offer(row.id, row.t, row.v);
        this.seededAt = at;
      } finally {
        this.seeding = null;
      }
    })();
    return this.seeding;
  }

  /**
   * Resolves once the table has been read (at the first call), re-reading it when the last read is
   * older than `reseedMs` (then without waiting: callers get what is held meanwhile).
   * @throws the database error of the first read
   */
  async ready(): Promise<void> {
    if (this.seededAt === 0) return this.seed();
    if (Date.now() - this.seededAt >= this.reseedMs && !this.seeding) void this.seed().catch(() => undefined);
  }

  /**
   * The held row of a series: time (whole epoch ms) and value (null for a NULL value, NaN, ±Infinity), or
   * undefined when the series has no row.
   */
  get(id: number): { time: number; value: number | null } | undefined {
    if (id < 0 || id >= this.has.length || this.has[id] !== 1) return undefined;
    const v = this.value[id];
    return { time: Math.round(this.time[id]), value: Number.isFinite(v) ? v : null };
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
