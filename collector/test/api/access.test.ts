import pino from 'pino';
import type { DataFrameJSON } from '@openbess/model';
import { parseAccessConfig } from '../../src/api/identity';
import { createEventRecorder } from '../../src/events';
import { LatestValues } from '../../src/store/latest-values';
import { postQuery, setupApi, startApi, TOKEN, type ApiFixture, type RunningApi } from './support/fixture';
import { startFakeGrafana, type FakeGrafana } from './support/grafana';

let f: ApiFixture;
let grafana: FakeGrafana;
let api: RunningApi;
let headerApi: RunningApi;

const SITES = ['FI006', 'EE001'] as const;
/** Test users: login → role and granted sites. */
const USERS = {
  vera: { role: 'viewer', sites: ['FI006'] },
  uma: { role: 'user', sites: ['EE001'] },
  ada: { role: 'admin' },
  pat: { role: 'partner-maintenance' },
} as const;
const access = parseAccessConfig({ users: USERS }, 'test-access');

beforeAll(async () => {
  f = await setupApi(1, 'openbess_api_acl');
  grafana = await startFakeGrafana();
  api = await startApi(f, { identity: { grafana: { grafanaUrl: grafana.rootUrl }, access } });
  // as the collector service runs it: latest values from the in-memory copy of the table (answers
  // reused between writes must still be per user)
  headerApi = await startApi(f, { identity: { trustUserHeader: true, access }, latest: new LatestValues(f.pool) });
  // events for the events/faults query types: the fixture's status registers (value 42) raise bits
  await createEventRecorder({ pool: f.pool, maps: f.maps, logger: pino({ level: 'silent' }) }).catchUp();
}, 60_000);

afterAll(async () => {
  await api?.close();
  await headerApi?.close();
  await grafana?.close();
  await f?.close();
});

/** Every query type (and its site-scoped variants), aimed at one site. */
const queriesFor = (site: string): Record<string, Record<string, unknown>> => ({
  timeseries: { queryType: 'timeseries', series: [{ device: `${site}MT1`, metric: 'activePower' }] },
  'latest site': { queryType: 'latest', site },
  'latest devices': { queryType: 'latest', devices: [`${site}ES1BK1`] },
  tree: { queryType: 'tree', site },
  'catalog site': { queryType: 'catalog', site },
  'catalog device': { queryType: 'catalog', device: `${site}ES1BK1BS1` },
  'variable blocks': { queryType: 'variable', variable: 'blocks', site },
  'variable strings': { queryType: 'variable', variable: 'strings', block: `${site}ES1BK1` },
  'variable devices': { queryType: 'variable', variable: 'devices', site },
  'variable metrics': { queryType: 'variable', variable: 'metrics', device: `${site}MT1` },
  'status devices': { queryType: 'status', devices: [`${site}ES1BK1BS1`] },
  'status site': { queryType: 'status', site, profile: 'batteryString' },
  'status block': { queryType: 'status', block: `${site}ES1BK1`, profile: 'bessBlock' },
  ...Object.fromEntries(
    ['stringStatus', 'blockStatus', 'missingStrings', 'missingBlocks'].map((scan) => [
      `scan ${scan}`,
      { queryType: 'scan', site, scan },
    ])
  ),
  'events site': { queryType: 'events', site },
  'events devices': { queryType: 'events', devices: [`${site}ES1BK1BS1`], format: 'table' },
  'faults site': { queryType: 'faults', site, view: 'mttrByDevice' },
  'faults devices': { queryType: 'faults', devices: [`${site}ES1BK1BS1`], view: 'timeline' },
});
/** Queries that name no site: they must still return only granted sites. */
const UNSCOPED: Record<string, Record<string, unknown>> = {
  'latest (all)': { queryType: 'latest' },
  'latest (metric filter)': { queryType: 'latest', metrics: ['activePower'] },
  'catalog (all)': { queryType: 'catalog' },
  'variable sites': { queryType: 'variable', variable: 'sites' },
  'events (all)': { queryType: 'events', format: 'table' },
  'faults (all)': { queryType: 'faults', view: 'topOffenders', limit: 1000 },
};

const SITE_PREFIX = /^([A-Z]{2}[0-9]{3})(?:[A-Z0-9]*)$/;
/**
 * Every site a frame reveals: `labels.site` and every string value of the fields naming sites or
 * devices (site, device, id, parent, value of variable frames).
 */
function sitesIn(frames: DataFrameJSON[]): Set<string> {
  const out = new Set<string>();
  for (const fr of frames) {
    fr.schema.fields.forEach((field, j) => {
      if (field.labels?.site) out.add(field.labels.site);
      if (!['site', 'device', 'id', 'parent', 'value'].includes(field.name)) return;
      for (const v of fr.data.values[j]) {
        const m = typeof v === 'string' ? SITE_PREFIX.exec(v) : null;
        if (m) out.add(m[1]);
      }
    });
  }
  return out;
}
/** Rows in a set of frames (for "something came back"). */
const rowCount = (frames: DataFrameJSON[]) => frames.reduce((n, fr) => n + (fr.data.values[0]?.length ?? 0), 0);

const range = () => ({ from: f.from, to: f.now + 1000 });
const headersFor = async (login: string, via: 'jwt' | 'header'): Promise<Record<string, string>> =>
  via === 'jwt' ? { 'x-grafana-id': await grafana.sign(login) } : { 'x-grafana-user': login };

describe.each(['jwt', 'header'] as const)('access matrix (identity via %s)', (via) => {
  const target = () => (via === 'jwt' ? api : headerApi);

  describe.each(['vera', 'uma', 'ada'] as const)('%s', (login) => {
    const user = USERS[login];
    const granted = new Set<string>('sites' in user ? user.sites : SITES);

    it.each(SITES.flatMap((site) => Object.keys(queriesFor(site)).map((name) => [site, name] as const)))(
      'site %s, %s: granted → rows of that site only; not granted → 403 and no frames',
      async (site, name) => {
        const q = { refId: 'Q', ...queriesFor(site)[name] };
        const r = await postQuery(target(), { ...range(), queries: [q] }, await headersFor(login, via));
        const result = r.body.results.Q;
        if (granted.has(site)) {
          expect(r.status).toBe(200);
          expect(result.status).toBe(200);
          expect(rowCount(result.frames!)).toBeGreaterThan(0);
          const revealed = sitesIn(result.frames!);
          if (revealed.size > 0) expect([...revealed]).toEqual([site]);
          else {
            // frames without site/device columns (catalog, metric lists): identical to the admin's answer
            const admin = await postQuery(target(), { ...range(), queries: [q] }, await headersFor('ada', via));
            expect(result).toEqual(admin.body.results.Q);
          }
        } else {
          expect(r.status).toBe(403);
          expect(result).toEqual({ status: 403, error: expect.stringMatching(new RegExp(`no access to .*${site}`)) });
        }
      }
    );

    it.each(Object.keys(UNSCOPED))('%s returns exactly the granted sites', async (name) => {
      const r = await postQuery(
        target(),
        { ...range(), queries: [{ refId: 'Q', ...UNSCOPED[name] }] },
        await headersFor(login, via)
      );
      expect(r.status).toBe(200);
      const frames = r.body.results.Q.frames!;
      if (name.startsWith('catalog')) {
        // catalog rows carry no site: compare device counts with the granted sites' own catalogs
        const total = (frs: DataFrameJSON[]) =>
          (frs[0].data.values[frs[0].schema.fields.findIndex((x) => x.name === 'devices')] as number[]).reduce(
            (a, b) => a + b,
            0
          );
        const admin = await postQuery(
          api,
          { ...range(), queries: [...granted].map((s, i) => ({ refId: `S${i}`, queryType: 'catalog', site: s })) },
          await headersFor('ada', 'jwt')
        );
        const expected = Object.values(admin.body.results).reduce((n, x) => n + total(x.frames!), 0);
        expect(total(frames)).toBe(expected);
      } else {
        expect(sitesIn(frames)).toEqual(granted);
      }
    });

    it('GET /api/sites/:site/latest: granted sites 200, others 403', async () => {
      for (const site of SITES) {
        const r = await fetch(`${target().url}/api/sites/${site}/latest?arrays=false`, {
          headers: { authorization: `Bearer ${TOKEN}`, ...(await headersFor(login, via)) },
        });
        expect(r.status).toBe(granted.has(site) ? 200 : 403);
        const body = (await r.json()) as { error?: string; devices: { id: string }[] };
        if (granted.has(site))
          expect(new Set(body.devices.map((d: { id: string }) => d.id.slice(0, 5)))).toEqual(new Set([site]));
        else expect(body.error).toBe(`no access to site ${site}`);
      }
    });
  });

  it('partner-maintenance: every /api/query answers 403, whatever the query', async () => {
    const all = [...SITES.flatMap((s) => Object.values(queriesFor(s))), ...Object.values(UNSCOPED)];
    for (const q of all) {
      const r = await postQuery(
        target(),
        { ...range(), queries: [{ refId: 'Q', ...q }] },
        await headersFor('pat', via)
      );
      expect(r.status).toBe(403);
      expect(r.body.error).toMatch(/partner-maintenance has no access to telemetry/);
      expect(r.body.results).toBeUndefined();
    }
    for (const site of SITES) {
      const r = await fetch(`${target().url}/api/sites/${site}/latest`, {
        headers: { authorization: `Bearer ${TOKEN}`, ...(await headersFor('pat', via)) },
      });
      expect(r.status).toBe(403);
    }
  });

  it('a user the file does not list sees nothing (default role none)', async () => {
    const h = await headersFor('stranger', via);
    for (const site of SITES) {
      for (const q of Object.values(queriesFor(site))) {
        const r = await postQuery(target(), { ...range(), queries: [{ refId: 'Q', ...q }] }, h);
        expect(r.body.results.Q.status).toBe(403);
      }
    }
    for (const q of Object.values(UNSCOPED)) {
      const r = await postQuery(target(), { ...range(), queries: [{ refId: 'Q', ...q }] }, h);
      expect(rowCount(r.body.results.Q.frames!)).toBe(0);
    }
  });
});

describe('bearer token', () => {
  it.each([
    ['missing', {}],
    ['wrong', { authorization: 'Bearer nope' }],
    ['not a bearer', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }],
  ])('%s token → 401 on every route, before identity', async (_name, auth) => {
    const h = { ...auth, 'x-grafana-id': await grafana.sign('ada'), 'content-type': 'application/json' };
    const routes: [string, RequestInit][] = [
      [
        '/api/query',
        { method: 'POST', headers: h, body: JSON.stringify({ ...range(), queries: [UNSCOPED['variable sites']] }) },
      ],
      ['/api/sites/FI006/latest', { headers: h }],
      ['/api/health', { headers: h }],
    ];
    for (const [path, init] of routes) {
      const r = await fetch(`${api.url}${path}`, init);
      expect(r.status).toBe(401);
      expect(((await r.json()) as { error: string }).error).toMatch(/bearer token/);
    }
  });
});
