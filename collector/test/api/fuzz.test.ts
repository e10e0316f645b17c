import { parseAccessConfig } from '../../src/api/identity';
import { postQuery, setupApi, startApi, TOKEN, type ApiFixture, type RunningApi } from './support/fixture';

let f: ApiFixture;
let api: RunningApi;

beforeAll(async () => {
  f = await setupApi(1, 'openbess_api_fz');
  const access = parseAccessConfig({ users: { vera: { role: 'viewer', sites: ['FI006'] } } }, 'fuzz-access');
  // identity on (header mode) so junk user headers are exercised too
  api = await startApi(f, { identity: { trustUserHeader: true, access } });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await f?.close();
});

/** mulberry32: a small seeded PRNG so every failing case is reproducible from its index. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  '',
  ' ',
  'A',
  'FI006',
  'FI006MT1',
  'EE001ES1BK1BS1',
  'activePower',
  'timeseries',
  'latest',
  'tree',
  'catalog',
  'variable',
  'sites',
  '1700000000000',
  '-1',
  '1e400',
  'NaN',
  'null',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  "'; DROP TABLE series; --",
  '\u0000\u0001\u0002',
  '\ud83d\udd0b🔋⚡',
  'ｆｕｌｌｗｉｄｔｈ',
  '\u202e\u200b',
  'x'.repeat(5000),
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  1_700_000_000_000,
  4_102_444_800_001,
  946_684_799_999,
  1e-300,
];

/** Any value as text (JSON for objects). */
const text = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));

function junk(rnd: () => number, depth = 0): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const k = Math.floor(rnd() * (depth > 3 ? 5 : 8));
  switch (k) {
    case 0:
      return null;
    case 1:
      return rnd() < 0.5;
    case 2:
      return pick(NUMBERS);
    case 3:
    case 4:
      return pick(STRINGS);
    case 5:
      return Array.from({ length: Math.floor(rnd() * 4) }, () => junk(rnd, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = [
        'from',
        'to',
        'queries',
        'refId',
        'queryType',
        'series',
        'device',
        'metric',
        'site',
        'maxDataPoints',
        'intervalMs',
        'variable',
        'block',
        'profile',
        '__proto__',
        pick(STRINGS),
      ];
      for (let i = Math.floor(rnd() * 5); i > 0; i--)
        Object.defineProperty(o, pick(keys), {
          value: junk(rnd, depth + 1),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      return o;
    }
  }
}

const VALID = () => ({
  from: String(f.from),
  to: String(f.to),
  queries: [
    {
      refId: 'A',
      queryType: 'timeseries',
      maxDataPoints: 100,
      intervalMs: 60000,
      series: [{ device: 'FI006MT1', metric: 'activePower' }],
    },
    { refId: 'B', queryType: 'variable', variable: 'blocks', site: 'FI006' },
  ],
});

/** A valid request with one value somewhere replaced by junk, a key removed, or a key added. */
function mutate(rnd: () => number): unknown {
  const body = VALID() as Record<string, unknown>;
  const paths: (string | number)[][] = [
    ['from'],
    ['to'],
    ['queries'],
    ['queries', 0],
    ['queries', 0, 'refId'],
    ['queries', 0, 'queryType'],
    ['queries', 0, 'maxDataPoints'],
    ['queries', 0, 'intervalMs'],
    ['queries', 0, 'series'],
    ['queries', 0, 'series', 0],
    ['queries', 0, 'series', 0, 'device'],
    ['queries', 0, 'series', 0, 'metric'],
    ['queries', 1, 'variable'],
    ['queries', 1, 'site'],
  ];
  const path = paths[Math.floor(rnd() * paths.length)];
  let cursor = body as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) cursor = cursor[p] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const r = rnd();
  if (r < 0.15) delete cursor[last];
  else if (r < 0.25) cursor[`${String(last)}${Math.floor(rnd() * 10)}`] = junk(rnd);
  else cursor[last] = junk(rnd);
  return body;
}

interface Case {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

function cases(): Case[] {
  const rnd = prng(20240501);
  const out: Case[] = [];
  // as a viewer of FI006, so requests that survive validation reach the database
  const json = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-grafana-user': 'vera' };
  for (let i = 0; i < 500; i++)
    out.push({
      name: `junk body ${i}`,
      method: 'POST',
      path: '/api/query',
      headers: json,
      body: JSON.stringify(junk(rnd)) ?? 'null',
    });
  for (let i = 0; i < 500; i++)
    out.push({
      name: `mutated body ${i}`,
      method: 'POST',
      path: '/api/query',
      headers: json,
      body: JSON.stringify(mutate(rnd)),
    });
  const valid = JSON.stringify(VALID());
  for (let i = 0; i < 60; i++) {
    const cut = Math.floor(rnd() * valid.length);
    out.push({
      name: `truncated JSON ${i}`,
      method: 'POST',
      path: '/api/query',
      headers: json,
      body: valid.slice(0, cut),
    });
  }
  const raw: [string, string | Buffer, Record<string, string>][] = [
    ['empty body', '', json],
    ['JSON null', 'null', json],
    ['JSON string', '"query"', json],
    ['JSON number', '12', json],
    ['array', '[1,2,3]', json],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), json],
    ['UTF-16 charset', JSON.stringify(VALID()), { ...json, 'content-type': 'application/json; charset=utf-16' }],
    ['text/plain', valid, { ...json, 'content-type': 'text/plain' }],
    ['form', 'from=1&to=2', { ...json, 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', '--x\r\n\r\n--x--', { ...json, 'content-type': 'multipart/form-data; boundary=x' }],
    ['no content-type', valid, { authorization: `Bearer ${TOKEN}` }],
    ['deep nesting', '['.repeat(5000) + ']'.repeat(5000), json],
    ['deep object', '{"a":'.repeat(3000) + '1' + '}'.repeat(3000), json],
    ['over 1 MB', JSON.stringify({ ...VALID(), pad: 'x'.repeat(1_100_000) }), json],
    ['huge numbers', '{"from":1e999999,"to":-1e999999,"queries":[]}', json],
    ['duplicate keys', '{"from":1,"from":"x","to":2,"queries":[]}', json],
    ['BOM', '\ufeff' + valid, json],
  ];
  for (const [name, body, headers] of raw) out.push({ name, method: 'POST', path: '/api/query', headers, body });
  const qs = [
    'a=1',
    'from=1&to=2',
    '%',
    '%E0%A4%A',
    'x[y]=1',
    '__proto__[x]=1',
    'a='.repeat(2000),
    '🔋=⚡',
    '&&&',
    'arrays=maybe',
    'arrays=true&arrays=false',
  ];
  for (let i = 0; i < 200; i++) {
    const q = rnd() < 0.5 ? qs[Math.floor(rnd() * qs.length)] : encodeURIComponent(text(junk(rnd)));
    const site =
      rnd() < 0.5
        ? ['FI006', 'EE001', 'XX999', 'fi006', '%E0%A4%A', '..%2F..', '%00', 'FI0066'][Math.floor(rnd() * 8)]
        : encodeURIComponent(text(junk(rnd)));
    if (i % 2 === 0)
      out.push({
        name: `latest qs ${i}`,
        method: 'GET',
        path: `/api/sites/${site}/latest?${q}`,
        headers: { authorization: `Bearer ${TOKEN}`, 'x-grafana-user': 'vera' },
      });
    else
      out.push({
        name: `query qs ${i}`,
        method: 'POST',
        path: `/api/query?${q}`,
        headers: json,
        body: JSON.stringify(mutate(rnd)),
      });
  }
  for (let i = 0; i < 60; i++) {
    const user = text(junk(rnd))
      .replace(/[^\x20-\x7e]/g, '')
      .slice(0, 300);
    out.push({
      name: `user header ${i}`,
      method: 'POST',
      path: '/api/query',
      headers: { ...json, 'x-grafana-user': user },
      body: valid,
    });
  }
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'])
    out.push({
      name: `${method} /api/query`,
      method,
      path: '/api/query',
      headers: json,
      body: method === 'GET' ? undefined : valid,
    });
  return out;
}

describe('fuzzing POST /api/query and GET /api/sites/:site/latest', () => {
  it('answers ≥ 1,000 malformed requests with 4xx and a reason (or a valid answer), never 5xx, and keeps serving', async () => {
    const all = cases();
    expect(all.length).toBeGreaterThanOrEqual(1200);
    const failures: string[] = [];
    let fourxx = 0;
    const run = async (c: Case) => {
      const r = await fetch(`${api.url}${c.path}`, { method: c.method, headers: c.headers, body: c.body });
      const text = await r.text();
      let body: { error?: unknown; results?: Record<string, { status: number; error?: string; frames?: unknown[] }> } =
        {};
      try {
        body = JSON.parse(text);
      } catch {
        failures.push(`${c.name}: ${r.status} non-JSON answer ${text.slice(0, 80)}`);
        return;
      }
      if (r.status >= 500) failures.push(`${c.name}: ${r.status} ${text.slice(0, 200)}`);
      else if (r.status >= 400) {
        fourxx++;
        const perQuery =
          body.results && Object.values(body.results).every((x) => typeof x.error === 'string' && x.error.length > 0);
        if (!(typeof body.error === 'string' && body.error.length > 0) && !perQuery)
          failures.push(`${c.name}: ${r.status} without a reason: ${text.slice(0, 200)}`);
      } else if (!(c.method === 'GET' || body.results)) failures.push(`${c.name}: ${r.status} without results`);
      else if (body.results && Object.values(body.results).some((x) => x.status >= 500))
        failures.push(`${c.name}: per-query 5xx ${text.slice(0, 200)}`);
    };
    for (let i = 0; i < all.length; i += 16) await Promise.all(all.slice(i, i + 16).map(run));
    expect(failures).toEqual([]);
    expect(fourxx).toBeGreaterThanOrEqual(1000);
    const health = await fetch(`${api.url}/api/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(health.status).toBe(200);
    expect(((await health.json()) as { database: { reachable: boolean } }).database.reachable).toBe(true);
  }, 60_000);
});

describe('request validation', () => {
  const ok = { from: 1_700_000_000_000, to: 1_700_000_100_000 };
  it.each([
    [
      'an empty series list',
      'queries.0.series',
      { ...ok, queries: [{ refId: 'A', queryType: 'timeseries', series: [] }] },
    ],
    [
      'a negative maxDataPoints',
      'queries.0.maxDataPoints',
      { ...ok, queries: [{ refId: 'A', queryType: 'latest', maxDataPoints: -1 }] },
    ],
    ['an unknown queryType', 'queries.0.queryType', { ...ok, queries: [{ refId: 'A', queryType: 'nope' }] }],
    [
      'to before from',
      'to',
      { from: ok.to, to: ok.from, queries: [{ refId: 'A', queryType: 'variable', variable: 'sites' }] },
    ],
    [
      'a relative time',
      'from',
      { ...ok, from: 'yesterday', queries: [{ refId: 'A', queryType: 'variable', variable: 'sites' }] },
    ],
    [
      '21 queries',
      'queries',
      {
        ...ok,
        queries: Array.from({ length: 21 }, (_, i) => ({ refId: `R${i}`, queryType: 'variable', variable: 'sites' })),
      },
    ],
    [
      '9 series',
      'queries.0.series',
      {
        ...ok,
        queries: [
          {
            refId: 'A',
            queryType: 'timeseries',
            series: Array.from({ length: 9 }, (_, i) => ({ device: `FI006ES1BK${i + 1}`, metric: 'activePower' })),
          },
        ],
      },
    ],
    [
      'a duplicate refId',
      'queries.1.refId',
      {
        ...ok,
        queries: [
          { refId: 'A', queryType: 'variable', variable: 'sites' },
          { refId: 'A', queryType: 'variable', variable: 'sites' },
        ],
      },
    ],
  ])('400 for %s names the field %s', async (_what, field, body) => {
    const r = await postQuery(api, body);
    expect(r.status).toBe(400);
    expect(r.body.error).toContain(`${field}:`);
  });

  it('415 for a body that is not JSON', async () => {
    const r = await fetch(`${api.url}/api/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      body: '{"from":1}',
    });
    expect(r.status).toBe(415);
    expect(((await r.json()) as { error: string }).error).toMatch(/application\/json/);
  });
});
