import { Pool, type PoolConfig } from 'pg';
import type { Logger } from 'pino';

/** Options of {@link createPool}. */
export interface StorePoolOptions {
  /** Maximum connections (pg default 10). Use `recommendedPoolMax` of the embedded database for PGlite. */
  max?: number;
  /** `application_name` shown in pg_stat_activity (default `openbess-collector`). */
  applicationName?: string;
  /**
   * Server-side `statement_timeout`, ms (default 30 000): a statement running longer is cancelled by
   * PostgreSQL. 0 disables it.
   */
  statementTimeoutMs?: number;
  /**
   * Client-side read timeout, ms (default statementTimeoutMs + 10 000): a query whose answer never
   * arrives (half-open TCP, hung server) fails instead of hanging the caller forever. 0 disables it.
   */
  queryTimeoutMs?: number;
  /** Wait for a free connection at most this long, ms (default 5 000; pg's default waits forever). */
  connectionTimeoutMs?: number;
  /** Close idle connections after this many ms (default 30 000). */
  idleTimeoutMs?: number;
  /** Logger for idle-client errors; without it they are silently counted. */
  logger?: Logger;
}

/** A pg Pool that also counts the idle-client errors it absorbed. */
export interface StorePool extends Pool {
  /** Idle-client errors absorbed by the pool's `error` listener since creation. */
  readonly idleErrors: number;
}

/**
 * Creates a `pg` pool for the store.
 *
 * An `error` listener is always attached: node-postgres emits `error` on the pool when an *idle*
 * client loses its connection (PostgreSQL restart, 57P01 admin shutdown); without a listener Node
 * treats it as an unhandled `error` event and the process dies (measured, see
 * shared/reference/notes/collector-and-storage.md §3.2). The broken client is discarded by pg and
 * the next query opens a new connection.
 *
 * @param url - connection string, e.g. `postgres://postgres@127.0.0.1:5432/openbess`
 */
export function createPool(url: string, opts: StorePoolOptions = {}): StorePool {
  const statementTimeout = opts.statementTimeoutMs ?? 30_000;
  const queryTimeout = opts.queryTimeoutMs ?? (statementTimeout > 0 ? statementTimeout + 10_000 : 0);
  const config: PoolConfig = {
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'openbess-collector',
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
    keepAlive: true,
  };
  if (statementTimeout > 0) config.statement_timeout = statementTimeout;
  if (queryTimeout > 0) config.query_timeout = queryTimeout;
  const pool = new Pool(config) as Pool & { idleErrors: number };
  pool.idleErrors = 0;
  pool.on('error', (err: Error & { code?: string }) => {
    pool.idleErrors++;
    opts.logger?.warn({ err: err.message, code: err.code }, 'idle database connection lost');
  });
  return pool;
}

/** SQLSTATE classes/codes and network errors that mean "the database is not reachable right now". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up / shutting down)
  '57014', // query_canceled (statement_timeout): transient, retry later
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * Whether an error is transient (database down, restarting, overloaded or the connection broke), so
 * the same write should be retried later, as opposed to a data error that will fail again.
 */
export function isTransientDbError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('53') || code.startsWith('58')) {
    return true;
  }
  if (code) return false;
  const msg = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|not queryable|socket hang up|Connection refused|Too many connections/i.test(
    msg
  );
}
