import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { loadRegisterMaps } from '@openbess/model';
import { createApiApp, type ApiOptions } from '../../src/api/app';
import { parseAccessConfig } from '../../src/api/identity';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites } from '../../src/store/registry';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testSites, TOKEN } from '../api/support/fixture';

/** The two test sites (FI006, EE001) and the API token: the API tests' own. */
export { testSites, TOKEN };

/**
 * Test users (access file): one per role on FI006, a user of EE001 and a partner on no team. Partners reach
 * sites only through team membership: {@link setupMaintenance} puts `pat` on the FI006 team.
 */
export const USERS = {
  vera: { role: 'viewer', sites: ['FI006'] },
  uma: { role: 'user', sites: ['FI006'] },
  ada: { role: 'admin' },
  pat: { role: 'partner-maintenance' },
  ulf: { role: 'user', sites: ['EE001'] },
  pia: { role: 'partner-maintenance' },
} as const;
export type Login = keyof typeof USERS;

/** The four roles of issue 6 §6, each as a FI006 user. */
export const ROLE_USERS = { viewer: 'vera', partner: 'pat', user: 'uma', admin: 'ada' } as const;

/** A running maintenance API over a throwaway database. */
export interface MaintenanceFixture {
  db: TestDatabase;
  pool: StorePool;
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Database with the schema (all migrations) and the two test sites (FI006: 2 blocks × 2 strings, EE001:
 * 1 block × 2 strings), the real express app on an ephemeral port with `X-Grafana-User` identities.
 */
export async function setupMaintenance(extra: Partial<ApiOptions> = {}): Promise<MaintenanceFixture> {
  const db = await createTestDatabase('openbess_mnt');
  const pool = createPool(db.url, { max: 6 });
  await migrate(pool, { timescale: false });
  const maps = loadRegisterMaps();
  const sites = testSites(maps);
  await registerSites(pool, sites, maps);
  const app = createApiApp({
    pool,
    sites,
    token: TOKEN,
    logger: pino({ level: 'silent' }),
    maps,
    identity: { trustUserHeader: true, access: parseAccessConfig({ users: USERS }, 'test-access') },
    ...extra,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const f: MaintenanceFixture = {
    db,
    pool,
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await pool.end();
      await db.drop();
    },
  };
  const add = await call(f, 'ada', 'POST', '/team', { site: 'FI006', login: 'pat', teamRole: 'technician' });
  if (add.status !== 201) throw new Error(`fixture: team add failed ${add.status} ${JSON.stringify(add.body)}`);
  for (const login of ['uma', 'vera']) await call(f, 'ada', 'POST', '/team', { site: 'FI006', login });
  return f;
}

/** A parsed JSON answer: tests read it freely and assert its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** An API answer: status, parsed JSON body (or text), headers. */
export interface Answer<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * Calls `/api/maintenance<path>` as a user (`X-Grafana-User`), with a JSON body when given.
 * @param as login, or null for token-only (no user header)
 */
export async function call<T = Json>(
  f: { url: string },
  as: string | null,
  method: string,
  path: string,
  body?: unknown
): Promise<Answer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (as) headers['x-grafana-user'] = as;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${f.url}/api/maintenance${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON (downloads) */
  }
  return { status: r.status, body: parsed as T, headers: r.headers };
}

/** Uploads one file as multipart field `file` (or `field`). */
export async function upload(
  f: { url: string },
  as: string,
  workOrderId: number,
  name: string,
  content: Uint8Array | string,
  field = 'file'
): Promise<Answer> {
  const form = new FormData();
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  form.append(field, new Blob([bytes]), name);
  const r = await fetch(`${f.url}/api/maintenance/work-orders/${workOrderId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'x-grafana-user': as },
    body: form,
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

/** A minimal valid PNG (1×1, transparent). */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64'
);

/** Creates a work order as admin (DRAFT unless `status` given) and returns its JSON. */
export async function createWo(f: { url: string }, extra: Record<string, unknown> = {}, as: string = 'ada') {
  const r = await call(f, as, 'POST', '/work-orders', { site: 'FI006', title: 'Replace HVAC filter', ...extra });
  if (r.status !== 201) throw new Error(`create failed ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: number; version: number; status: string; site: string };
}
