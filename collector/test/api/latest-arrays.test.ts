/**
 * `latest` with array metrics (cell voltages/temperatures, SunSpec 805) named in `metrics`: an extra long-form
 * `latestArrays` frame, restricted to the user's sites like every other answer.
 */
import pino from 'pino';
import { loadRegisterMaps, parseSitesConfig, type DataFrameJSON } from '@openbess/model';
import { createApiApp } from '../../src/api/app';
import { latestQuery } from '../../src/api/query/latest';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites } from '../../src/store/registry';
import { createWriter } from '../../src/store/writer';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
let pool: StorePool;
const now = Date.now();
const cells = (base: number) =>
  Array.from({ length: 416 }, (_, i) => Math.round((base + (i % 7) * 0.001) * 1000) / 1000);

beforeAll(async () => {
  db = await createTestDatabase('openbess_latest_arrays');
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  const maps = loadRegisterMaps();
  const sites = parseSitesConfig(
    {
      sites: [
        { code: 'FI006', name: 'A', modbus: { port: 15020 }, blocks: 1, stringsPerBlock: 2, pollCells: true },
        { code: 'EE001', name: 'B', modbus: { port: 15021 }, blocks: 1, stringsPerBlock: 1, pollCells: true },
      ],
    },
    'latest-arrays-sites',
    maps
  );
  const registry = await registerSites(pool, sites, maps);
  await createWriter(pool, registry).write({
    samples: [{ time: now, device: 'FI006ES1BK1BS1', metric: 'stateOfCharge', value: 55 }],
    arrays: [
      { time: now, device: 'FI006ES1BK1BS1', metric: 'cellVoltages', values: cells(3.3) },
      { time: now, device: 'FI006ES1BK1BS2', metric: 'cellVoltages', values: cells(3.2) },
      { time: now - 1000, device: 'FI006ES1BK1BS1', metric: 'cellTemperatures', values: cells(25) },
      { time: now, device: 'EE001ES1BK1BS1', metric: 'cellVoltages', values: cells(3.1) },
    ],
    attributes: [],
    polls: [],
  });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const rows = (fr: DataFrameJSON) =>
  fr.data.values[0].map((_, i) => Object.fromEntries(fr.schema.fields.map((fl, j) => [fl.name, fr.data.values[j][i]])));

const ctx = (sites: string[] | null) =>
  ({
    pool,
    access: sites ? { user: null, role: 'user', sites: new Set(sites) } : { user: null, role: 'admin', sites: 'all' },
    now,
  }) as unknown as Parameters<typeof latestQuery>[0];

it('answers the stored arrays in a latestArrays frame when array metrics are named', async () => {
  const frames = await latestQuery(ctx(null), {
    refId: 'A',
    queryType: 'latest',
    site: ['FI006'],
    metrics: ['stateOfCharge', 'cellVoltages', 'cellTemperatures'],
  } as Parameters<typeof latestQuery>[1]);
  expect(frames.map((f) => f.schema.name)).toEqual(['latest', 'latestArrays']);
  expect(rows(frames[0]).map((r) => r.metric)).toEqual(['stateOfCharge']);
  const arr = rows(frames[1]);
  expect(arr.map((r) => `${r.device} ${r.metric}`)).toEqual([
    'FI006ES1BK1BS1 cellTemperatures',
    'FI006ES1BK1BS1 cellVoltages',
    'FI006ES1BK1BS2 cellVoltages',
  ]);
  const v = arr[1].value as number[];
  expect(v).toHaveLength(416);
  expect(v[0]).toBeCloseTo(3.3, 5);
  expect(v[6]).toBeCloseTo(3.306, 5);
  expect(arr[1].unit).toBe('V');
  expect(arr[0].time).toBe(now - 1000);
  expect(frames[1].schema.fields.find((f) => f.name === 'value')?.type).toBe('other');
});

it('reads no arrays unless asked for by name', async () => {
  const frames = await latestQuery(ctx(null), { refId: 'A', queryType: 'latest', site: ['FI006'] } as Parameters<
    typeof latestQuery
  >[1]);
  expect(frames.map((f) => f.schema.name)).toEqual(['latest']);
});

it('never answers arrays of a site the user is not granted', async () => {
  const app = createApiApp({
    pool,
    sites: [],
    token: 'tok-0123456789abcdef',
    logger: pino({ level: 'silent' }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  try {
    const r = await fetch(`http://127.0.0.1:${port}/api/query`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-0123456789abcdef', 'content-type': 'application/json' },
      body: JSON.stringify({
        from: now - 60_000,
        to: now,
        queries: [{ refId: 'A', queryType: 'latest', metrics: ['cellVoltages'] }],
      }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { results: { A: { frames: DataFrameJSON[] } } };
    const arr = rows(body.results.A.frames[1]);
    // token-only mode = admin: both sites
    expect(new Set(arr.map((x) => x.site))).toEqual(new Set(['FI006', 'EE001']));
  } finally {
    server.close();
  }
  const restricted = await latestQuery(ctx(['EE001']), {
    refId: 'A',
    queryType: 'latest',
    metrics: ['cellVoltages'],
  } as Parameters<typeof latestQuery>[1]);
  expect(rows(restricted[1]).map((x) => x.device)).toEqual(['EE001ES1BK1BS1']);
});
