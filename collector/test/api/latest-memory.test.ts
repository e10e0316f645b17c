import { LatestValues } from '../../src/store/latest-values';
import { createWriter } from '../../src/store/writer';
import type { Sample } from '../../src/types';
import { postQuery, setupApi, startApi, TOKEN, type ApiFixture, type RunningApi } from './support/fixture';

/**
 * The collector service answers latest reads from the in-memory copy of the latest table its writer
 * keeps (store/latest-values.ts); an API-only process reads the table. Both must give the same answer
 * after every write, whatever the filters.
 */
let f: ApiFixture;
let latest: LatestValues;
let memoryApi: RunningApi;
let tableApi: RunningApi;
let written = 0;

beforeAll(async () => {
  f = await setupApi(1, 'openbess_api_lmem');
  latest = new LatestValues(f.pool);
  const stats = () => ({ lastPollAt: null, pointsWritten: written, pointsBuffered: 0 });
  memoryApi = await startApi(f, { latest, stats });
  tableApi = await startApi(f, { stats });
}, 60_000);

afterAll(async () => {
  await memoryApi?.close();
  await tableApi?.close();
  await f?.close();
});

const QUERIES = [
  { refId: 'A', queryType: 'latest', site: ['FI006'] },
  { refId: 'B', queryType: 'latest' },
  { refId: 'C', queryType: 'latest', devices: ['EE001MT1', 'FI006ES1BK1'], metrics: ['activePower', 'frequency'] },
  { refId: 'D', queryType: 'latest', site: ['EE001'], metrics: ['stateOfCharge'] },
];

async function both(): Promise<void> {
  const body = { from: f.from, to: f.now + 1000, queries: QUERIES };
  const [m, t] = await Promise.all([postQuery(memoryApi, body), postQuery(tableApi, body)]);
  expect(m.status).toBe(200);
  expect(m.body).toEqual(t.body);
  for (const q of QUERIES) expect(m.body.results[q.refId].frames![0].data.values[0].length).toBeGreaterThan(0);
  for (const site of ['FI006', 'EE001']) {
    const get = (api: RunningApi) =>
      fetch(`${api.url}/api/sites/${site}/latest`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) =>
        r.json()
      );
    expect(await get(memoryApi)).toEqual(await get(tableApi));
  }
}

describe('latest from memory (collector service) = latest from the table (API-only process)', () => {
  it('after the fixture history, and after each of several writes (newer, older, NULL, NaN)', async () => {
    await both();
    const writer = createWriter(f.pool, f.registry, { latest, latestFlushMs: 0 });
    const ids = (
      await f.pool.query<{ device: string; metric: string }>(
        `SELECT s.device, s.metric FROM series s WHERE s.kind = 'scalar' ORDER BY s.id`
      )
    ).rows;
    const steps: [number, (i: number) => number | null][] = [
      [f.now + 60_000, (i) => i * 1.5],
      [f.now + 30_000, () => -1], // older than what is stored: changes nothing
      [f.now + 120_000, (i) => (i % 5 === 0 ? null : i % 7 === 0 ? Number.NaN : -i / 3)],
    ];
    for (const [t, value] of steps) {
      const samples: Sample[] = ids.map((s, i) => ({ device: s.device, metric: s.metric, time: t, value: value(i) }));
      await writer.write({ samples, arrays: [], attributes: [], polls: [] });
      await writer.flushLatest(); // the table path reads the latest table, flushed beside the writes
      written += samples.length;
      await both();
    }
    const answer = await postQuery(memoryApi, { from: f.from, to: f.now, queries: [QUERIES[0]] });
    const fields = answer.body.results.A.frames![0].schema.fields.map((x) => x.name);
    const values = answer.body.results.A.frames![0].data.values;
    const times = values[fields.indexOf('time')] as number[];
    expect(new Set(times)).toEqual(new Set([f.now + 120_000]));
    expect((values[fields.indexOf('value')] as (number | null)[]).some((v) => v === null)).toBe(true);
  });

  it('an answer reused between writes follows the next write at once', async () => {
    const writer = createWriter(f.pool, f.registry, { latest, latestFlushMs: 0 });
    const q = { from: f.from, to: f.now, queries: [{ refId: 'A', queryType: 'latest', devices: ['FI006MT1'] }] };
    const valueOf = async () => {
      const r = await postQuery(memoryApi, q);
      const fr = r.body.results.A.frames![0];
      const names = fr.schema.fields.map((x) => x.name);
      const i = (fr.data.values[names.indexOf('metric')] as string[]).indexOf('frequency');
      return (fr.data.values[names.indexOf('value')] as number[])[i];
    };
    const first = await valueOf();
    expect(await valueOf()).toBe(first);
    for (const [k, v] of [50.123, 49.877].entries()) {
      await writer.write({
        samples: [{ device: 'FI006MT1', metric: 'frequency', time: f.now + 200_000 + k * 1000, value: v }],
        arrays: [],
        attributes: [],
        polls: [],
      });
      expect(await valueOf()).toBe(v);
    }
  });

  it('unknown and not granted sites and devices are refused as on the table path', async () => {
    for (const q of [
      { refId: 'A', queryType: 'latest', site: ['XX999'] },
      { refId: 'A', queryType: 'latest', devices: ['FI006NOPE1'] },
    ]) {
      const body = { from: f.from, to: f.now, queries: [q] };
      const [m, t] = await Promise.all([postQuery(memoryApi, body), postQuery(tableApi, body)]);
      expect(m.status).toBe(404);
      expect(m.body).toEqual(t.body);
    }
  });
});
