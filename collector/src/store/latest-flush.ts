import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { arrayLiteral } from './copy-text';
import { newestPerSeries, type ResolvedRows } from './rows';

/**
 * Keeps the `latest` / `latest_array` tables up to date for a writer (./writer.ts): the newest
 * committed row per series waits in memory, and one upsert per `flushMs` covers every write in it.
 */
export class LatestFlusher {
  /** Newest committed scalar row per series not yet in `latest` (epoch ms, value). */
  private scalars = new Map<number, { t: number; v: number | null }>();
  /** Newest committed array time per series not yet in `latest_array` (epoch ms). */
  private arrays = new Map<number, number>();
  private lastFlush = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> | null = null;
  private recovered = false;

  /**
   * @param pool the store (the first flush repairs the tables from telemetry through it)
   * @param run runs a body in a transaction on a pooled connection (the writer's)
   * @param flushMs at most one flush per this many ms (0 = after every write)
   */
  constructor(
    private readonly pool: Pick<Pool, 'query'>,
    private readonly run: (body: (client: PoolClient) => Promise<void>) => Promise<void>,
    private readonly flushMs: number,
    private readonly logger?: Logger
  ) {}

  /** Remembers the newest committed row per series for the next latest flush. */
  note(rows: ResolvedRows): void {
    const s = rows.scalars;
    for (const i of newestPerSeries(s.series, s.time)) this.holdScalar(s.series[i], s.time[i], s.value[i]);
    const a = rows.arrays;
    for (const i of newestPerSeries(a.series, a.time)) this.holdArray(a.series[i], a.time[i]);
  }

  /** Holds a scalar row for the next latest flush unless a newer one is held (newest wins). */
  private holdScalar(id: number, t: number, v: number | null): void {
    const held = this.scalars.get(id);
    if (!held || t > held.t) this.scalars.set(id, { t, v });
  }

  /** Holds an array time for the next latest flush unless a newer one is held. */
  private holdArray(id: number, t: number): void {
    const held = this.arrays.get(id);
    if (held === undefined || t > held) this.arrays.set(id, t);
  }

  /** Flushes the latest tables when the interval is due, else makes sure a timer will. Never throws. */
  async maybeFlush(): Promise<void> {
    if (this.scalars.size === 0 && this.arrays.size === 0) return;
    const due = this.lastFlush + this.flushMs - Date.now();
    if (due <= 0) {
      await this.flush().catch((e) =>
        this.logger?.warn({ err: (e as Error).message }, 'latest values not flushed; retrying with the next write')
      );
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.maybeFlush();
    }, due);
    // Node's timers have unref (a pending flush does not keep the process alive); a browser-like
    // test environment's (jsdom) setTimeout returns a number
    (this.timer as { unref?: () => void }).unref?.();
  }

  /**
   * Writes the newest committed row of every series written since the last flush into `latest` and
   * `latest_array` (newest wins: `ON CONFLICT (series_id) DO UPDATE … WHERE latest.time < EXCLUDED.time`;
   * the array is copied from its telemetry_array row by primary key, not sent again). The first flush of
   * a writer first repairs both tables from telemetry (a process killed between a commit and its
   * flush left them behind). Everything committed before the call is in the tables when it resolves;
   * concurrent callers share one flush. Writes start a flush without waiting for it.
   * @throws the database error (the rows stay pending for the next flush)
   */
  async flush(): Promise<void> {
    // rows pending now may have come after the start of a flush in progress: wait for it, then flush
    // (or share a flush another caller started after it, which takes them too)
    if (this.flushing) await this.flushing.catch(() => undefined);
    this.flushing ??= (async () => {
      try {
        await this.flushNow();
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  /** Flushes what is pending now; stops the timer. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async flushNow(): Promise<void> {
    this.lastFlush = Date.now();
    if (!this.recovered) {
      await repairLatest(this.pool);
      this.recovered = true;
    }
    const scalars = this.scalars;
    const arrays = this.arrays;
    if (scalars.size === 0 && arrays.size === 0) return;
    this.scalars = new Map();
    this.arrays = new Map();
    try {
      await this.run(async (client) => {
        if (scalars.size > 0) {
          const ids = [...scalars.keys()].sort((x, y) => x - y);
          await client.query(
            `INSERT INTO latest (series_id, time, value)
               SELECT s, to_timestamp(t / 1000), v FROM unnest($1::int[], $2::float8[], $3::float8[]) AS u(s, t, v)
               ON CONFLICT (series_id) DO UPDATE SET time = EXCLUDED.time, value = EXCLUDED.value
               WHERE latest.time < EXCLUDED.time`,
            [
              arrayLiteral(ids),
              arrayLiteral(ids.map((i) => scalars.get(i)!.t)),
              arrayLiteral(ids.map((i) => scalars.get(i)!.v)),
            ]
          );
        }
        if (arrays.size > 0) {
          const ids = [...arrays.keys()].sort((x, y) => x - y);
          await client.query(
            `INSERT INTO latest_array (series_id, time, value)
               SELECT ta.series_id, ta.time, ta.value
                 FROM unnest($1::int[], $2::float8[]) AS u(s, t)
                 JOIN telemetry_array ta ON ta.series_id = u.s AND ta.time = to_timestamp(u.t / 1000)
               ON CONFLICT (series_id) DO UPDATE SET time = EXCLUDED.time, value = EXCLUDED.value
               WHERE latest_array.time < EXCLUDED.time`,
            [arrayLiteral(ids), arrayLiteral(ids.map((i) => arrays.get(i)!))]
          );
        }
      });
    } catch (e) {
      // keep them for the next flush, unless a newer row arrived meanwhile
      for (const [id, x] of scalars) this.holdScalar(id, x.t, x.v);
      for (const [id, t] of arrays) this.holdArray(id, t);
      throw e;
    }
  }
}

/**
 * Brings `latest` and `latest_array` up to the newest telemetry row of every series (newest wins): a
 * writer flushes them within `latestFlushMs` after its commits, so a process killed in between
 * leaves them behind by up to that. One primary-key probe per series.
 * @throws the database error
 */
export async function repairLatest(pool: Pick<Pool, 'query'>): Promise<void> {
  await pool.query(
    `INSERT INTO latest (series_id, time, value)
     SELECT s.id, t.time, t.value FROM series s
     CROSS JOIN LATERAL (SELECT time, value FROM telemetry WHERE series_id = s.id ORDER BY time DESC LIMIT 1) t
     WHERE s.kind = 'scalar'
     ON CONFLICT (series_id) DO UPDATE SET time = EXCLUDED.time, value = EXCLUDED.value WHERE latest.time < EXCLUDED.time`
  );
  await pool.query(
    `INSERT INTO latest_array (series_id, time, value)
     SELECT s.id, t.time, t.value FROM series s
     CROSS JOIN LATERAL (SELECT time, value FROM telemetry_array WHERE series_id = s.id ORDER BY time DESC LIMIT 1) t
     WHERE s.kind = 'array'
     ON CONFLICT (series_id) DO UPDATE SET time = EXCLUDED.time, value = EXCLUDED.value
     WHERE latest_array.time < EXCLUDED.time`
  );
}
