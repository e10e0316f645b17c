import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { installSessionQueue } from './session-queue';

/** Options of {@link startEmbeddedDatabase}. */
export interface EmbeddedDatabaseOptions {
  /**
   * Data directory (created). Default `.openbess/pgdata` under the current directory, so demo data
   * survives restarts (git-ignored). `'memory'` keeps everything in memory.
   */
  dataDir?: string;
  /** TCP port on 127.0.0.1; default 0 = an ephemeral port (read `port` back). */
  port?: number;
  /**
   * Connections the socket server accepts at once (default {@link EMBEDDED_MAX_CONNECTIONS}). Sum the
   * `max` of every pool that connects and stay at or below it: a connection beyond it is answered
   * with "Too many connections" and closed.
   */
  maxConnections?: number;
}

/** A running embedded database. */
export interface EmbeddedDatabase {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` for `pg`. */
  url: string;
  host: string;
  port: number;
  /** Resolved data directory, or 'memory'. */
  dataDir: string;
  /** Connections the socket server accepts at once. */
  maxConnections: number;
  /**
   * Recommended `max` for one `pg` pool: PGlite is one single-user backend, so more connections add
   * no throughput; a few keep the collector's writer, the API and a psql session from blocking each
   * other at the pool level.
   */
  recommendedPoolMax: number;
  /** Stops the socket server and closes PGlite (flushing its files). */
  stop(): Promise<void>;
}

/**
 * Default connection limit of the embedded server. pglite-socket 0.2.17 accepts 1 connection by
 * default (`maxConnections`), answering further ones with "Too many connections" and closing them.
 * With more, it multiplexes all connections onto PGlite's single backend; its own queue switches
 * connections between any two protocol messages outside transactions, which mixes up the extended-
 * protocol cycles (Parse…Sync) of concurrent connections and returns one query's rows to another, so
 * {@link startEmbeddedDatabase} replaces it with a queue that keeps each cycle and each transaction
 * together (./session-queue.ts; regression test collector/test/e2e/embedded-concurrency.test.ts).
 */
export const EMBEDDED_MAX_CONNECTIONS = 12;
/** Recommended pool size per pool on the embedded server (see {@link EmbeddedDatabase.recommendedPoolMax}). */
export const EMBEDDED_POOL_MAX = 3;

/** Whether a process with this pid exists (signal 0; EPERM means it exists but is not ours). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dataDir>.lock` (the owner's pid): PGlite has no cross-process locking, and two processes on
 * one data directory corrupt it. A dead owner's lock (SIGKILL, crash) is taken over.
 * @returns the lock file
 * @throws Error naming the data directory and the live owner's pid
 */
function lockDataDir(dataDir: string): string {
  const file = `${dataDir}.lock`;
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
      throw new Error(
        `embedded database ${dataDir} is in use by process ${pid} (another \`npm start\` or backfill?); stop it or set OPENBESS_STATE_DIR`
      );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  writeFileSync(file, `${process.pid}\n`);
  return file;
}

/**
 * Starts PGlite (PostgreSQL compiled to WASM, `@electric-sql/pglite`) behind
 * `@electric-sql/pglite-socket`, so `pg` connects to it over TCP on 127.0.0.1 like to any server.
 * Limits compared to PostgreSQL: no TimescaleDB, and `COPY … FROM STDIN` does not work over the
 * socket (the store's writer switches to INSERT … SELECT FROM unnest on PGlite by itself).
 *
 * @throws Error when the data directory cannot be created/opened, is in use by another live process
 *   (`<dataDir>.lock`), or the port is taken
 */
export async function startEmbeddedDatabase(opts: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const memory = opts.dataDir === 'memory';
  const dataDir = memory ? 'memory' : resolve(opts.dataDir ?? '.openbess/pgdata');
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const lock = memory ? null : lockDataDir(dataDir);
  const unlock = () => {
    if (lock) rmSync(lock, { force: true });
  };
  let db: PGlite;
  try {
    db = await PGlite.create(memory ? undefined : dataDir);
  } catch (e) {
    unlock();
    throw new Error(`embedded database: cannot open ${dataDir}: ${(e as Error).message}`);
  }
  const maxConnections = opts.maxConnections ?? EMBEDDED_MAX_CONNECTIONS;
  const host = '127.0.0.1';
  const server = new PGLiteSocketServer({ db, host, port: opts.port ?? 0, maxConnections });
  try {
    // keep each connection's Parse…Sync cycle together on the single backend (see session-queue.ts)
    installSessionQueue(server, db);
    await server.start();
  } catch (e) {
    await db.close().catch(() => undefined);
    unlock();
    throw new Error(`embedded database: cannot listen on ${host}:${opts.port ?? 0}: ${(e as Error).message}`);
  }
  const port = Number(server.getServerConn().split(':').pop());
  let stopped: Promise<void> | null = null;
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    host,
    port,
    dataDir,
    maxConnections,
    recommendedPoolMax: Math.min(EMBEDDED_POOL_MAX, maxConnections),
    stop() {
      stopped ??= (async () => {
        try {
          await server.stop();
          await db.close();
        } finally {
          unlock();
        }
      })();
      return stopped;
    },
  };
}
