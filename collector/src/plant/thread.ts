import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { backoffDelay } from '../poller/backoff';
import type { PlantCommand, PlantMessage, PlantWorkerData } from './protocol';

/** Options of {@link startPlantThread}: the plant's settings, and the main thread's logger. */
export interface PlantThreadOptions extends Omit<PlantWorkerData, 'logLevel'> {
  /** Receives the plant thread's log records (level and fields as logged there). */
  logger: Logger;
  /** A clean stop may take this long before the thread is terminated, ms (default 30 000). */
  stopTimeoutMs?: number;
}

/** The plant thread as the main thread sees it. */
export interface PlantThread {
  /** Resolves once the store is ready (migrations, site registration, latest values loaded). */
  ready: Promise<void>;
  /** Times the thread ended unexpectedly and was started again. */
  restarts(): number;
  /** Stops polling, writes or spools what is buffered, ends the thread. Idempotent. */
  stop(): Promise<void>;
}

/** Restart delay of an ended plant thread: 0.5–1 s, doubling up to 30–60 s (the poller's jittered backoff). */
const RESTART_BACKOFF = { initialMs: 1000, maxMs: 60_000 };

const WORKER = join(__dirname, `worker${extname(__filename)}`);

/**
 * A worker thread running ./worker.ts. TypeScript sources (run by tsx, or by ts-jest in tests) are
 * loaded through tsx's CommonJS hook: Node's worker loader does not know `.ts` itself.
 */
function spawn(data: PlantWorkerData): Worker {
  if (extname(WORKER) !== '.ts') return new Worker(WORKER, { workerData: data });
  const boot = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(WORKER)});`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** Logs a plant thread's pino record with the main thread's logger. */
function forward(log: Logger, line: string): void {
  try {
    const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
    const label = (log.levels.labels[level] ?? 'info') as 'info';
    log[label]({ thread: 'plant', ...fields }, msg ?? '');
  } catch {
    log.info({ thread: 'plant' }, line.trim());
  }
}

/**
 * Starts the collector's plant side — poller, ingest, store writer, event recorder, rollup refresher
 * (./plant.ts) — in a worker thread of its own, so that decoding, batching, COPY encoding and their
 * garbage collection never hold up the API on the main thread: the two share only the latest values
 * and the per-site counters, in shared memory (store/latest-values.ts, ./stats-board.ts).
 *
 * Supervision: a plant thread that ends unexpectedly (an uncaught error) is logged and started again
 * (after 0.5–1 s, doubling up to 30–60 s) on the same shared memory; what it held in memory is lost as in
 * a crash, what it had spooled is replayed by the next one.
 *
 * @throws Error with the plant's message when it cannot start (a map missing for a device, an invalid plan)
 */
export async function startPlantThread(opts: PlantThreadOptions): Promise<PlantThread> {
  const { logger: log, stopTimeoutMs = 30_000, ...settings } = opts;
  const data: PlantWorkerData = { ...settings, logLevel: log.level };
  let stopping = false;
  let restarts = 0;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  let current: Worker;

  /** Starts one thread; resolves once it polls, rejects when it failed to start. */
  const launch = () =>
    new Promise<Worker>((resolve, reject) => {
      const w = spawn(data);
      let started = false;
      w.on('message', (m: PlantMessage) => {
        if (m.type === 'log') forward(log, m.line);
        else if (m.type === 'started') {
          started = true;
          resolve(w);
        } else if (m.type === 'failed') reject(new Error(m.message));
        else if (m.type === 'ready') markReady();
      });
      w.on('error', (e) => {
        log.error({ err: e.message, stack: e.stack }, 'plant thread failed');
        if (!started) reject(e);
      });
      w.on('exit', (code) => {
        if (!started) reject(new Error(`plant thread ended at start (exit code ${code})`));
        else if (!stopping && w === current) void restart(code);
      });
    });

  const restart = async (code: number): Promise<void> => {
    for (let attempt = 0; !stopping; attempt++) {
      const delay = backoffDelay(attempt + 1, RESTART_BACKOFF);
      log.error({ exitCode: code, restartInMs: delay }, 'plant thread ended unexpectedly; starting it again');
      await new Promise((r) => setTimeout(r, delay));
      if (stopping) return;
      try {
        current = await launch();
        restarts++;
        return;
      } catch (e) {
        log.error({ err: (e as Error).message }, 'plant thread restart failed');
      }
    }
  };

  current = await launch();
  let stopped: Promise<void> | null = null;
  return {
    ready,
    restarts: () => restarts,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const w = current;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            log.error({ timeoutMs: stopTimeoutMs }, 'plant thread did not stop in time: terminated');
            void w.terminate();
          }, stopTimeoutMs);
          w.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          w.postMessage({ type: 'stop' } satisfies PlantCommand);
        });
      })();
      return stopped;
    },
  };
}
