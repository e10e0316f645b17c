import { createTestDatabase, type TestDatabase } from '../support/db';
import { createPool, type StorePool } from '../../src/store/pool';
import { migrate } from '../../src/store/migrate';
import { registerSites, type SeriesRegistry } from '../../src/store/registry';
import { BinaryCopyWriter } from '../../src/store/copy-binary';
import { bucketStart } from '../../src/store/rollup-rows';
import { ROLLUP_LEVELS } from '../../src/store/rollup-schema';
import { createWriter, PredecessorFailedError, type StoreWriter } from '../../src/store/writer';
import type { SampleBatch } from '../../src/types';
import { batchPoints, fixtureBatch, fixtureMaps, fixtureSeries, fixtureSites } from './fixtures/site';

let db: TestDatabase;
let pool: StorePool;
let registry: SeriesRegistry;
let writer: StoreWriter;
const maps = fixtureMaps();
const sites = fixtureSites(['FI006'], maps);
const series = fixtureSeries(sites, maps);
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

beforeAll(async () => {
  db = await createTestDatabase('openbess_store_w');
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  registry = await registerSites(pool, sites, maps);
  writer = createWriter(pool, registry);
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

const count = async (sql: string, params: unknown[] = []) => Number((await pool.query(sql, params)).rows[0].n);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('registry', () => {
  it('creates a series row with register provenance for every map point of every device source', async () => {
    expect(registry.size).toBe(series.length);
    expect(await count('SELECT count(*) AS n FROM series')).toBe(series.length);
    const r = await pool.query(
      `SELECT s.unit, s.kind, s.source FROM series s WHERE s.device = 'FI006ES1BK1BS2' AND s.metric = 'dcCurrent'`
    );
    expect(r.rows[0]).toEqual({
      unit: 'A',
      kind: 'scalar',
      source: {
        map: 'bms-string-803',
        unitId: 61,
        base: 1200,
        address: 1,
        wireAddress: 1201,
        fn: 'holding',
        type: 'int16',
        scale: 0.1,
        sf: null,
        sign: 1,
        name: 'A',
        count: 1,
      },
    });
    const cells = await pool.query(`SELECT kind, source->>'count' AS n FROM series WHERE metric = 'cellVoltages'`);
    expect(cells.rows).toEqual([
      { kind: 'array', n: '16' },
      { kind: 'array', n: '16' },
    ]);
  });

  it('is idempotent and keeps series ids stable', async () => {
    const before = registry.entries().sort((a, b) => a.id - b.id);
    const again = await registerSites(pool, sites, maps);
    expect(again.entries().sort((a, b) => a.id - b.id)).toEqual(before);
    expect(await count('SELECT count(*) AS n FROM device')).toBe(7);
  });
});

describe('writer', () => {
  const batches: SampleBatch[] = [];
  for (let k = 0; k < 10; k++) batches.push(fixtureBatch(series, T0 + k * 1000, k));
  const scalarCount = series.filter((s) => s.kind === 'scalar').length;
  const arrayCount = series.filter((s) => s.kind === 'array').length;

  it('stores exactly the pushed rows: values, NULLs and arrays', async () => {
    const r1 = await writer.write(batches.slice(0, 5));
    const r2 = await writer.write(batches.slice(5));
    expect(r1.path).toBe('copy');
    expect(r2.path).toBe('copy');
    expect(r1.points + r2.points).toBe(batches.reduce((n, b) => n + batchPoints(b), 0));
    expect(await count('SELECT count(*) AS n FROM telemetry')).toBe(10 * scalarCount);
    expect(await count('SELECT count(*) AS n FROM telemetry_array')).toBe(10 * arrayCount);
    // every stored value equals the pushed one (NULLs included)
    const stored = await pool.query<{ device: string; metric: string; time: Date; value: number | null }>(
      `SELECT s.device, s.metric, t.time, t.value FROM telemetry t JOIN series s ON s.id = t.series_id`
    );
    const key = (d: string, m: string, t: number) => `${d}|${m}|${t}`;
    const pushed = new Map(batches.flatMap((b) => b.samples.map((s) => [key(s.device, s.metric, s.time), s.value])));
    expect(stored.rows.length).toBe(pushed.size);
    for (const row of stored.rows) {
      expect(pushed.get(key(row.device, row.metric, row.time.getTime()))).toBe(row.value);
    }
    expect(stored.rows.filter((r) => r.value === null).length).toBe(
      [...pushed.values()].filter((v) => v === null).length
    );
    const arr = await pool.query<{ value: (number | null)[] }>(
      `SELECT t.value FROM telemetry_array t JOIN series s ON s.id = t.series_id
        WHERE s.device = 'FI006ES1BK1BS1' AND s.metric = 'cellVoltages' AND t.time = $1`,
      [new Date(T0 + 2000).toISOString()]
    );
    const want = batches[2].arrays.find((a) => a.device === 'FI006ES1BK1BS1' && a.metric === 'cellVoltages')!.values;
    expect(arr.rows[0].value.map((v) => (v === null ? null : Math.fround(v)))).toEqual(
      want.map((v) => (v === null ? null : Math.fround(v)))
    );
    expect(arr.rows[0].value[3]).toBeNull();
  });

  it('keeps the newest value per series in the latest tables', async () => {
    await writer.flushLatest();
    const r = await pool.query<{ time: Date; value: number | null; device: string; metric: string }>(
      `SELECT l.time, l.value, s.device, s.metric FROM latest l JOIN series s ON s.id = l.series_id`
    );
    expect(r.rows.length).toBe(scalarCount);
    const last = batches[9];
    for (const row of r.rows) {
      expect(row.time.getTime()).toBe(last.samples[0].time);
      expect(row.value).toBe(last.samples.find((s) => s.device === row.device && s.metric === row.metric)!.value);
    }
    // an older batch written later does not overwrite newer latest values
    const older = fixtureBatch(series, T0 - 60_000, 99);
    await writer.write(older);
    await writer.flushLatest();
    const again = await pool.query<{ t: Date }>(`SELECT min(time) AS t FROM latest`);
    expect(again.rows[0].t.getTime()).toBe(last.samples[0].time);
    const la = await pool.query<{ n: string; t: Date }>(`SELECT count(*) AS n, min(time) AS t FROM latest_array`);
    expect(Number(la.rows[0].n)).toBe(arrayCount);
    expect(la.rows[0].t.getTime()).toBe(last.arrays[0].time);
  });

  it('replaying the same batches creates no duplicates (23505 → staging path)', async () => {
    const before = await count('SELECT count(*) AS n FROM telemetry');
    const beforeA = await count('SELECT count(*) AS n FROM telemetry_array');
    const beforeP = await count('SELECT count(*) AS n FROM poll_log');
    const q0 = await pool.query('SELECT sum(polls_ok) AS ok, sum(polls_failed) AS f FROM device_quality');
    const r = await writer.write(batches.slice(3, 7));
    expect(r.path).toBe('staging');
    // a partly new batch: the new rows are stored, the replayed ones skipped
    const mixed = [batches[9], fixtureBatch(series, T0 + 10_000, 10)];
    const r2 = await writer.write(mixed);
    expect(r2.path).toBe('staging');
    expect(await count('SELECT count(*) AS n FROM telemetry')).toBe(before + scalarCount);
    expect(await count('SELECT count(*) AS n FROM telemetry_array')).toBe(beforeA + arrayCount);
    expect(await count('SELECT count(*) AS n FROM poll_log')).toBe(beforeP + mixed[1].polls.length);
    const q1 = await pool.query('SELECT sum(polls_ok) AS ok, sum(polls_failed) AS f FROM device_quality');
    // only the new batch's poll records were counted (k = 10: all ok)
    expect(Number(q1.rows[0].ok)).toBe(Number(q0.rows[0].ok) + mixed[1].polls.length);
    expect(Number(q1.rows[0].f)).toBe(Number(q0.rows[0].f));
  });

  it('records data quality per device source and poll group', async () => {
    const r = await pool.query(
      `SELECT polls_ok, polls_failed, last_error, last_error_at, last_ok_at FROM device_quality WHERE device = 'FI006MT1'`
    );
    // batches k = 0..10 plus the older one (k = 99): failures at k = 4, 9 and 99
    expect(Number(r.rows[0].polls_failed)).toBe(3);
    expect(Number(r.rows[0].polls_ok)).toBe(9);
    expect(r.rows[0].last_error).toBe('timeout after 500 ms\tunit 1');
    expect(r.rows[0].last_error_at.getTime()).toBe(T0 + 9000);
    expect(r.rows[0].last_ok_at.getTime()).toBe(T0 + 10_000);
    const log = await pool.query(`SELECT error FROM poll_log WHERE NOT ok AND device = 'FI006MT1' AND time = $1`, [
      new Date(T0 + 4000).toISOString(),
    ]);
    expect(log.rows[0].error).toBe('timeout after 500 ms\tunit 1');
  });

  it('flushes the latest tables at most once per latestFlushMs: at once when due, else by a timer', async () => {
    const w = createWriter(pool, registry, { latestFlushMs: 2000 });
    const at = (k: number) => fixtureBatch(series, T0 + 3_600_000 + k * 1000, k);
    const newest = async () => (await pool.query<{ t: Date }>(`SELECT max(time) AS t FROM latest`)).rows[0].t.getTime();
    await w.write(at(0)); // due (first flush of this writer): started at once, beside the next write
    for (let i = 0; i < 100 && (await newest()) !== at(0).samples[0].time; i++) await sleep(20);
    expect(await newest()).toBe(at(0).samples[0].time);
    await w.write(at(1)); // within 2 s of that flush: pending, in memory only
    await w.write(at(2));
    await sleep(300);
    expect(await newest()).toBe(at(0).samples[0].time);
    await sleep(2500);
    expect(await newest()).toBe(at(2).samples[0].time); // the timer flushed the newest
    await w.close();
  });

  it('upserts attributes (newest wins) and escapes text', async () => {
    const text = 'SN-001\\x\ty\nz';
    await writer.write({
      samples: [],
      arrays: [],
      polls: [],
      attributes: [
        { time: T0 + 5, device: 'FI006ES1', name: 'serialNumber', value: text },
        { time: T0 + 1, device: 'FI006ES1', name: 'serialNumber', value: 'older' },
      ],
    });
    await writer.write({
      samples: [],
      arrays: [],
      polls: [],
      attributes: [{ time: T0, device: 'FI006ES1', name: 'serialNumber', value: 'stale' }],
    });
    const r = await pool.query(`SELECT value FROM attribute WHERE device = 'FI006ES1' AND name = 'serialNumber'`);
    expect(r.rows[0].value).toBe(text);
  });

  it('rejects unstorable samples without failing the batch and creates series nobody registered', async () => {
    const t = T0 + 20_000;
    const r = await writer.write({
      samples: [
        { time: Number.NaN, device: 'FI006MT1', metric: 'frequency', value: 50 },
        { time: t, device: 'FI006MT1', metric: 'frequency', value: Number.POSITIVE_INFINITY },
        { time: t, device: 'FI006MT1', metric: 'cellVoltages', value: 1 },
        { time: t, device: 'FI006XX', metric: 'windSpeed', value: 7.5 },
      ],
      arrays: [{ time: t, device: 'FI006ES1BK1BS1', metric: 'cellTemperatures', values: [1e39, -1e39, 25] }],
      attributes: [],
      polls: [],
    });
    expect(r.rejected).toBe(1);
    // cellVoltages is unknown for the meter: created as a new scalar series, so it is kept
    const v = await pool.query(
      `SELECT s.metric, s.unit, t.value FROM telemetry t JOIN series s ON s.id = t.series_id WHERE t.time = $1 ORDER BY 1`,
      [new Date(t).toISOString()]
    );
    expect(v.rows).toEqual([
      { metric: 'cellVoltages', unit: 'V', value: 1 },
      { metric: 'frequency', unit: 'Hz', value: Number.POSITIVE_INFINITY },
      { metric: 'windSpeed', unit: 'm/s', value: 7.5 },
    ]);
    const a = await pool.query(`SELECT value FROM telemetry_array WHERE time = $1`, [new Date(t).toISOString()]);
    expect(a.rows[0].value).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 25]);
  });

  it('writes nothing when a batch fails mid-way (one transaction per write)', async () => {
    const before = await count('SELECT count(*) AS n FROM telemetry');
    const t = T0 + 30_000;
    const bad: SampleBatch = {
      samples: [{ time: t, device: 'FI006MT1', metric: 'frequency', value: 50 }],
      arrays: [],
      attributes: [],
      // unit id beyond int4: the database rejects the poll_log row after telemetry was copied
      polls: [
        {
          time: t,
          site: 'FI006',
          device: 'FI006MT1',
          map: 'm',
          unitId: 2 ** 40,
          group: 'g',
          ok: true,
          latencyMs: 1,
          requests: 1,
          points: 1,
        },
      ],
    };
    await expect(writer.write(bad)).rejects.toThrow();
    expect(await count('SELECT count(*) AS n FROM telemetry')).toBe(before);
  });
});

describe('binary COPY encoding', () => {
  it('round-trips edge values: NaN, ±Infinity, float4 overflow, NULL elements, empty arrays', async () => {
    const scalar = series.find((s) => s.kind === 'scalar')!;
    const arrays = series.filter((s) => s.kind === 'array').slice(0, 2);
    const t = Date.UTC(2031, 0, 2, 3, 4, 5, 678);
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.1, 1e300];
    const batch: SampleBatch = {
      samples: values.map((value, i) => ({ device: scalar.device, metric: scalar.metric, time: t + i, value })),
      arrays: [
        { device: arrays[0].device, metric: arrays[0].metric, time: t, values: [1.1, null, 1e40, -1e40, 3.25] },
        { device: arrays[1].device, metric: arrays[1].metric, time: t, values: [] },
      ],
      attributes: [],
      polls: [],
    };
    const r = await writer.write(batch);
    expect(r.path).toBe('copy');
    await writer.flushLatest();
    const s = await pool.query<{ ms: number; value: number }>(
      `SELECT (extract(epoch FROM t.time) * 1000)::float8 AS ms, t.value FROM telemetry t JOIN series s ON s.id = t.series_id
        WHERE s.device = $1 AND s.metric = $2 AND t.time >= $3 ORDER BY t.time`,
      [scalar.device, scalar.metric, new Date(t).toISOString()]
    );
    expect(s.rows.map((x) => x.ms)).toEqual(values.map((_, i) => t + i));
    expect(s.rows.map((x) => x.value)).toEqual(values);
    const a = await pool.query<{ metric: string; value: (number | null)[]; latest: (number | null)[] }>(
      `SELECT s.metric, t.value, l.value AS latest FROM telemetry_array t JOIN series s ON s.id = t.series_id
         JOIN latest_array l ON l.series_id = t.series_id AND l.time = t.time
        WHERE s.device = ANY($1) AND s.metric = ANY($2) AND t.time = $3`,
      [arrays.map((x) => x.device), arrays.map((x) => x.metric), new Date(t).toISOString()]
    );
    const byMetric = new Map(a.rows.map((x) => [`${x.metric}`, x]));
    const first = byMetric.get(arrays[0].metric)!;
    // float4 text output is the shortest exact form: compare as float4
    expect(first.value.map((v) => (v === null ? null : Math.fround(v)))).toEqual([
      Math.fround(1.1),
      null,
      Infinity,
      -Infinity,
      3.25,
    ]);
    expect(first.latest).toEqual(first.value);
    expect(byMetric.get(arrays[1].metric)!.value).toEqual([]);
  });

  it('refuses an int4 outside its range instead of wrapping it (DataView would)', () => {
    const w = new BinaryCopyWriter();
    expect(() => w.int4(2 ** 40)).toThrow(RangeError);
    expect(() => w.int4OrNull(-(2 ** 31) - 1)).toThrow(RangeError);
    expect(() => w.int4(2 ** 31 - 1)).not.toThrow();
  });
});

describe('pipelined writes (after / onBulkSent)', () => {
  const stored = (t: number) =>
    count(`SELECT count(*) AS n FROM telemetry WHERE time = $1`, [new Date(t).toISOString()]);

  it('sends the rows at once but commits only after its predecessor resolved', async () => {
    const t = T0 + 9_000_000;
    let release!: () => void;
    const after = new Promise<void>((r) => (release = r));
    let sent = false;
    const w = writer.write(fixtureBatch(series, t, 1), { after, onBulkSent: () => (sent = true) });
    for (let i = 0; i < 100 && !sent; i++) await sleep(10);
    expect(sent).toBe(true);
    await sleep(100);
    expect(await stored(t)).toBe(0); // sent, not committed
    release();
    expect((await w).path).toBe('copy');
    expect(await stored(t)).toBeGreaterThan(0);
  });

  it('rolls back when its predecessor failed: nothing stored, the rollup buckets not tainted', async () => {
    const t = T0 + 9_600_000; // another 5-minute bucket than the test before
    const failed = Promise.reject(new Error('predecessor lost its connection'));
    failed.catch(() => undefined);
    await expect(writer.write(fixtureBatch(series, t, 2), { after: failed })).rejects.toBeInstanceOf(
      PredecessorFailedError
    );
    expect(await stored(t)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM poll_log WHERE time = $1`, [new Date(t).toISOString()])).toBe(0);
    // the same batch again, as the ingest retries it: stored through plain COPY
    expect((await writer.write(fixtureBatch(series, t, 2))).path).toBe('copy');
    expect(await stored(t)).toBeGreaterThan(0);
    // the retry's mark lists only the retry, and the writer's aggregates hold exactly it
    const bucket = bucketStart(t, ROLLUP_LEVELS[0].bucketMs);
    const mark = await pool.query<{ writer: string; seqs: string[] }>(
      `SELECT writer, seqs FROM telemetry_rollup_dirty WHERE bucket = $1`,
      [new Date(bucket).toISOString()]
    );
    expect(mark.rows[0].writer).toBe(writer.rollupDeltas.writer);
    expect(mark.rows[0].seqs).toHaveLength(1);
    expect(writer.rollupDeltas.take(bucket, mark.rows[0].writer, mark.rows[0].seqs.map(Number))).not.toBeNull();
  });
});
