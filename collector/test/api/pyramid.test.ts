import type { DataFrameJSON } from '@openbess/model';
import { chooseResolution, RAW_ROW_BUDGET } from '../../src/api/query/resolution';
import { m4 } from '../../src/api/query/m4';
import { ROLLUP_PYRAMID, STORE_PYRAMID } from '../../src/api/query/pyramid';
import { refreshRollups } from '../../src/store/rollup';
import { createWriter } from '../../src/store/writer';
import { AGGREGATES } from '../../src/store/timescale';
import type { Sample } from '../../src/types';
import { m4Reference } from './support/m4ref';
import { DAY, MINUTE, postQuery, setupApi, startApi, type ApiFixture, type RunningApi } from './support/fixture';

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

describe('m4 (pure)', () => {
  it('equals the reference M4 on shuffled input with tied extremes, gaps and out-of-range points', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 20; round++) {
      const t: number[] = [];
      const v: number[] = [];
      for (let x = -500; x < 30_000; x += 1 + Math.floor(rnd() * 90)) {
        if (rnd() < 0.05) continue;
        t.push(x);
        v.push(Math.floor(rnd() * 12)); // few distinct values: many ties
      }
      const order = t.map((_, i) => i).sort(() => rnd() - 0.5);
      const from = Math.floor(rnd() * 1000);
      const to = 29_000 - Math.floor(rnd() * 1000);
      const bucket = 50 + Math.floor(rnd() * 900);
      const got = m4({ t: order.map((i) => t[i]), v: order.map((i) => v[i]) }, from, to, bucket);
      expect(got).toEqual(m4Reference(t, v, from, to, bucket));
      expect(got.t.length).toBeLessThanOrEqual(4 * Math.ceil((to - from) / bucket));
    }
  });
});

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

/**
 * The plain-PostgreSQL pyramid: the store's rollup tables (migrations 3 and 5, refreshed from raw rows), read
 * when no continuous aggregates exist — unless the rollups count few raw rows in range
 * (RAW_ROW_BUDGET), where raw rows give the exact M4 at the same cost.
 */
describe('timeseries over the rollups (plain PostgreSQL)', () => {
  let r: ApiFixture;
  let rApi: RunningApi;
  /** One year of 15-minute history (≈ 35 k rows per series, above the raw-row budget). */
  const yearSeries = [
    { device: 'FI006MT1', metric: 'reactivePower' },
    { device: 'EE001MT1', metric: 'reactivePower' },
  ];
  const year = new Map<string, { t: number[]; v: number[] }>();
  const STEP = 15 * MINUTE;

  beforeAll(async () => {
    r = await setupApi(3, 'openbess_api_pyr_r');
    const writer = createWriter(r.pool, r.registry);
    yearSeries.forEach(({ device, metric }, k) => {
      const s = { t: [] as number[], v: [] as number[] };
      for (let t = r.to - 365 * DAY; t < r.to; t += STEP) {
        s.t.push(t);
        // daily and weekly swings plus a deterministic jitter, values repeat (ties)
        s.v.push(Math.round(800 * Math.sin(t / 13_750_987 + k) + 300 * Math.sin(t / 96_256_911) + ((t / STEP) % 7)));
      }
      year.set(`${device} ${metric}`, s);
    });
    for (let d0 = r.to - 365 * DAY; d0 < r.to; d0 += 30 * DAY) {
      const samples: Sample[] = [];
      for (const [key, s] of year) {
        const [device, metric] = key.split(' ');
        s.t.forEach((t, i) => {
          if (t >= d0 && t < d0 + 30 * DAY) samples.push({ device, metric, time: t, value: s.v[i] });
        });
      }
      await writer.write({ samples, arrays: [], attributes: [], polls: [] });
    }
    await refreshRollups(r.pool); // as a backfill does at its end
    rApi = await startApi(r);
  }, 120_000);

  afterAll(async () => {
    await rApi?.close();
    await r?.close();
  });

  const askR = async (from: number, to: number, maxDataPoints: number, series = yearSeries) => {
    const res = await postQuery(rApi, {
      from,
      to,
      queries: [{ refId: 'R', queryType: 'timeseries', maxDataPoints, series }],
    });
    expect(res.status).toBe(200);
    return res.body.results.R.frames!;
  };
  const custom = (frames: DataFrameJSON[]) =>
    frames[0].schema.meta?.custom as { source: string; rawRowsEstimate?: number };

  it('the rollup levels mirror the continuous aggregates', () => {
    expect(ROLLUP_PYRAMID.map((l) => l.bucketMs)).toEqual(STORE_PYRAMID.map((l) => l.bucketMs));
    const res = chooseResolution({ fromMs: 0, toMs: 365 * DAY, maxDataPoints: 1000 }, ROLLUP_PYRAMID);
    expect(res.level?.view).toBe('telemetry_rollup_1h');
  });

  it('a 1-year query reads the 1-hour rollup: real samples at their real times, extremes kept, ≤ 4 per column', async () => {
    const from = r.to - 365 * DAY;
    const frames = await askR(from, r.to, 1000);
    expect(custom(frames).source).toBe('telemetry_rollup_1h');
    expect(custom(frames).rawRowsEstimate).toBeGreaterThan(RAW_ROW_BUDGET);
    for (const fr of frames) {
      const key = `${fr.schema.fields[1].labels!.device} ${fr.schema.fields[1].labels!.metric}`;
      const raw = year.get(key)!;
      const sample = new Map(raw.t.map((t, i) => [t, raw.v[i]]));
      const [t, v] = fr.data.values as number[][];
      expect(t.length).toBeLessThanOrEqual(4 * 1000);
      expect(t.length).toBeGreaterThan(1000);
      for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]);
      t.forEach((x, i) => expect([x, sample.get(x)]).toEqual([x, v[i]]));
      expect(Math.max(...v)).toBe(Math.max(...raw.v));
      expect(Math.min(...v)).toBe(Math.min(...raw.v));
      // columns made of whole rollup buckets are exact: most columns equal the raw M4's
      const ref = m4Reference(raw.t, raw.v, from, r.to, Math.ceil((r.to - from) / 1000));
      const refSet = new Set(ref.t);
      expect(t.filter((x) => refSet.has(x)).length / ref.t.length).toBeGreaterThan(0.5);
    }
  });

  it('does not read raw rows: the same answer after the raw rows are gone', async () => {
    const from = r.to - 365 * DAY;
    const before = await askR(from, r.to, 1000);
    const ids = yearSeries.map((x) => r.registry.get(x.device, x.metric)!);
    const deleted = await r.pool.query('DELETE FROM telemetry WHERE series_id = ANY($1::int[])', [ids]);
    expect(deleted.rowCount).toBeGreaterThan(2 * RAW_ROW_BUDGET);
    expect(await askR(from, r.to, 1000)).toEqual(before);
  });

  it('adds the raw rows from the watermark on (real-time): a sample not refreshed yet is in the answer', async () => {
    const wm = (
      await r.pool.query<{ w: number }>(
        `SELECT round(date_part('epoch', watermark) * 1000)::float8 AS w FROM telemetry_rollup_watermark`
      )
    ).rows[0].w;
    const t = Date.now() + MINUTE; // after the watermark, which is at most the start of the current bucket
    expect(t).toBeGreaterThan(wm);
    const series = [yearSeries[0]];
    await createWriter(r.pool, r.registry).write({
      samples: [{ ...series[0], time: t, value: 99_999 }],
      arrays: [],
      attributes: [],
      polls: [],
    });
    const frames = await askR(t - 365 * DAY, t + MINUTE, 1000, series);
    const c = frames[0].schema.meta?.custom as { source: string; rawTailRows?: number };
    expect(c.source).toBe('telemetry_rollup_1h');
    expect(c.rawTailRows).toBe(1);
    const [times, values] = frames[0].data.values as number[][];
    expect(times[times.length - 1]).toBe(t);
    expect(Math.max(...values)).toBe(99_999);
    // not materialized: the 5-minute level does not have it yet, its bucket is marked for the refresh
    const stored = await r.pool.query(`SELECT count(*)::int AS n FROM telemetry_rollup_5m WHERE max = 99999`);
    expect(stored.rows[0].n).toBe(0);
    const marked = await r.pool.query(`SELECT count(*)::int AS n FROM telemetry_rollup_dirty WHERE bucket <= $1`, [
      new Date(t),
    ]);
    expect(marked.rows[0].n).toBeGreaterThan(0);
  });

  it('reads raw rows, exactly, when the rollups count few rows in range', async () => {
    const series = [
      { device: 'FI006MT1', metric: 'activePower' },
      { device: 'EE001ES1', metric: 'stateOfCharge' },
    ];
    const frames = await askR(r.from, r.to, 300, series); // bucket 864 s ≥ the 5-minute level
    expect(custom(frames).source).toBe('telemetry');
    expect(custom(frames).rawRowsEstimate).toBeLessThanOrEqual(RAW_ROW_BUDGET);
    for (const fr of frames) {
      const key = `${fr.schema.fields[1].labels!.device} ${fr.schema.fields[1].labels!.metric}`;
      const raw = r.raw.get(key)!;
      const [t, v] = fr.data.values as number[][];
      expect({ t, v }).toEqual(m4Reference(raw.t, raw.v, r.from, r.to, Math.ceil((r.to - r.from) / 300)));
    }
  });
});
