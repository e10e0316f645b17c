import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { realArrayTextToJson } from '../../src/api/routes/latest';
import { createWriter } from '../../src/store/writer';
import { setupApi, startApi, TOKEN, type ApiFixture, type RunningApi } from './support/fixture';

let f: ApiFixture;
let api: RunningApi;
/** The committed-points counter the route's cache follows (what the service's ingest reports). */
let written = 0;

interface Body {
  site: string;
  devices: {
    id: string;
    profile: string;
    parent: string;
    metrics: Record<string, { value?: number | null; values?: (number | null)[]; unit: string; time: string | null }>;
  }[];
}

beforeAll(async () => {
  f = await setupApi(1, 'openbess_api_latest');
  api = await startApi(f, { stats: () => ({ lastPollAt: null, pointsWritten: written, pointsBuffered: 0 }) });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await f?.close();
});

const get = async (query = ''): Promise<Body> => {
  const r = await fetch(`${api.url}/api/sites/FI006/latest${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  return (await r.json()) as Body;
};

describe('GET /api/sites/:site/latest', () => {
  it('lists every series of the site with the stored latest value, unit and time', async () => {
    const body = await get('?arrays=false');
    const stored = await f.pool.query<{ device: string; metric: string; unit: string; time: Date; value: number }>(
      `SELECT s.device, s.metric, s.unit, l.time, l.value FROM series s JOIN device d ON d.id = s.device
         LEFT JOIN latest l ON l.series_id = s.id WHERE d.site = 'FI006' AND s.kind = 'scalar'`
    );
    const got = new Map(body.devices.flatMap((d) => Object.entries(d.metrics).map(([m, v]) => [`${d.id}/${m}`, v])));
    expect(got.size).toBe(stored.rows.length);
    for (const row of stored.rows) {
      const v = got.get(`${row.device}/${row.metric}`)!;
      expect(v.unit).toBe(row.unit);
      expect(v.time).toBe(row.time ? row.time.toISOString() : null);
      expect(v.value).toBe(row.value === null || !Number.isFinite(row.value) ? null : row.value);
    }
    expect(body.devices.map((d) => d.id)).toEqual([...body.devices.map((d) => d.id)].sort());
  });

  it('follows new writes (cache keyed on the committed-points counter); NaN and NULL', async () => {
    const [scalar, other] = (
      await f.pool.query<{ device: string; metric: string }>(
        `SELECT s.device, s.metric FROM series s JOIN device d ON d.id = s.device
          WHERE d.site = 'FI006' AND s.kind = 'scalar' ORDER BY s.id LIMIT 2`
      )
    ).rows;
    const before = await get();
    const t = f.now + 3_600_000;
    const writer = createWriter(f.pool, f.registry);
    await writer.write({
      samples: [
        { device: scalar.device, metric: scalar.metric, time: t, value: Number.NaN },
        { device: other.device, metric: other.metric, time: t, value: 1234.5 },
      ],
      arrays: [],
      attributes: [],
      polls: [],
    });
    await writer.flushLatest(); // this API reads the latest table

    written += 3;
    const after = await get();
    const pick = (b: Body, device: string, metric: string) => b.devices.find((d) => d.id === device)!.metrics[metric];
    expect(pick(after, scalar.device, scalar.metric)).toEqual({
      value: null,
      unit: pick(before, scalar.device, scalar.metric).unit,
      time: new Date(t).toISOString(),
    });
    expect(pick(after, other.device, other.metric).value).toBe(1234.5);
    // without arrays: no array metric listed
    const scalarsOnly = await get('?arrays=0');
    expect(pick(scalarsOnly, other.device, other.metric).value).toBe(1234.5);
  });
});

describe('GET /api/sites/:site/latest: representations', () => {
  /** A raw GET with the given headers (node:http: no transparent decompression). */
  const raw = (headers: Record<string, string>, query = '?arrays=false') =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const u = new URL(`${api.url}/api/sites/FI006/latest${query}`);
      httpGet(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          headers: { authorization: `Bearer ${TOKEN}`, ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
          );
          res.on('error', reject);
        }
      ).on('error', reject);
    });

  it('sends gzip to a client that accepts it: the same JSON, its own ETag, 304 on a match', async () => {
    for (const query of ['?arrays=false', '']) {
      const plain = await raw({ 'accept-encoding': 'identity' }, query);
      const zipped = await raw({ 'accept-encoding': 'gzip, deflate, br' }, query);
      expect([plain.status, zipped.status]).toEqual([200, 200]);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers.vary).toMatch(/Accept-Encoding/i);
      expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
      expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
      expect(zipped.headers.etag).not.toBe(plain.headers.etag);
      const again = await raw({ 'accept-encoding': 'gzip', 'if-none-match': String(zipped.headers.etag) }, query);
      expect(again.status).toBe(304);
      // the identity ETag does not match the gzip representation
      const other = await raw({ 'accept-encoding': 'gzip', 'if-none-match': String(plain.headers.etag) }, query);
      expect(other.status).toBe(200);
    }
  });
});

describe('realArrayTextToJson', () => {
  it('turns real[] text output into a JSON array; NULL, NaN and ±Infinity become null', () => {
    expect(JSON.parse(realArrayTextToJson('{3.25,-1e+30,0.1}'))).toEqual([3.25, -1e30, 0.1]);
    expect(JSON.parse(realArrayTextToJson('{1,NULL,NaN,Infinity,-Infinity,2}'))).toEqual([
      1,
      null,
      null,
      null,
      null,
      2,
    ]);
    expect(JSON.parse(realArrayTextToJson('{}'))).toEqual([]);
  });
});
