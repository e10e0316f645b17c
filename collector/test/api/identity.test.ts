import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { UnsecuredJWT } from 'jose';
import { ConfigError } from '@openbess/model';
import { loadAccessConfig, parseAccessConfig, unknownGrantedSites, type IdentityOptions } from '../../src/api/identity';
import { postQuery, setupApi, startApi, type ApiFixture, type RunningApi } from './support/fixture';
import { startFakeGrafana, type FakeGrafana } from './support/grafana';

let f: ApiFixture;
let grafana: FakeGrafana;
let api: RunningApi;
const access = parseAccessConfig(
  {
    defaultRole: 'none',
    grafanaRoles: { Admin: 'admin' },
    users: { Vera: { role: 'viewer', sites: ['FI006'] }, uma: { role: 'user', sites: ['EE001'] } },
  },
  'test-access'
);

beforeAll(async () => {
  f = await setupApi(1, 'openbess_api_id');
  grafana = await startFakeGrafana();
  api = await startApi(f, { identity: { grafana: { grafanaUrl: grafana.rootUrl }, access } });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await grafana?.close();
  await f?.close();
});

const T = 1_700_000_000_000;
const sitesQuery = { from: T, to: T + 1000, queries: [{ refId: 'V', queryType: 'variable', variable: 'sites' }] };
const visibleSites = async (target: RunningApi, headers: Record<string, string>) => {
  const r = await postQuery(target, sitesQuery, headers);
  return { status: r.status, error: r.body.error, sites: r.body.results?.V?.frames?.[0].data.values[1] };
};

describe('X-Grafana-Id (ID token verified against Grafana JWKS)', () => {
  it('accepts a valid ES256 token from the JWKS and resolves the login case-insensitively', async () => {
    const token = await grafana.sign('vera');
    expect(await visibleSites(api, { 'x-grafana-id': token })).toEqual({
      status: 200,
      error: undefined,
      sites: ['FI006'],
    });
    expect(grafana.jwksHits).toBeGreaterThan(0);
  });

  it('accepts `login` instead of `username` and the issuer without trailing slash', async () => {
    const token = await grafana.sign('x', {
      username: undefined,
      login: 'uma',
      iss: grafana.rootUrl.replace(/\/$/, ''),
    });
    expect((await visibleSites(api, { 'x-grafana-id': token })).sites).toEqual(['EE001']);
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['expired', () => grafana.sign('vera', { exp: Math.floor(Date.now() / 1000) - 120 }), /expired/],
    ['wrong issuer', () => grafana.sign('vera', { iss: 'https://evil.example/' }), /issuer/],
    ['wrong audience', () => grafana.sign('vera', { aud: ['org:2'] }), /audience/],
    [
      'signed by a key Grafana does not publish (same kid)',
      () => grafana.sign('vera', {}, { key: grafana.otherKey }),
      /signature/,
    ],
    [
      'signed by an unknown kid',
      () => grafana.sign('vera', {}, { key: grafana.otherKey, kid: 'rogue' }),
      /key Grafana does not publish/,
    ],
    [
      'unsigned (alg none)',
      async () =>
        new UnsecuredJWT({ username: 'vera', aud: 'org:1', iss: grafana.rootUrl }).setExpirationTime('5m').encode(),
      /algorithm|invalid/,
    ],
    [
      'HS256 with a guessed secret',
      () => grafana.sign('vera', {}, { alg: 'HS256', key: new TextEncoder().encode('x'.repeat(32)) }),
      /algorithm/,
    ],
    ['without exp', () => grafana.sign('vera', { exp: undefined }), /exp/],
    ['without login/username', () => grafana.sign('vera', { username: undefined }), /login/],
    ['not before in the future', () => grafana.sign('vera', { nbf: Math.floor(Date.now() / 1000) + 3600 }), /nbf/],
    ['garbage', async () => 'not.a.jwt', /invalid/],
    ['empty', async () => '', /invalid/],
  ])('rejects a token %s with 401 and the reason', async (_name, make, reason) => {
    const r = await postQuery(api, sitesQuery, { 'x-grafana-id': await make() });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatch(reason);
  });

  it('rejects a bad token even when X-Grafana-User names a user (the token is authoritative)', async () => {
    const r = await postQuery(api, sitesQuery, {
      'x-grafana-id': await grafana.sign('vera', { iss: 'https://evil.example/' }),
      'x-grafana-user': 'vera',
    });
    expect(r.status).toBe(401);
  });

  it('maps an unlisted user by the signed Grafana org role when configured, else the default role (none)', async () => {
    expect((await visibleSites(api, { 'x-grafana-id': await grafana.sign('boss', { role: 'Admin' }) })).sites).toEqual([
      'EE001',
      'FI006',
    ]);
    expect(
      (await visibleSites(api, { 'x-grafana-id': await grafana.sign('nobody', { role: 'Editor' }) })).sites
    ).toEqual([]);
  });

  it('checks the namespace claim when one is configured', async () => {
    const strict = await startApi(f, {
      identity: { grafana: { grafanaUrl: grafana.rootUrl, namespace: 'stacks-42' }, access },
    });
    try {
      const r = await postQuery(strict, sitesQuery, { 'x-grafana-id': await grafana.sign('vera') });
      expect(r.status).toBe(401);
      expect(r.body.error).toMatch(/namespace/);
      const ok = await postQuery(strict, sitesQuery, {
        'x-grafana-id': await grafana.sign('vera', { namespace: 'stacks-42' }),
      });
      expect(ok.status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('answers 503 when Grafana signing keys cannot be fetched', async () => {
    const dead = createServer((_req, res) => res.writeHead(500).end('down'));
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/`;
    const broken = await startApi(f, { identity: { grafana: { grafanaUrl: url }, access } });
    try {
      const r = await postQuery(broken, sitesQuery, { 'x-grafana-id': await grafana.sign('vera', { iss: url }) });
      expect(r.status).toBe(503);
      expect(r.body.error).toMatch(/signing keys/);
    } finally {
      await broken.close();
      await new Promise<void>((resolve) => dead.close(() => resolve()));
    }
  });
});

describe('X-Grafana-User, anonymous requests and requireUser', () => {
  it('ignores X-Grafana-User unless the operator opts in: anonymous sees no sites', async () => {
    expect(await visibleSites(api, { 'x-grafana-user': 'vera' })).toEqual({ status: 200, error: undefined, sites: [] });
  });

  it('honours X-Grafana-User with trustUserHeader, never its role mapping', async () => {
    const trusting = await startApi(f, { identity: { trustUserHeader: true, access } });
    try {
      expect((await visibleSites(trusting, { 'x-grafana-user': 'uma' })).sites).toEqual(['EE001']);
      expect((await visibleSites(trusting, { 'x-grafana-user': 'boss' })).sites).toEqual([]);
      // no Grafana configured to verify against: an ID token is ignored, the header decides
      expect((await visibleSites(trusting, { 'x-grafana-user': 'vera', 'x-grafana-id': 'junk' })).sites).toEqual([
        'FI006',
      ]);
    } finally {
      await trusting.close();
    }
  });

  it('answers 401 to requests without a user when requireUser is set', async () => {
    const strict: IdentityOptions = { grafana: { grafanaUrl: grafana.rootUrl }, requireUser: true, access };
    const s = await startApi(f, { identity: strict });
    try {
      const r = await visibleSites(s, {});
      expect(r.status).toBe(401);
      expect(r.error).toMatch(/no Grafana user/);
      expect((await visibleSites(s, { 'x-grafana-id': await grafana.sign('vera') })).sites).toEqual(['FI006']);
    } finally {
      await s.close();
    }
  });

  it('treats the token holder as admin when no identity layer is configured (plain demo)', async () => {
    const plain = await startApi(f);
    try {
      expect((await visibleSites(plain, { 'x-grafana-user': 'vera' })).sites).toEqual(['EE001', 'FI006']);
    } finally {
      await plain.close();
    }
  });
});

describe('access provisioning file', () => {
  it('loads the shipped example', () => {
    const cfg = loadAccessConfig(join(__dirname, '../../config/access.yaml'));
    expect(cfg.users.size).toBeGreaterThan(0);
    expect([...cfg.users.values()].map((u) => u.role).sort()).toEqual([
      'admin',
      'partner-maintenance',
      'user',
      'viewer',
    ]);
  });

  it.each<[unknown, string]>([
    [{ users: { alice: { role: 'viewer', sites: ['FI06'] } } }, 'access.yaml: users.alice.sites[0]: site codes'],
    [{ users: { alice: { role: 'owner' } } }, 'access.yaml: users.alice.role:'],
    [{ users: { root: { role: 'admin', sites: ['FI006'] } } }, 'users.root.sites: admins see every site'],
    [
      { users: { p: { role: 'partner-maintenance', sites: ['FI006'] } } },
      'users.p.sites: partners reach sites through maintenance team',
    ],
    [{ users: { Al: { role: 'viewer' }, al: { role: 'user' } } }, 'users.al: login listed twice'],
    [{ defaultRole: 'admin' }, 'access.yaml: defaultRole:'],
    [{ user: {} }, 'access.yaml: (root): '],
  ])('names the file and the entry of a bad entry: %j', (data, message) => {
    expect(() => parseAccessConfig(data, 'access.yaml')).toThrow(ConfigError);
    expect(() => parseAccessConfig(data, 'access.yaml')).toThrow(message);
  });

  it('reports a missing file as a ConfigError naming it', () => {
    expect(() => loadAccessConfig('/nonexistent/access.yaml')).toThrow('/nonexistent/access.yaml: (file):');
  });

  it('lists granted site codes no configured site has', () => {
    const cfg = parseAccessConfig({ users: { a: { role: 'viewer', sites: ['FI006', 'FI007'] } } }, 'x');
    expect(unknownGrantedSites(cfg, ['FI006', 'EE001'])).toEqual(['users.a.sites: FI007']);
  });
});
