import type { Pool } from 'pg';
import { isPglite } from './migrate';

const shared = new WeakMap<object, Promise<boolean>>();

/**
 * The name to give a prepared statement on `pool`, or undefined (an unnamed statement) where names are
 * unsafe: PGlite serves every socket connection from its one session, so a statement a pg client
 * prepared under a name already exists for the next client, which prepares it again and fails with
 * 42P05 ("prepared statement … already exists"). Asks the server once per pool.
 * @throws the database error of that first question (asked again on the next call)
 */
export async function preparedName(pool: Pick<Pool, 'query'>, name: string): Promise<string | undefined> {
  let p = shared.get(pool);
  if (!p) {
    p = isPglite(pool);
    shared.set(pool, p);
    p.catch(() => shared.delete(pool));
  }
  return (await p) ? undefined : name;
}
