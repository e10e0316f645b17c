/**
 * The REAL maintenance API for the browser test: collector createApiApp on a throwaway PostgreSQL database (all
 * migrations, two test sites registered) with `X-Grafana-User` identities from an access file — what Grafana's
 * proxy sends with `send_user_header`. Mirrors collector/test/maintenance/support.ts, kept here so the app test
 * depends only on the collector's source.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadRegisterMaps, parseSitesConfig } from '@openbess/model';
import { createApiApp } from '../../../collector/src/api/app';
import { parseAccessConfig } from '../../../collector/src/api/identity';
import { migrate } from '../../../collector/src/store/migrate';
import { createPool } from '../../../collector/src/store/pool';
import { registerSites } from '../../../collector/src/store/registry';
import { createTestDatabase } from '../../../collector/test/support/db';

/** API bearer token (what the app's route adds from secureJsonData.apiToken). */
export const TOKEN = 'app-browser-test-token-0123';

/** Users of the access file: one per role on FI006. */
export const USERS = {
  vera: { role: 'viewer', sites: ['FI006'] },
  uma: { role: 'user', sites: ['FI006'] },
  ada: { role: 'admin' },
  pat: { role: 'partner-maintenance' },
} as const;

/** A running API. */
export interface RealApi {
  url: string;
  /** Calls `/api/maintenance<path>` as `as` (JSON body or FormData); throws on >= 300 with the answer. */
  call<T = Record<string, unknown>>(as: string, method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Starts the API on 127.0.0.1:0 over a new database; FI006 (2 blocks × 2 strings) and EE001 (1 × 2). */
export async function startRealApi(): Promise<RealApi> {
  const db = await createTestDatabase('openbess_app');
  const pool = createPool(db.url, { max: 4 });
  await migrate(pool, { timescale: false });
  const maps = loadRegisterMaps();
  const sites = parseSitesConfig(
    {
      sites: [
        {
          code: 'FI006',
          name: 'Test Finland',
          modbus: { port: 15020 },
          blocks: 2,
          stringsPerBlock: 2,
          pollCells: false,
        },
        {
          code: 'EE001',
          name: 'Test Estonia',
          modbus: { port: 15021 },
          blocks: 1,
          stringsPerBlock: 2,
          pollCells: false,
        },
      ],
    },
    'app-test-sites',
    maps
  );
  await registerSites(pool, sites, maps);
  const app = createApiApp({
    pool,
    sites,
    token: TOKEN,
    logger: pino({ level: 'silent' }),
    maps,
    identity: { trustUserHeader: true, access: parseAccessConfig({ users: USERS }, 'app-test-access') },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call: RealApi['call'] = async (as, method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'x-grafana-user': as };
    const isForm = body instanceof FormData;
    if (body !== undefined && !isForm) {
      headers['content-type'] = 'application/json';
    }
    const r = await fetch(`${url}/api/maintenance${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : isForm ? (body as FormData) : JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status >= 300) {
      throw new Error(`${method} ${path} as ${as}: ${r.status} ${text.slice(0, 300)}`);
    }
    return (text ? JSON.parse(text) : null) as never;
  };
  return {
    url,
    call,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await pool.end();
      await db.drop();
    },
  };
}
