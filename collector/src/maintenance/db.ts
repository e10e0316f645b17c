import type { Pool, PoolClient } from 'pg';

/** Something that runs queries: the pool or a client inside a transaction. */
export type Db = Pick<Pool, 'query'> | PoolClient;

/**
 * Runs `fn` in one transaction on a pooled client: COMMIT when it resolves, ROLLBACK when it throws (the error
 * is rethrown).
 */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}
