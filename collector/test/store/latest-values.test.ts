import { createTestDatabase, type TestDatabase } from '../support/db';
import { LatestValues } from '../../src/store/latest-values';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites, type SeriesRegistry } from '../../src/store/registry';
import { createWriter, type StoreWriter } from '../../src/store/writer';
import type { SampleBatch } from '../../src/types';
import { fixtureBatch, fixtureMaps, fixtureSeries, fixtureSites } from './fixtures/site';

let db: TestDatabase;
let pool: StorePool;
let registry: SeriesRegistry;
let latest: LatestValues;
let writer: StoreWriter;
const maps = fixtureMaps();
const sites = fixtureSites(['FI006'], maps);
const series = fixtureSeries(sites, maps);
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

beforeAll(async () => {
  db = await createTestDatabase('openbess_store_lv');
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  registry = await registerSites(pool, sites, maps);
  latest = new LatestValues(pool);
  await latest.ready();
  writer = createWriter(pool, registry, { latest, latestFlushMs: 0 });
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

/** The latest table as id → [whole ms, value (null for NULL/NaN/±Infinity)]. */
async function table(): Promise<Map<number, [number, number | null]>> {
  const r = await pool.query<{ id: number; t: string; v: number | null }>(
    `SELECT series_id AS id, round(date_part('epoch', time) * 1000)::text AS t, value AS v FROM latest`
  );
  return new Map(r.rows.map((x) => [x.id, [Number(x.t), x.v === null || !Number.isFinite(x.v) ? null : x.v]]));
}

/** What a LatestValues holds for every scalar series id, in the shape of {@link table}. */
function held(l: LatestValues): Map<number, [number, number | null]> {
  const out = new Map<number, [number, number | null]>();
  for (const e of registry.entries()) {
    const h = l.get(e.id);
    if (h) out.set(e.id, [h.time, h.value]);
  }
  return out;
}

const sample = (metric: string, time: number, value: number | null): SampleBatch => ({
  samples: [{ device: 'FI006MT1', metric, time, value }],
  arrays: [],
  attributes: [],
  polls: [],
});

describe('LatestValues: the latest table in memory', () => {
  it('starts empty on an empty table, then holds what each committed write leaves in the table', async () => {
    expect(held(latest).size).toBe(0);
    // in order, out of order (older batch after a newer one), a replay (staging path) and NULL values
    for (const [t, k] of [
      [T0, 1],
      [T0 + 2000, 2],
      [T0 + 1000, 3],
      [T0 + 2000, 2],
      [T0 + 3000, 4],
    ] as const) {
      await writer.write(fixtureBatch(series, t, k));
      await writer.flushLatest(); // started by the write, alongside the next one
      expect(held(latest)).toEqual(await table());
    }
    const scalars = series.filter((s) => s.kind === 'scalar').length;
    expect(held(latest).size).toBe(scalars);
  });

  it('within one write the newest row of a series wins, ties going to the later row, as in the table', async () => {
    const batch: SampleBatch = {
      samples: [
        { device: 'FI006MT1', metric: 'frequency', time: T0 + 9000, value: 50.01 },
        { device: 'FI006MT1', metric: 'frequency', time: T0 + 8000, value: 49.5 },
        { device: 'FI006MT1', metric: 'frequency', time: T0 + 9000, value: 50.02 },
        { device: 'FI006MT1', metric: 'activePower', time: T0 + 9000, value: Number.NaN },
      ],
      arrays: [],
      attributes: [],
      polls: [],
    };
    await writer.write(batch);
    const id = registry.get('FI006MT1', 'frequency')!;
    expect(latest.get(id)).toEqual({ time: T0 + 9000, value: 50.02 });
    expect(latest.get(registry.get('FI006MT1', 'activePower')!)).toEqual({ time: T0 + 9000, value: null });
    await writer.flushLatest();
    expect(held(latest)).toEqual(await table());
  });

  it('a failed write leaves memory as it was (nothing was committed)', async () => {
    const before = held(latest);
    const version = latest.version;
    // a statement of the write transaction fails: everything rolls back
    await pool.query(`ALTER TABLE telemetry ADD CONSTRAINT test_below_1000 CHECK (value < 1000) NOT VALID`);
    const bad = sample('frequency', T0 + 60_000, 5000);
    try {
      await expect(writer.write(bad)).rejects.toThrow(/test_below_1000/);
    } finally {
      await pool.query(`ALTER TABLE telemetry DROP CONSTRAINT test_below_1000`);
    }
    expect(held(latest)).toEqual(before);
    expect(latest.version).toBe(version);
    expect(await table()).toEqual(before);
  });

  it('a failed flush of the latest table keeps the rows pending: the next flush brings the table level with memory', async () => {
    await pool.query(`ALTER TABLE latest ADD CONSTRAINT test_below_1000 CHECK (value < 1000) NOT VALID`);
    const t = T0 + 70_000;
    try {
      // committed (the write succeeds), memory has it, the table refused it
      expect((await writer.write(sample('apparentPower', t, 5000))).scalarRows).toBe(1);
      expect(latest.get(registry.get('FI006MT1', 'apparentPower')!)).toEqual({ time: t, value: 5000 });
      await expect(writer.flushLatest()).rejects.toThrow(/test_below_1000/);
      expect(held(latest)).not.toEqual(await table());
    } finally {
      await pool.query(`ALTER TABLE latest DROP CONSTRAINT test_below_1000`);
    }
    await writer.flushLatest();
    expect(held(latest)).toEqual(await table());
  });

  it('seed reads values other writers stored, and never replaces a newer held value by an older one', async () => {
    const freq = registry.get('FI006MT1', 'frequency')!;
    const power = registry.get('FI006MT1', 'reactivePower')!;
    // another process (a writer without this memory) stores newer rows
    const other = createWriter(pool, registry);
    await other.write(sample('reactivePower', T0 + 20_000, -123.5));
    await other.flushLatest();
    expect(latest.get(power)).not.toEqual({ time: T0 + 20_000, value: -123.5 });
    // and the table is made to look older than what memory holds for frequency (a stale read)
    await pool.query(`UPDATE latest SET time = to_timestamp($2 / 1000.0), value = 1 WHERE series_id = $1`, [
      freq,
      T0 + 1,
    ]);
    await latest.seed();
    expect(latest.get(power)).toEqual({ time: T0 + 20_000, value: -123.5 });
    expect(latest.get(freq)).toEqual({ time: T0 + 9000, value: 50.02 });
    // a fresh instance seeded from the table holds exactly the table
    const fresh = new LatestValues(pool);
    await fresh.ready();
    expect(held(fresh)).toEqual(await table());
  });

  it('ready() re-reads the table once the last read is older than reseedMs, without waiting for it', async () => {
    const l = new LatestValues(pool, 50);
    await l.ready();
    const other = createWriter(pool, registry);
    await other.write(sample('voltageL1N', T0 + 30_000, 0.97));
    await other.flushLatest();
    const id = registry.get('FI006MT1', 'voltageL1N')!;
    await l.ready();
    expect(l.get(id)?.time).not.toBe(T0 + 30_000); // read less than 50 ms ago: what is held
    await new Promise((r) => setTimeout(r, 60));
    await l.ready(); // starts a re-read in the background
    for (let i = 0; i < 50 && l.get(id)?.time !== T0 + 30_000; i++) await new Promise((r) => setTimeout(r, 20));
    expect(l.get(id)).toEqual({ time: T0 + 30_000, value: 0.97 });
  });
});
