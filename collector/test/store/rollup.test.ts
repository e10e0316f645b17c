import { loadRegisterMaps, parseSitesConfig } from '@openbess/model';
import { backfill } from '../../src/store/backfill';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites, type SeriesRegistry } from '../../src/store/registry';
import { refreshRollups, RollupMarker, startRollupRefresher } from '../../src/store/rollup';
import { aggregateRollup, bucketStart } from '../../src/store/rollup-rows';
import { ROLLUP_LEVELS, ROLLUP_ORIGIN } from '../../src/store/rollup-schema';
import { MIGRATIONS } from '../../src/store/schema';
import { createWriter } from '../../src/store/writer';
import type { Sample, SampleBatch } from '../../src/types';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { fixtureMaps, fixtureSites } from './fixtures/site';

/**
 * The plain-PostgreSQL rollups (migrations 3 and 5: marked by the writer, materialized from the raw
 * rows by a refresh) against a direct aggregate over the raw telemetry rows, on the real PostgreSQL:
 * after plain COPY batches, out-of-order batches, replays of committed batches (staging path), partial
 * overlaps, the PGlite-style insert path, concurrent writers, a refresh racing a writer, the
 * migration's fill of pre-existing history, and a backfill.
 */
jest.setTimeout(120_000);

const maps = fixtureMaps();
const sites = fixtureSites(['FI006'], maps);
const SERIES: [string, string][] = [
  ['FI006MT1', 'activePower'],
  ['FI006MT1', 'frequency'],
  ['FI006ES1', 'stateOfCharge'],
];
const T0 = Date.UTC(2024, 4, 1, 22, 58, 7);
const SECOND = 1000;

/** Deterministic samples: `n` per series every `stepMs` from `start`, with repeated extremes, NULLs and NaN. */
function samples(start: number, n: number, stepMs: number, seed: number): Sample[] {
  const out: Sample[] = [];
  SERIES.forEach(([device, metric], k) => {
    for (let i = 0; i < n; i++) {
      const time = start + i * stepMs;
      const r = Math.sin(seed * 12.9898 + i * 78.233 + k * 3.1) * 43758.5453;
      // values on a coarse grid so equal minima/maxima occur (tie rule: earliest)
      let value: number | null = Math.round((r - Math.floor(r)) * 20) - 10;
      if (i % 37 === 5) value = null;
      if (i % 53 === 7) value = Number.NaN;
      out.push({ device, metric, time, value });
    }
  });
  return out;
}
const batch = (s: Sample[]): SampleBatch => ({ samples: s, arrays: [], attributes: [], polls: [] });

/** Rollup rows of a level, as stored. */
async function stored(pool: StorePool, table: string) {
  const r = await pool.query(
    `SELECT series_id, round(date_part('epoch', bucket) * 1000)::float8 AS bucket, min, min_offset_ms, max, max_offset_ms,
            first, first_offset_ms, last, last_offset_ms, sum, count::int AS count, avg
       FROM ${table} ORDER BY series_id, bucket`
  );
  return r.rows;
}

/**
 * The same level computed directly from the raw rows with plain SQL (DISTINCT ON for the arg-extremes),
 * independently of the refresh and of the migration's fill.
 */
async function reference(pool: StorePool, bucket: string) {
  const r = await pool.query(
    `WITH x AS (
       SELECT series_id, date_bin(INTERVAL '${bucket}', time, TIMESTAMPTZ '${ROLLUP_ORIGIN}') AS b, time, value
         FROM telemetry WHERE value IS NOT NULL AND value <> 'NaN'::float8 AND value NOT IN ('Infinity', '-Infinity')
     ), g AS (
       SELECT series_id, b, sum(value) AS sum, count(*)::int AS count FROM x GROUP BY 1, 2
     ), mn AS (SELECT DISTINCT ON (series_id, b) series_id, b, value, time FROM x ORDER BY series_id, b, value, time),
        mx AS (SELECT DISTINCT ON (series_id, b) series_id, b, value, time FROM x ORDER BY series_id, b, value DESC, time),
        f AS (SELECT DISTINCT ON (series_id, b) series_id, b, value, time FROM x ORDER BY series_id, b, time),
        l AS (SELECT DISTINCT ON (series_id, b) series_id, b, value, time FROM x ORDER BY series_id, b, time DESC)
     SELECT g.series_id, round(date_part('epoch', g.b) * 1000)::float8 AS bucket,
            mn.value AS min, round(date_part('epoch', mn.time - g.b) * 1000)::int AS min_offset_ms,
            mx.value AS max, round(date_part('epoch', mx.time - g.b) * 1000)::int AS max_offset_ms,
            f.value AS first, round(date_part('epoch', f.time - g.b) * 1000)::int AS first_offset_ms,
            l.value AS last, round(date_part('epoch', l.time - g.b) * 1000)::int AS last_offset_ms,
            g.sum, g.count, g.sum / g.count AS avg
       FROM g JOIN mn USING (series_id, b) JOIN mx USING (series_id, b) JOIN f USING (series_id, b) JOIN l USING (series_id, b)
      ORDER BY 1, 2`
  );
  return r.rows;
}

/**
 * Every level equals the reference — exact extremes, times, counts; sums to rounding — after a
 * refresh of every marked bucket (which leaves no mark).
 */
async function expectRollupsMatchRaw(pool: StorePool): Promise<number> {
  await refreshRollups(pool);
  expect((await pool.query('SELECT count(*)::int AS n FROM telemetry_rollup_dirty')).rows[0].n).toBe(0);
  let rows = 0;
  for (const level of ROLLUP_LEVELS) {
    const [got, want] = [await stored(pool, level.table), await reference(pool, level.bucket)];
    const exact = (r: Record<string, unknown>) => ({ ...r, sum: undefined, avg: undefined });
    expect(got.map(exact)).toEqual(want.map(exact));
    // sums are added in another order than the reference's: equal to a relative 1e-12
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
    got.forEach((g, i) => {
      expect([g.sum, near(g.sum as number, want[i].sum as number)]).toEqual([g.sum, true]);
      expect([g.avg, near(g.avg as number, want[i].avg as number)]).toEqual([g.avg, true]);
    });
    rows += got.length;
  }
  return rows;
}

describe('rollup aggregation (pure)', () => {
  it('bins on the date_bin grid anchored at 2000-01-03 and keeps the earliest of equal extremes', () => {
    expect(bucketStart(Date.UTC(2024, 4, 1, 23, 59, 59, 999), 86_400_000)).toBe(Date.UTC(2024, 4, 1));
    expect(bucketStart(Date.UTC(2024, 4, 1, 0, 7), 300_000)).toBe(Date.UTC(2024, 4, 1, 0, 5));
    expect(bucketStart(Date.UTC(1999, 11, 31, 23, 59), 3_600_000)).toBe(Date.UTC(1999, 11, 31, 23));
    const t = Date.UTC(2024, 0, 1);
    const a = aggregateRollup(
      {
        series: [2, 1, 1, 1, 1, 1],
        time: [t, t + 4000, t + 1000, t + 3000, t + 2000, t + 5000],
        value: [7, 5, 1, 1, 9, null],
      },
      300_000
    );
    expect(a.series).toEqual([1, 2]);
    expect([a.min[0], a.minOffset[0], a.max[0], a.maxOffset[0]]).toEqual([1, 1000, 9, 2000]);
    expect([a.first[0], a.firstOffset[0], a.last[0], a.lastOffset[0], a.sum[0], a.count[0]]).toEqual([
      1, 1000, 5, 4000, 16, 4,
    ]);
  });
});

describe('rollups on the real PostgreSQL', () => {
  let db: TestDatabase;
  let pool: StorePool;
  let registry: SeriesRegistry;

  beforeAll(async () => {
    db = await createTestDatabase('openbess_rollup');
    pool = createPool(db.url, { max: 6 });
    await migrate(pool);
    registry = await registerSites(pool, sites, maps);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('records the feature and creates the four levels', async () => {
    const r = await pool.query(`SELECT store_feature('rollups') AS on`);
    expect(r.rows[0].on).toBe(true);
    const t = await pool.query(
      `SELECT relname FROM pg_class WHERE relname ~ '^telemetry_rollup_[0-9]' AND relkind = 'r'`
    );
    expect(t.rows.map((x) => x.relname).sort()).toEqual(ROLLUP_LEVELS.map((l) => l.table).sort());
  });

  it('equals a direct aggregate of the raw rows after COPY batches, out-of-order batches and replays', async () => {
    const writer = createWriter(pool, registry);
    const a = samples(T0, 400, 7 * SECOND, 1); // 46 min across the 23:00 and midnight boundaries
    const b = samples(T0 + 400 * 7 * SECOND, 300, 11 * SECOND, 2);
    const early = samples(T0 + 500, 200, 13 * SECOND, 3); // interleaves into a's buckets, written later
    expect((await writer.write(batch(a))).path).toBe('copy');
    expect((await writer.write(batch(b))).path).toBe('copy');
    expect((await writer.write(batch(early))).path).toBe('copy');
    await expectRollupsMatchRaw(pool);
    const before = await stored(pool, 'telemetry_rollup_5m');

    // replaying committed batches (spool replay after a lost acknowledgement) changes nothing
    expect((await writer.write(batch(a))).path).toBe('staging');
    expect((await writer.write(batch([...b, ...early]))).path).toBe('staging');
    expect((await writer.write(batch(a), { idempotent: true })).path).toBe('staging');
    expect(await stored(pool, 'telemetry_rollup_5m')).toEqual(before);

    // a batch half stored, half new: only the new half is counted
    const tail = samples(T0 + 700 * 7 * SECOND, 150, 5 * SECOND, 4);
    expect((await writer.write(batch([...b.slice(0, 120), ...tail]))).path).toBe('staging');
    const n = await expectRollupsMatchRaw(pool);
    expect(n).toBeGreaterThan(20);
  });

  it('the insert path (PGlite) counts each sample once, also replayed', async () => {
    const insertWriter = createWriter(pool, registry, { method: 'insert', insertChunkRows: 97 });
    const x = samples(T0 + 3 * 86_400_000, 500, 3 * SECOND, 5);
    expect((await insertWriter.write(batch(x.slice(0, 700)))).path).toBe('insert');
    expect((await insertWriter.write(batch(x))).path).toBe('insert');
    expect((await insertWriter.write(batch(x.slice(300)))).path).toBe('insert');
    await expectRollupsMatchRaw(pool);
  });

  it('concurrent writers filling the same buckets count every sample once', async () => {
    const writers = [createWriter(pool, registry), createWriter(pool, registry), createWriter(pool, registry)];
    const start = T0 + 5 * 86_400_000;
    // three interleaved sample streams (disjoint times) over the same buckets, written at once
    const streams = [0, 1, 2].map((k) => samples(start + k * SECOND, 600, 3 * SECOND, 10 + k));
    await Promise.all(
      streams.flatMap((s, k) => [
        writers[k].write(batch(s.slice(0, 900))),
        writers[(k + 1) % 3].write(batch(s.slice(900))),
      ])
    );
    await expectRollupsMatchRaw(pool);
  });

  it('the writer only marks buckets; a periodic refresh materializes the closed ones and moves the watermark', async () => {
    // the data is from 2024: a watermark from before it, as on a store that has been running since
    await pool.query(`UPDATE telemetry_rollup_watermark SET watermark = '2024-01-01'`);
    const start = T0 + 7 * 86_400_000;
    const s = samples(start, 300, 2 * SECOND, 20); // 10 min: buckets b0 (partial), b1, b2 (partial)
    const writer = createWriter(pool, registry);
    await writer.write(batch(s));
    const w5 = ROLLUP_LEVELS[0].bucketMs;
    const b0 = bucketStart(start, w5);
    const marks = async () =>
      (
        await pool.query<{ b: number }>(
          `SELECT round(date_part('epoch', bucket) * 1000)::float8 AS b FROM telemetry_rollup_dirty ORDER BY 1`
        )
      ).rows.map((r) => r.b);
    const level = async (b: number) =>
      (await pool.query(`SELECT count(*)::int AS n FROM telemetry_rollup_5m WHERE bucket = $1`, [new Date(b)])).rows[0]
        .n;
    expect(await marks()).toEqual([b0, b0 + w5, b0 + 2 * w5]);
    expect(await level(b0)).toBe(0); // nothing derived in the write transaction

    // "now" is 40 s into b2: b0 and b1 are closed (30 s grace), b2 is open
    const now = b0 + 2 * w5 + 40_000;
    const r = await refreshRollups(pool, { all: false, nowMs: now });
    expect([r.buckets, r.skipped, r.watermark]).toEqual([2, false, b0 + 2 * w5]);
    expect(await marks()).toEqual([b0 + 2 * w5]);
    expect(await level(b0 + w5)).toBe(SERIES.length);
    expect(await level(b0 + 2 * w5)).toBe(0);
    // the watermark never goes back
    expect((await refreshRollups(pool, { all: false, nowMs: now - 3_600_000 })).watermark).toBe(b0 + 2 * w5);
    await expectRollupsMatchRaw(pool);
  });

  it('a refresh waits for a writer holding a mark and then reads its rows; a try-lock refresh skips', async () => {
    const start = T0 + 9 * 86_400_000;
    const first = samples(start, 100, SECOND, 30);
    await createWriter(pool, registry).write(batch(first));
    // a writer transaction in progress: rows written, bucket marked, not committed yet
    const late = samples(start + 500, 100, SECOND, 31);
    const rows = {
      series: late.map((x) => registry.get(x.device, x.metric)!),
      time: late.map((x) => x.time),
      value: late.map((x) => x.value as number | null),
    };
    const client = await pool.connect();
    let refreshed: Promise<unknown> | undefined;
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO telemetry (series_id, time, value)
         SELECT s, to_timestamp(t / 1000), v FROM unnest($1::int[], $2::float8[], $3::float8[]) AS u(s, t, v)`,
        [rows.series, rows.time, rows.value]
      );
      expect(await new RollupMarker().mark(client, rows)).toBe(1);
      refreshed = refreshRollups(pool);
      await new Promise((r) => setTimeout(r, 300));
      // the waiting refresh holds the refresh lock: a periodic one skips
      expect((await refreshRollups(pool, { all: false, wait: false })).skipped).toBe(true);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await refreshed;
    const n = await pool.query(
      `SELECT sum(count)::int AS n FROM telemetry_rollup_5m WHERE bucket >= $1 AND bucket < $2`,
      [new Date(bucketStart(start, 300_000)), new Date(bucketStart(start, 300_000) + 600_000)]
    );
    const finite = [...first, ...late].filter((x) => typeof x.value === 'number' && Number.isFinite(x.value)).length;
    expect(n.rows[0].n).toBe(finite);
    await expectRollupsMatchRaw(pool);
  });

  it("the collector's periodic refresher materializes closed buckets by itself", async () => {
    const start = T0 + 8 * 86_400_000;
    await createWriter(pool, registry).write(batch(samples(start, 30, SECOND, 40)));
    const marked = async () =>
      (
        await pool.query(`SELECT count(*)::int AS n FROM telemetry_rollup_dirty WHERE bucket = $1`, [
          new Date(bucketStart(start, 300_000)),
        ])
      ).rows[0].n as number;
    expect(await marked()).toBe(1);
    const refresher = startRollupRefresher(pool, { intervalMs: 100 });
    try {
      for (let i = 0; i < 100 && (await marked()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await refresher.stop();
    }
    expect(await marked()).toBe(0);
    await expectRollupsMatchRaw(pool);
  });

  it('is not maintained while TimescaleDB continuous aggregates serve the pyramid', async () => {
    await pool.query(`UPDATE store_features SET enabled = true WHERE name = 'continuous_aggregates'`);
    try {
      const writer = createWriter(pool, registry);
      const before = await stored(pool, 'telemetry_rollup_1d');
      await writer.write(batch(samples(T0 + 10 * 86_400_000, 50, SECOND, 7)));
      expect(await stored(pool, 'telemetry_rollup_1d')).toEqual(before);
    } finally {
      await pool.query(`UPDATE store_features SET enabled = false WHERE name = 'continuous_aggregates'`);
      await pool.query(`DELETE FROM telemetry WHERE time >= $1`, [new Date(T0 + 10 * 86_400_000)]);
    }
    await expectRollupsMatchRaw(pool);
  });

  const w5 = ROLLUP_LEVELS[0].bucketMs;
  /** The marks' writers and transactions, oldest bucket first. */
  const marks = async () =>
    (
      await pool.query<{ writer: string | null; seqs: string[] | null }>(
        `SELECT writer, seqs FROM telemetry_rollup_dirty ORDER BY bucket`
      )
    ).rows.map((r) => ({ writer: r.writer, seqs: r.seqs?.map(Number) ?? null }));

  it('merges buckets written by one writer through COPY, also onto rows of an earlier refresh', async () => {
    const writer = createWriter(pool, registry);
    const start = T0 + 20 * 86_400_000;
    const s = samples(start, 400, 2 * SECOND, 50); // 13 min: 4 buckets
    await writer.write(batch(s.slice(0, 500)));
    await writer.write(batch(s.slice(500)));
    const m = await marks();
    expect(m.length).toBeGreaterThanOrEqual(3);
    expect(m.every((x) => x.writer === writer.rollupDeltas.writer)).toBe(true);
    const deltas = writer.rollupDeltas;
    const first = await refreshRollups(pool, { deltas });
    expect([first.merged, first.buckets, first.rawRows]).toEqual([first.buckets, m.length, 0]);
    await expectRollupsMatchRaw(pool);

    // more rows into buckets refreshed while open: merged onto the stored rows
    const later = samples(start + 1000, 300, 2 * SECOND, 51);
    await writer.write(batch(later));
    const second = await refreshRollups(pool, { deltas });
    expect(second.merged).toBe(second.buckets);
    expect(second.rawRows).toBe(0);
    expect(deltas.size).toBe(0);
    await expectRollupsMatchRaw(pool);
  });

  it('recomputes from raw rows what another refresh, another writer or a replay touched', async () => {
    const writer = createWriter(pool, registry);
    const deltas = writer.rollupDeltas;
    const start = bucketStart(T0 + 22 * 86_400_000, w5) + 10_000; // everything inside one bucket
    const a = samples(start, 60, SECOND, 60);
    await writer.write(batch(a));
    // a refresh without the writer's aggregates (another process) takes the mark
    expect((await refreshRollups(pool)).merged).toBe(0);
    // the writer's delta still holds `a`: merging it with the next rows would count `a` twice
    await writer.write(batch(samples(start + 500, 60, SECOND, 61)));
    expect((await marks())[0].seqs).toHaveLength(1);
    const r = await refreshRollups(pool, { deltas });
    expect([r.buckets, r.merged]).toEqual([1, 0]);
    expect(r.rawRows).toBeGreaterThan(100);
    await expectRollupsMatchRaw(pool);

    // two writers in one bucket: the mark names neither
    const other = createWriter(pool, registry);
    await writer.write(batch(samples(start + 200, 60, SECOND, 62)));
    await other.write(batch(samples(start + 300, 60, SECOND, 63)));
    expect(await marks()).toEqual([{ writer: null, seqs: null }]);
    expect((await refreshRollups(pool, { deltas })).merged).toBe(0);
    await expectRollupsMatchRaw(pool);

    // a replay through the staging path (rows partly stored): the mark names no writer
    const b = samples(start + 700, 60, SECOND, 64);
    await writer.write(batch(b.slice(0, 100)));
    expect((await writer.write(batch(b))).path).toBe('staging');
    expect(await marks()).toEqual([{ writer: null, seqs: null }]);
    expect((await refreshRollups(pool, { deltas })).merged).toBe(0);
    await expectRollupsMatchRaw(pool);
  });

  it("the collector's periodic refresher merges closed buckets from its writer", async () => {
    const writer = createWriter(pool, registry);
    const start = Date.now() - 20 * 60_000; // closed buckets, now
    await writer.write(batch(samples(start, 300, 2 * SECOND, 70)));
    const refresher = startRollupRefresher(pool, { intervalMs: 60_000, deltas: writer.rollupDeltas });
    try {
      const r = await refresher.runOnce();
      expect(r?.buckets).toBeGreaterThanOrEqual(2);
      expect(r?.merged).toBe(r?.buckets);
    } finally {
      await refresher.stop();
    }
    await expectRollupsMatchRaw(pool);
  });
});

describe('migration 3 on a database with history', () => {
  it('fills the rollups from the telemetry already stored, then refreshes new batches', async () => {
    const db = await createTestDatabase('openbess_rollup_m');
    const pool = createPool(db.url, { max: 3 });
    try {
      // migrations 3, 5 and 6 are the rollups'
      const before3 = MIGRATIONS.filter((m) => ![3, 5, 6].includes(m.version));
      await migrate(pool, { migrations: before3 });
      const registry = await registerSites(pool, sites, maps);
      await createWriter(pool, registry).write(batch(samples(T0, 600, 9 * SECOND, 8)));
      expect((await pool.query(`SELECT to_regclass('telemetry_rollup_5m') AS t`)).rows[0].t).toBeNull();
      const r = await migrate(pool);
      expect(r.applied).toEqual([3, 5, 6]);
      expect(await expectRollupsMatchRaw(pool)).toBeGreaterThan(10);
      await createWriter(pool, registry).write(batch(samples(T0 + 2 * SECOND, 600, 9 * SECOND, 9)));
      await expectRollupsMatchRaw(pool);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});

describe('backfill', () => {
  it('fills the rollups with the history it writes; a re-run adds nothing', async () => {
    const db = await createTestDatabase('openbess_rollup_b');
    const pool = createPool(db.url, { max: 3 });
    try {
      await migrate(pool);
      const shipped = loadRegisterMaps();
      const site = parseSitesConfig(
        { sites: [{ code: 'GB004', name: 'Rollup backfill', modbus: { port: 15098 }, blocks: 1, stringsPerBlock: 1 }] },
        'rollup-backfill.yaml',
        shipped
      );
      const opts = { pool, sites: site, maps: shipped, days: 0.1, endMs: Date.UTC(2024, 9, 2, 3, 7) };
      await backfill(opts);
      const rows = await expectRollupsMatchRaw(pool);
      expect(rows).toBeGreaterThan(100);
      const before = await stored(pool, 'telemetry_rollup_1h');
      await backfill(opts);
      // recomputed from the same raw rows: equal, sums to rounding (added in scan order)
      const after = await stored(pool, 'telemetry_rollup_1h');
      const exact = (r: Record<string, unknown>) => ({ ...r, sum: undefined, avg: undefined });
      expect(after.map(exact)).toEqual(before.map(exact));
      after.forEach((a, i) =>
        expect(Math.abs(a.sum - before[i].sum)).toBeLessThanOrEqual(1e-12 * Math.abs(before[i].sum))
      );
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
