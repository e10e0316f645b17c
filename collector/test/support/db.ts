import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Server used by tests: the machine's PostgreSQL (trust auth), overridable with TEST_PG_URL. */
export const TEST_PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A throwaway database on the real PostgreSQL server. */
export interface TestDatabase {
  name: string;
  /** Connection string of the new database. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh, uniquely named database on the real PostgreSQL server so test files can run in
 * parallel without sharing state. Call `drop()` in afterAll.
 */
export async function createTestDatabase(prefix = 'openbess_t'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_PG_BASE });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(TEST_PG_BASE);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      const c = new Client({ connectionString: TEST_PG_BASE });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
