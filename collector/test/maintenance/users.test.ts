import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, setupMaintenance, type MaintenanceFixture } from './support';

/**
 * The user picker with Grafana's user API configured (`GRAFANA_URL` + service-account token). No Grafana
 * server runs on this machine, so a stand-in answers `GET /api/org/users` as Grafana does (login, name,
 * email, role), only with the right bearer token.
 */
let grafana: Server;
let calls = 0;
let f: MaintenanceFixture;
let broken: MaintenanceFixture;
const SA_TOKEN = 'glsa_test_token';

beforeAll(async () => {
  grafana = createServer((req, res) => {
    calls++;
    if (req.url !== '/api/org/users' || req.headers.authorization !== `Bearer ${SA_TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Unauthorized"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify([
        { orgId: 1, userId: 1, login: 'admin', email: 'admin@localhost', name: '', role: 'Admin' },
        { orgId: 1, userId: 2, login: 'Uma', email: 'uma@example.com', name: 'Uma User', role: 'Editor' },
        { orgId: 1, userId: 3, login: 'vera', email: 'vera@example.com', name: 'Vera Viewer', role: 'Viewer' },
      ])
    );
  });
  await new Promise<void>((r) => grafana.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(grafana.address() as AddressInfo).port}/`;
  f = await setupMaintenance({ maintenance: { grafana: { url, token: SA_TOKEN } } });
  broken = await setupMaintenance({ maintenance: { grafana: { url, token: 'wrong' } } });
}, 60_000);
afterAll(async () => {
  await f?.close();
  await broken?.close();
  await new Promise<void>((r) => (grafana ? grafana.close(() => r()) : r()));
});

describe('user picker', () => {
  it("lists Grafana's org users (merged with the team roster) when a service-account token is configured", async () => {
    const r = await call(f, 'ada', 'GET', '/users');
    expect(r.status).toBe(200);
    expect(r.body.source).toBe('grafana');
    const byLogin = new Map(r.body.items.map((u: { login: string }) => [u.login, u]));
    expect(byLogin.get('uma')).toEqual({ login: 'uma', name: 'Uma User', email: 'uma@example.com', role: 'user' });
    expect(byLogin.get('admin')).toEqual({ login: 'admin', name: null, email: 'admin@localhost', role: null });
    expect(byLogin.has('pat')).toBe(true); // on the FI006 roster, not a Grafana user here
    const before = calls;
    await call(f, 'ada', 'GET', '/users?q=vera');
    expect(calls).toBe(before); // cached
    expect((await call(f, 'ada', 'GET', '/users?q=viewer')).body.items.map((u: { login: string }) => u.login)).toEqual([
      'vera',
    ]);
  });

  it('falls back to the access file and rosters when Grafana refuses', async () => {
    const r = await call(broken, 'ada', 'GET', '/users');
    expect(r.status).toBe(200);
    expect(r.body.source).toBe('local');
    expect(r.body.items.map((u: { login: string }) => u.login)).toEqual(
      expect.arrayContaining(['ada', 'uma', 'vera', 'pat', 'ulf', 'pia'])
    );
  });
});
