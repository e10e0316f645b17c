import { performance } from 'node:perf_hooks';
import type { PollRecord, SampleBatch, SampleSink } from '../types';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { ModbusConnection } from './connection';
import { decodePoll } from './decode';
import { ModbusClosedError, ModbusExceptionError } from './errors';
import { bridgesGaps, planGroup, pollGroups, type GroupPlan } from './plan';
import {
  silentLogger,
  type ConnectionScope,
  type PollerLogger,
  type PollerStats,
  type PollJobStats,
  type PollTarget,
} from './types';

/** Options of a {@link Poller}. */
export interface PollerOptions {
  /** Receives one batch per poll (samples + its PollRecord); must not throw. */
  sink: SampleSink;
  logger?: PollerLogger;
  /** Timeout of every Modbus request and connection attempt, ms (default 1000). */
  timeoutMs?: number;
  /** Largest hole a request bridges (Telegraf `max_insert` fill, default 50 registers). */
  maxGap?: number;
  /** Which requests share a TCP connection (default `unit`, see {@link ConnectionScope}). */
  connectionScope?: ConnectionScope;
  /** Reconnect backoff (default 100 ms → 10 s); the cap is further limited per connection, see {@link Poller}. */
  backoff?: BackoffOptions;
}

interface ConnectionEntry {
  connection: ModbusConnection;
  /** Tail of this connection's poll FIFO: polls of one connection run one after another. */
  chain: Promise<void>;
}

interface Job {
  target: PollTarget;
  plan: GroupPlan;
  conn: ConnectionEntry;
  busy: boolean;
  failing: boolean;
  stats: PollJobStats;
}

/** Default request/connect timeout, ms. */
export const DEFAULT_TIMEOUT_MS = 1000;

/**
 * Polls device sources over Modbus TCP by their register maps and hands every result to a sink.
 *
 * - **Jobs**: one per device source × poll group, planned once (`planGroup`: the group's points plus
 *   referenced scale factors, merged ≤ 125 registers with bounded gap fill).
 * - **Schedule**: each group runs at its interval, aligned to interval boundaries of the epoch clock
 *   (a 1 s group polls at every whole second, a 5 s group at :00, :05, …); samples and PollRecords
 *   carry the **scheduled tick time**, not the completion time, so series of one tick line up across
 *   devices and sites and gaps are exact multiples of the interval.
 * - **Never overlapping**: if a job's previous poll (queued or running) has not finished at its next
 *   tick, that tick is skipped and recorded as a failed PollRecord (`overrun`) with no samples — a gap,
 *   never a stale value. A scheduler that wakes more than one interval late (event loop blocked)
 *   records the ticks it missed the same way.
 * - **Connections**: see {@link ConnectionScope}; polls of one connection run strictly one after
 *   another through its FIFO (and the connection sends one request at a time). The reconnect backoff
 *   cap of a connection is at most half its shortest poll interval (and at most `backoff.maxMs`), so
 *   after an outage polling resumes at the first tick after the device accepts connections again.
 * - **Failures**: a failed request fails the whole poll (no partial samples); a device or network error
 *   never escapes the poller. A device that rejects a gap-filled read with exception 02 gets its group
 *   re-planned without gap fill for the next polls.
 */
export class Poller {
  private readonly jobs: Job[] = [];
  private readonly byInterval = new Map<number, Job[]>();
  private readonly connections = new Map<string, ConnectionEntry>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sink: SampleSink;
  private readonly log: PollerLogger;
  private readonly maxGap: number | undefined;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private stopped: Promise<void> | undefined;

  /**
   * @throws Error naming map, point and base when a source's plan is invalid (see `planGroup`).
   */
  constructor(targets: PollTarget[], options: PollerOptions) {
    this.sink = options.sink;
    this.log = options.logger ?? silentLogger;
    this.maxGap = options.maxGap;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const scope = options.connectionScope ?? 'unit';
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    const planned = targets.flatMap((target) =>
      pollGroups(target.map).map((group) => ({
        target,
        plan: planGroup(target.map, group, target.source, this.maxGap),
      }))
    );
    const keyOf = (t: PollTarget): string =>
      scope === 'unit' ? `${t.host}:${t.port}/${t.source.unitId}` : `${t.host}:${t.port}`;
    const shortest = new Map<string, number>();
    for (const { target, plan } of planned) {
      const key = keyOf(target);
      shortest.set(key, Math.min(shortest.get(key) ?? Infinity, plan.intervalMs));
    }
    for (const { target, plan } of planned) {
      const key = keyOf(target);
      let conn = this.connections.get(key);
      if (!conn) {
        const maxMs = Math.max(backoff.initialMs, Math.min(backoff.maxMs, (shortest.get(key) ?? backoff.maxMs) / 2));
        conn = {
          connection: new ModbusConnection({
            host: target.host,
            port: target.port,
            key,
            timeoutMs,
            backoff: { initialMs: backoff.initialMs, maxMs },
            logger: this.log,
          }),
          chain: Promise.resolve(),
        };
        this.connections.set(key, conn);
      }
      const job: Job = {
        target,
        plan,
        conn,
        busy: false,
        failing: false,
        stats: {
          site: target.site,
          device: target.device,
          map: plan.map,
          unitId: target.source.unitId,
          base: target.source.base,
          group: plan.group,
          intervalMs: plan.intervalMs,
          connection: key,
          pollsOk: 0,
          pollsFailed: 0,
          overruns: 0,
          missedTicks: 0,
          lastOkAt: null,
          lastErrorAt: null,
          lastError: null,
          lastLatencyMs: null,
          requestsPerPoll: plan.requests.length,
          minimumRequests: plan.minimumRequests,
        },
      };
      this.jobs.push(job);
      const list = this.byInterval.get(plan.intervalMs) ?? [];
      list.push(job);
      this.byInterval.set(plan.intervalMs, list);
    }
  }

  /** Whether the poller is polling. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** The current plans (one per job), e.g. for a bench's requests-per-cycle report. */
  plans(): GroupPlan[] {
    return this.jobs.map((j) => j.plan);
  }

  /**
   * Starts polling: each interval's first tick is the next boundary of that interval.
   * @throws Error when called twice or after stop().
   */
  start(): void {
    if (this.state !== 'idle') throw new Error(`poller cannot start: it is ${this.state}`);
    this.state = 'running';
    const now = Date.now();
    for (const intervalMs of this.byInterval.keys())
      this.schedule(intervalMs, (Math.floor(now / intervalMs) + 1) * intervalMs);
    this.log.info({ jobs: this.jobs.length, connections: this.connections.size }, 'poller started');
  }

  /**
   * Stops polling: no new ticks; every connection is closed (queued requests rejected, sockets
   * destroyed, so a request waiting on a silent device ends at once); resolves when all in-flight
   * polls have settled. Polls cut short by the stop produce no PollRecord (a collector stop is not a
   * device fault); nothing reaches the sink after the promise resolves. Idempotent.
   */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.state = 'stopping';
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
      this.stopped = (async () => {
        await Promise.all([...this.connections.values()].map((c) => c.connection.close()));
        while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
        this.state = 'stopped';
        this.log.info({}, 'poller stopped');
      })();
    }
    return this.stopped;
  }

  /** Counters per job and per connection, and requests per cycle against the minimum. */
  stats(): PollerStats {
    const jobs = this.jobs.map((j) => ({ ...j.stats }));
    return {
      jobs,
      connections: [...this.connections.values()].map((c) => c.connection.stats()),
      requestsPerCycle: jobs.reduce((n, j) => n + j.requestsPerPoll, 0),
      minimumRequestsPerCycle: jobs.reduce((n, j) => n + j.minimumRequests, 0),
    };
  }

  private schedule(intervalMs: number, tick: number): void {
    const timer = setTimeout(() => this.fire(intervalMs, tick), Math.max(0, tick - Date.now()));
    this.timers.set(intervalMs, timer);
  }

  private fire(intervalMs: number, tick: number): void {
    if (this.state !== 'running') return;
    const jobs = this.byInterval.get(intervalMs) ?? [];
    let due = tick;
    const late = Date.now() - tick;
    if (late >= intervalMs) {
      due = Math.floor(Date.now() / intervalMs) * intervalMs;
      const missed = (due - tick) / intervalMs;
      for (const job of jobs) {
        job.stats.missedTicks += missed;
        this.failed(job, tick, `missed ${missed} tick(s): the scheduler ran ${late} ms late`, 0, 0, missed);
      }
    }
    for (const job of jobs) this.trigger(job, due);
    this.schedule(intervalMs, due + intervalMs);
  }

  private trigger(job: Job, tick: number): void {
    if (job.busy) {
      job.stats.overruns++;
      this.failed(job, tick, 'overrun: the previous poll was still running', 0, 0);
      return;
    }
    job.busy = true;
    const run = job.conn.chain.then(() => this.poll(job, tick));
    job.conn.chain = run;
    this.inFlight.add(run);
    void run.then(() => this.inFlight.delete(run));
  }

  /** One poll of one job. Never rejects. */
  private async poll(job: Job, tick: number): Promise<void> {
    try {
      if (this.state !== 'running') return;
      const { plan, target } = job;
      const responses: number[][] = [];
      let requests = 0;
      const t0 = performance.now();
      try {
        for (const req of plan.requests) {
          requests++;
          responses.push(await job.conn.connection.read(req.fn, target.source.unitId, req.start, req.count));
        }
      } catch (e) {
        if (e instanceof ModbusClosedError) return;
        this.learnFromError(job, e);
        this.failed(job, tick, (e as Error).message, performance.now() - t0, requests);
        return;
      }
      const latencyMs = performance.now() - t0;
      let decoded;
      try {
        decoded = decodePoll(plan, responses, target.device, tick);
      } catch (e) {
        this.failed(job, tick, `decode: ${(e as Error).message}`, latencyMs, requests);
        return;
      }
      const record = this.record(job, tick, true, latencyMs, requests, decoded.points);
      job.stats.pollsOk++;
      job.stats.lastOkAt = tick;
      job.stats.lastLatencyMs = latencyMs;
      if (job.failing) {
        job.failing = false;
        this.log.info(this.context(job), 'polling recovered');
      }
      this.push({ samples: decoded.samples, arrays: decoded.arrays, attributes: decoded.attributes, polls: [record] });
    } catch (e) {
      this.log.error({ ...this.context(job), err: e }, 'poll failed unexpectedly');
    } finally {
      job.busy = false;
    }
  }

  /** A device that rejects a gap-filled read (exception 02) gets the group re-planned without gap fill. */
  private learnFromError(job: Job, e: unknown): void {
    if (!(e instanceof ModbusExceptionError) || e.code !== 2) return;
    if (job.plan.maxGap === 0 || !bridgesGaps(job.plan)) return;
    const plan = planGroup(job.target.map, job.plan.group, job.target.source, 0);
    this.log.warn(
      { ...this.context(job), error: e.message, requests: plan.requests.length },
      'device rejected a gap-filled read: polling this group without gap fill'
    );
    job.plan = plan;
    job.stats.requestsPerPoll = plan.requests.length;
  }

  /** Records a failed poll (or `count` missed ticks) and hands the PollRecord to the sink: a gap, no samples. */
  private failed(job: Job, tick: number, error: string, latencyMs: number, requests: number, count = 1): void {
    job.stats.pollsFailed += count;
    job.stats.lastErrorAt = tick;
    job.stats.lastError = error;
    if (requests > 0) job.stats.lastLatencyMs = latencyMs;
    if (!job.failing) {
      job.failing = true;
      this.log.warn({ ...this.context(job), error }, 'poll failed');
    }
    const record = this.record(job, tick, false, latencyMs, requests, 0, error);
    this.push({ samples: [], arrays: [], attributes: [], polls: [record] });
  }

  private record(
    job: Job,
    time: number,
    ok: boolean,
    latencyMs: number,
    requests: number,
    points: number,
    error?: string
  ): PollRecord {
    const r: PollRecord = {
      time,
      site: job.target.site,
      device: job.target.device,
      map: job.plan.map,
      unitId: job.target.source.unitId,
      group: job.plan.group,
      ok,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      requests,
      points,
    };
    if (error !== undefined) r.error = error;
    return r;
  }

  private push(batch: SampleBatch): void {
    try {
      this.sink.push(batch);
    } catch (e) {
      this.log.error({ err: e }, 'sample sink threw; batch dropped');
    }
  }

  private context(job: Job): object {
    const t = job.target;
    return { site: t.site, device: t.device, map: job.plan.map, unitId: t.source.unitId, group: job.plan.group };
  }
}
