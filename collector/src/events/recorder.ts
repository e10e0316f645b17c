import type { Pool, PoolClient } from 'pg';
import pino, { type Logger } from 'pino';
import type { RegisterMap } from '@openbess/model';
import type { SampleBatch } from '../types';
import { statusRegisters, type TrackedBit } from './bits';
import { transitions, type RegisterSample } from './transitions';

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  pool: Pool;
  /** Loaded register maps: the bit definitions (expected value, severity) come from here. */
  maps: ReadonlyMap<string, RegisterMap>;
  logger?: Logger;
  /** How often every status series is checked for rows nobody announced (backfill, failed runs), ms. Default 10 000. */
  sweepIntervalMs?: number;
  /** Where a status series without a cursor starts: this far before now, ms. Default 1 hour. */
  initialLookbackMs?: number;
  /** Most telemetry rows read per series and round. Default 5000. */
  chunkRows?: number;
  /** Delay between a notification and the run it triggers (batches notified meanwhile join it), ms. Default 20. */
  debounceMs?: number;
}

/** Counters of the recorder. */
export interface EventRecorderStats {
  runs: number;
  failedRuns: number;
  samples: number;
  raised: number;
  cleared: number;
  lastError: string | null;
  lastRunAt: number | null;
}

/** One bitfield series: a status register of a device, as registered in `series` (with its map's bits). */
interface StatusSeries {
  id: number;
  site: string;
  device: string;
  register: string;
  map: string;
  point: string;
  tracked: TrackedBit[];
}

/** Arbitrary constant key of the advisory lock serializing event recorders on one database. */
const RECORDER_LOCK_KEY = 424_242_004;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Turns stored status-register samples into events (migration 2, `events`): a raise when a tracked bit
 * (expected value set, severity INFO/WARNING/ALARM in the map) first differs from its expected value, a
 * clear when it is back. Events are derived from the **stored** telemetry, never from the poller directly:
 * whatever reaches the `telemetry` table — live, replayed from the disk spool, backfilled — is processed
 * exactly once, in time order per series, behind a per-series cursor (`event_cursor`).
 *
 * - Restart safety: the open events in the table are the state. A restarted collector reads them back, so a
 *   fault still active is not raised again; the partial unique index `events_open_uniq` enforces it.
 * - One transaction per round: events and cursors move together (a crash repeats the round, nothing twice);
 *   recorders of several processes are serialized by an advisory lock.
 * - A sample older than its series' cursor (arriving after newer ones were processed) is not turned into
 *   events; the ingest pipeline writes each series in time order, so this only happens for late backfills.
 */
export class EventRecorder {
  private readonly log: Logger;
  private readonly sweepIntervalMs: number;
  private readonly lookbackMs: number;
  private readonly chunkRows: number;
  private readonly debounceMs: number;
  private catalog: Map<string, StatusSeries> | null = null;
  private byId = new Map<number, StatusSeries>();
  private readonly dirty = new Set<number>();
  private sweepWanted = true;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly counters: EventRecorderStats = {
    runs: 0,
    failedRuns: 0,
    samples: 0,
    raised: 0,
    cleared: 0,
    lastError: null,
    lastRunAt: null,
  };

  constructor(private readonly opts: EventRecorderOptions) {
    this.log = opts.logger ?? pino({ name: 'events' });
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 10_000;
    this.lookbackMs = opts.initialLookbackMs ?? 3_600_000;
    this.chunkRows = opts.chunkRows ?? 5000;
    this.debounceMs = opts.debounceMs ?? 20;
  }

  /** Starts the periodic sweep and runs once (call after migrations). */
  start(): void {
    this.stopped = false;
    this.sweepWanted = true;
    this.schedule(0);
    this.sweepTimer = setInterval(() => {
      this.sweepWanted = true;
      this.schedule(0);
    }, this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Announces committed batches (the ingest pipeline's `onWritten` hook): their status-register series are
   * processed soon. Never throws, never blocks.
   */
  notify(batches: SampleBatch | SampleBatch[]): void {
    try {
      if (this.stopped) return;
      const cat = this.catalog;
      let any = false;
      for (const b of Array.isArray(batches) ? batches : [batches]) {
        for (const s of b.samples) {
          const hit = cat?.get(`${s.device}\u0000${s.metric}`);
          if (hit) {
            this.dirty.add(hit.id);
            any = true;
          } else if (!cat) any = this.sweepWanted = true;
        }
      }
      if (any) this.schedule(this.debounceMs);
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'event notification failed');
    }
  }

  /** Counters (for health and tests). */
  stats(): EventRecorderStats {
    return { ...this.counters };
  }

  /**
   * Processes every status series up to the newest stored sample (a full sweep), now.
   * @throws the database error of a failed round
   */
  async catchUp(): Promise<void> {
    await this.running?.catch(() => undefined);
    this.sweepWanted = true;
    this.running = this.run(true);
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  /** Resolves when no run is in progress or scheduled (pending notifications processed). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.running || this.timer || this.dirty.size > 0) {
      if (Date.now() > until) throw new Error(`event recorder still busy after ${timeoutMs} ms`);
      await (this.running?.catch(() => undefined) ?? new Promise((r) => setTimeout(r, 10)));
    }
  }

  /** Stops the timers and waits for a run in progress. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.timer = this.sweepTimer = null;
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.running) {
        // a run is in progress: come back when it is done
        void this.running.finally(() => this.schedule(0));
        return;
      }
      this.running = this.run(false)
        .catch((e: unknown) => {
          this.counters.failedRuns++;
          this.counters.lastError = (e as Error).message;
          this.log.warn({ err: (e as Error).message }, 'event recorder run failed; retrying at the next sweep');
        })
        .finally(() => {
          this.running = null;
          if (this.dirty.size > 0 && !this.stopped) this.schedule(this.debounceMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** Loads the status series from `series` (source type bitfield16/32) joined with the maps' bits. */
  private async loadCatalog(): Promise<void> {
    const r = await this.opts.pool.query<{
      id: number;
      device: string;
      metric: string;
      map: string | null;
      point: string | null;
      site: string;
    }>(
      `SELECT s.id, s.device, s.metric, s.source->>'map' AS map, s.source->>'name' AS point, d.site
         FROM series s JOIN device d ON d.id = s.device
        WHERE s.kind = 'scalar' AND s.source->>'type' IN ('bitfield16', 'bitfield32')`
    );
    const catalog = new Map<string, StatusSeries>();
    const byId = new Map<number, StatusSeries>();
    const registersOf = new Map<string, Map<string, TrackedBit[]>>();
    for (const row of r.rows) {
      if (!row.map || !row.point) continue;
      const map = this.opts.maps.get(row.map);
      if (!map) continue;
      let regs = registersOf.get(map.id);
      if (!regs) {
        regs = new Map(statusRegisters(map).map((x) => [x.point.name, x.tracked]));
        registersOf.set(map.id, regs);
      }
      const tracked = regs.get(row.point);
      if (!tracked || tracked.length === 0) continue;
      const s: StatusSeries = {
        id: row.id,
        site: row.site,
        device: row.device,
        register: row.metric,
        map: row.map,
        point: row.point,
        tracked,
      };
      catalog.set(`${row.device}\u0000${row.metric}`, s);
      byId.set(row.id, s);
    }
    this.catalog = catalog;
    this.byId = byId;
  }

  private async run(full: boolean): Promise<void> {
    const sweep = full || this.sweepWanted;
    this.sweepWanted = false;
    if (sweep || !this.catalog) await this.loadCatalog();
    const ids = sweep ? [...this.byId.keys()] : [...this.dirty].filter((id) => this.byId.has(id));
    this.dirty.clear();
    let pending = ids;
    try {
      while (pending.length > 0) pending = await this.round(pending);
    } catch (e) {
      for (const id of pending) this.dirty.add(id);
      throw e;
    }
    this.counters.runs++;
    this.counters.lastRunAt = Date.now();
  }

  /**
   * One transaction: reads up to `chunkRows` new samples of each series after its cursor, applies the
   * transitions against the open events, moves the cursors. Returns the series that may have more rows.
   */
  private async round(ids: number[]): Promise<number[]> {
    const client = await this.opts.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [RECORDER_LOCK_KEY]);
      const more = await this.apply(client, ids);
      await client.query('COMMIT');
      return more;
    } catch (e) {
      await client.query('ROLLBACK').catch((err: Error) => (broken = err));
      throw e;
    } finally {
      client.release(broken);
    }
  }

  private async apply(client: PoolClient, ids: number[]): Promise<number[]> {
    const rows = await client.query<{ id: number; t: string; value: number | null }>(
      `SELECT w.id, round(date_part('epoch', t.time) * 1000)::float8 AS t, t.value
         FROM unnest($1::int[]) AS w(id)
         LEFT JOIN event_cursor c ON c.series_id = w.id
         JOIN LATERAL (SELECT time, value FROM telemetry
                        WHERE series_id = w.id AND time > coalesce(c.time, $2::timestamptz)
                        ORDER BY time LIMIT $3) t ON true
        ORDER BY w.id, t.time`,
      [ids, iso(Date.now() - this.lookbackMs), this.chunkRows]
    );
    if (rows.rows.length === 0) return [];
    const samples = new Map<number, RegisterSample[]>();
    for (const r of rows.rows) {
      let list = samples.get(r.id);
      if (!list) samples.set(r.id, (list = []));
      list.push({ time: Number(r.t), raw: r.value === null ? null : Number(r.value) });
    }
    const series = [...samples.keys()].map((id) => this.byId.get(id)!).filter(Boolean);
    const open = await client.query<{ id: string; device: string; register: string; bit: number }>(
      `SELECT id, device, register, bit FROM events
        WHERE cleared_at IS NULL AND device = ANY($1::text[]) AND register = ANY($2::text[])`,
      [[...new Set(series.map((s) => s.device))], [...new Set(series.map((s) => s.register))]]
    );
    const openIds = new Map<string, Map<number, string>>();
    for (const o of open.rows) {
      const key = `${o.device}\u0000${o.register}`;
      let m = openIds.get(key);
      if (!m) openIds.set(key, (m = new Map()));
      m.set(Number(o.bit), o.id);
    }
    const clear = { id: [] as string[], time: [] as string[], raw: [] as number[] };
    const ins = {
      site: [] as string[],
      device: [] as string[],
      map: [] as string[],
      register: [] as string[],
      point: [] as string[],
      bit: [] as number[],
      name: [] as string[],
      description: [] as (string | null)[],
      severity: [] as string[],
      expected: [] as number[],
      raised: [] as string[],
      cleared: [] as (string | null)[],
      raisedRaw: [] as number[],
      clearedRaw: [] as (number | null)[],
    };
    const add = (
      s: StatusSeries,
      b: TrackedBit,
      raisedAt: number,
      raisedRaw: number,
      clearedAt?: number,
      clearedRaw?: number
    ) => {
      ins.site.push(s.site);
      ins.device.push(s.device);
      ins.map.push(s.map);
      ins.register.push(s.register);
      ins.point.push(s.point);
      ins.bit.push(b.bit);
      ins.name.push(b.name);
      ins.description.push(b.description);
      ins.severity.push(b.severity);
      ins.expected.push(b.expected);
      ins.raised.push(iso(raisedAt));
      ins.cleared.push(clearedAt === undefined ? null : iso(clearedAt));
      ins.raisedRaw.push(raisedRaw);
      ins.clearedRaw.push(clearedRaw ?? null);
    };
    const cursor = { id: [] as number[], time: [] as string[] };
    const more: number[] = [];
    let raised = 0;
    let cleared = 0;
    for (const s of series) {
      const list = samples.get(s.id)!;
      const openBits = openIds.get(`${s.device}\u0000${s.register}`) ?? new Map<number, string>();
      const r = transitions(s.tracked, new Set(openBits.keys()), list);
      for (const c of r.clears) {
        clear.id.push(openBits.get(c.bit.bit)!);
        clear.time.push(iso(c.time));
        clear.raw.push(c.raw);
      }
      for (const c of r.closed) add(s, c.bit, c.raisedAt, c.raisedRaw, c.clearedAt, c.clearedRaw);
      for (const o of r.opened) add(s, o.bit, o.time, o.raw);
      raised += r.closed.length + r.opened.length;
      cleared += r.clears.length + r.closed.length;
      cursor.id.push(s.id);
      cursor.time.push(iso(list[list.length - 1].time));
      if (list.length >= this.chunkRows) more.push(s.id);
    }
    // clears first: a bit cleared and raised again in one round must free the open slot before the insert
    if (clear.id.length > 0) {
      await client.query(
        `UPDATE events e SET cleared_at = u.t, cleared_raw = u.raw
           FROM unnest($1::bigint[], $2::timestamptz[], $3::float8[]) AS u(id, t, raw)
          WHERE e.id = u.id AND e.cleared_at IS NULL`,
        [clear.id, clear.time, clear.raw]
      );
    }
    if (ins.device.length > 0) {
      await client.query(
        `INSERT INTO events (site, device, map, register, point, bit, bit_name, description, severity, expected,
                             raised_at, cleared_at, raised_raw, cleared_raw)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[],
                              $8::text[], $9::text[], $10::smallint[], $11::timestamptz[], $12::timestamptz[],
                              $13::float8[], $14::float8[])
         ON CONFLICT DO NOTHING`,
        Object.values(ins)
      );
    }
    await client.query(
      `INSERT INTO event_cursor (series_id, time)
       SELECT * FROM unnest($1::int[], $2::timestamptz[])
       ON CONFLICT (series_id) DO UPDATE SET time = EXCLUDED.time, updated_at = now()
       WHERE event_cursor.time < EXCLUDED.time`,
      [cursor.id, cursor.time]
    );
    this.counters.samples += rows.rows.length;
    this.counters.raised += raised;
    this.counters.cleared += cleared;
    if (raised + cleared > 0) this.log.info({ raised, cleared }, 'status events recorded');
    return more;
  }
}

/** Creates an {@link EventRecorder} (not started). */
export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  return new EventRecorder(opts);
}
