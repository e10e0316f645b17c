import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { configWithFreePorts, DEMO_CONFIG, freePort, ROOT, startCli, waitFor, type CliProcess } from './helpers';

/**
 * The collector process wires access control from its environment: OPENBESS_ACCESS_FILE (the shipped
 * collector/config/access.yaml) with OPENBESS_TRUST_USER_HEADER — users see only the sites the file
 * grants them; partners get no telemetry. (Role semantics are tested in test/api/access.test.ts.)
 */
jest.setTimeout(90_000);

const TOKEN = 'e2e-access-token';
let db: TestDatabase;
let dir: string;
let collector: CliProcess;
let api: string;

beforeAll(async () => {
  db = await createTestDatabase('openbess_e2e_acl');
  dir = mkdtempSync(join(tmpdir(), 'openbess-e2e-acl-'));
  // no simulator: polls fail (recorded as gaps), the API still answers from the database
  const { file } = await configWithFreePorts(DEMO_CONFIG, join(dir, 'demo.yaml'));
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  collector = startCli('collector.ts', ['--config', file], {
    DATABASE_URL: db.url,
    OPENBESS_API_TOKEN: TOKEN,
    OPENBESS_API_PORT: String(port),
    OPENBESS_SPOOL_DIR: join(dir, 'spool'),
    OPENBESS_ACCESS_FILE: join(ROOT, 'collector', 'config', 'access.yaml'),
    OPENBESS_TRUST_USER_HEADER: 'true',
  });
  // up and migrated: an admin reads a site
  await waitFor(
    'the API',
    () =>
      fetch(`${api}/api/sites/GB003/latest`, {
        headers: { authorization: `Bearer ${TOKEN}`, 'x-grafana-user': 'operator@enka.example' },
      }).then((r) => r.ok),
    60_000,
    300
  );
});

afterAll(async () => {
  collector?.child.kill('SIGTERM');
  await collector?.exited;
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const latest = (site: string, user?: string) =>
  fetch(`${api}/api/sites/${site}/latest`, {
    headers: { authorization: `Bearer ${TOKEN}`, ...(user ? { 'x-grafana-user': user } : {}) },
  }).then((r) => r.status);

test.each([
  ['operator@enka.example', 'EE001', 200],
  ['analyst', 'FI006', 200],
  ['analyst', 'EE001', 403],
  ['ANALYST', 'GB003', 403],
  ['asset.manager@enka.example', 'EE001', 200],
  ['tmeic.service', 'FI006', 403],
  ['somebody.else', 'FI006', 403],
])('%s → %s: %i', async (user, site, status) => {
  expect(await latest(site, user)).toBe(status);
});

test('a request without a Grafana user sees no site; the token alone is not admin any more', async () => {
  expect(await latest('FI006')).toBe(403);
});
