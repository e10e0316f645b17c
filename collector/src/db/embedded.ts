import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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
 * With more, it multiplexes all connections onto PGlite's single backend, one protocol message at a
 * time, and keeps other connections waiting while one is inside a transaction (checked: concurrent
 * extended-protocol queries from two connections return correct results; a transaction's rows are
 * invisible to the other connection until commit).
 */
export const EMBEDDED_MAX_CONNECTIONS = 12;
/** Recommended pool size per pool on the embedded server (see {@link EmbeddedDatabase.recommendedPoolMax}). */
export const EMBEDDED_POOL_MAX = 3;

/**
 * Starts PGlite (PostgreSQL compiled to WASM, `@electric-sql/pglite`) behind
 * `@electric-sql/pglite-socket`, so `pg` connects to it over TCP on 127.0.0.1 like to any server.
 * Limits compared to PostgreSQL: no TimescaleDB, and `COPY … FROM STDIN` does not work over the
 * socket (the store's writer switches to INSERT … SELECT FROM unnest on PGlite by itself).
 *
 * @throws Error when the data directory cannot be created/opened or the port is taken
 */
export async function startEmbeddedDatabase(opts: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const memory = opts.dataDir === 'memory';
  const dataDir = memory ? 'memory' : resolve(opts.dataDir ?? '.openbess/pgdata');
  if (!memory) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(memory ? undefined : dataDir);
  const maxConnections = opts.maxConnections ?? EMBEDDED_MAX_CONNECTIONS;
  const host = '127.0.0.1';
  const server = new PGLiteSocketServer({ db, host, port: opts.port ?? 0, maxConnections });
  try {
    await server.start();
  } catch (e) {
    await db.close().catch(() => undefined);
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
        await server.stop();
        await db.close();
      })();
      return stopped;
    },
  };
}
