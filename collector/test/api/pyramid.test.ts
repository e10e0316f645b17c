import type { DataFrameJSON } from '@openbess/model';
import { chooseResolution } from '../../src/api/query/resolution';
import { STORE_PYRAMID } from '../../src/api/query/pyramid';
import { AGGREGATES } from '../../src/store/timescale';
import { DAY, postQuery, setupApi, startApi, type ApiFixture, type RunningApi } from './support/fixture';

/**
 * The resolution pyramid. TimescaleDB is not installable on this machine (Debian 12 ships no
 * package), so the store's continuous aggregates are stood in for by plain-PostgreSQL materialized
 * views with exactly the store's aggregate columns (store/timescale.ts `aggregateSql`: series_id,
 * bucket, avg, min, max, first, last, count; `time_bucket` ≡ `date_bin(…, '2000-01-03')`), and the
 * store's feature flag is switched on as `migrate()` does when the caggs exist.
 */
let f: ApiFixture;
let api: RunningApi;
const series = [
  { device: 'FI006MT1', metric: 'activePower' },
  { device: 'EE001ES1', metric: 'stateOfCharge' },
];

beforeAll(async () => {
  f = await setupApi(3, 'openbess_api_pyr');
  for (const a of AGGREGATES) {
    await f.pool.query(`CREATE MATERIALIZED VIEW ${a.view} AS
      SELECT series_id, date_bin(INTERVAL '${a.bucket}', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
             avg(value) AS avg, min(value) AS min, max(value) AS max,
             (array_agg(value ORDER BY time))[1] AS first, (array_agg(value ORDER BY time DESC))[1] AS last,
             count(value) AS count
        FROM telemetry GROUP BY 1, 2`);
  }
  await f.pool.query(`UPDATE store_features SET enabled = true WHERE name = 'continuous_aggregates'`);
  api = await startApi(f);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await f?.close();
});

const ask = async (from: number, to: number, maxDataPoints: number) => {
  const r = await postQuery(api, {
    from,
    to,
    queries: [{ refId: 'P', queryType: 'timeseries', maxDataPoints, series }],
  });
  expect(r.status).toBe(200);
  return r.body.results.P.frames!;
};
const source = (frames: DataFrameJSON[]) => (frames[0].schema.meta?.custom as { source: string }).source;

describe('chooseResolution', () => {
  it.each([
    [30 * DAY, 1000, 0, 'telemetry_15m', 2_592_000],
    [365 * DAY, 1000, 0, 'telemetry_1h', 31_536_000],
    [10 * 365 * DAY, 1000, 0, 'telemetry_1d', 315_360_000],
    [DAY, 1000, 0, 'telemetry', 86_400],
    [DAY, 1000, 600_000, 'telemetry_5m', 600_000],
    [3 * DAY, 800, 0, 'telemetry_5m', 324_000],
  ])('range %d ms, %d points, intervalMs %d → %s, bucket %d ms', (range, points, interval, view, bucket) => {
    const r = chooseResolution({ fromMs: 0, toMs: range, maxDataPoints: points, intervalMs: interval }, STORE_PYRAMID);
    expect(r.level?.view ?? 'telemetry').toBe(view);
    expect(r.bucketMs).toBe(bucket);
  });

  it('reads raw rows when no aggregates exist', () => {
    expect(chooseResolution({ fromMs: 0, toMs: 365 * DAY, maxDataPoints: 10 }, []).level).toBeNull();
  });
});

describe('timeseries over the pyramid', () => {
  it('picks the coarsest aggregate that still resolves a pixel column, keeping min and max exactly', async () => {
    const cases: [number, number, string][] = [
      [365 * DAY, 1000, 'telemetry_1h'],
      [3 * DAY, 200, 'telemetry_15m'],
      [3 * DAY, 800, 'telemetry_5m'],
      [3 * DAY, 2000, 'telemetry'],
    ];
    for (const [range, points, view] of cases) {
      const frames = await ask(f.to - range, f.to, points);
      expect(source(frames)).toBe(view);
      for (const fr of frames) {
        const key = `${fr.schema.fields[1].labels!.device} ${fr.schema.fields[1].labels!.metric}`;
        const raw = f.raw.get(key)!;
        const [t, v] = fr.data.values as number[][];
        expect(t.length).toBeLessThanOrEqual(4 * points);
        expect(t.length).toBeGreaterThan(0);
        for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]);
        expect(t[0]).toBeGreaterThanOrEqual(f.to - range);
        expect(t[t.length - 1]).toBeLessThan(f.to);
        expect(Math.max(...v)).toBe(Math.max(...raw.v));
        expect(Math.min(...v)).toBe(Math.min(...raw.v));
        const known = new Set(raw.v);
        expect(v.filter((x) => !known.has(x))).toEqual([]);
      }
    }
  });

  it('a 1-year query does not read raw rows when aggregates exist', async () => {
    const year = () => ask(f.to - 365 * DAY, f.to, 1000);
    const before = await year();
    const short = () => ask(f.to - 2 * 3_600_000, f.to, 1000);
    expect(source(await short())).toBe('telemetry');
    expect((await short())[0].data.values[0].length).toBeGreaterThan(0);
    await f.pool.query('DELETE FROM telemetry');
    // raw rows are gone: a raw-resolution query finds nothing, the year answers the same from the aggregates
    expect((await short()).map((fr) => fr.data.values[0].length)).toEqual([0, 0]);
    const after = await year();
    expect(after).toEqual(before);
    expect(source(after)).toBe('telemetry_1h');
  });
});
