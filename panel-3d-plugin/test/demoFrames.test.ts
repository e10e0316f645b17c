/** @jest-environment node */
/**
 * The panel's data path on the frames the real API answers (no WebGL): the demo site FI006 simulated by the
 * collector's site model, stored on PostgreSQL, read back by the `tree` and `latest` handlers and by the cell SQL of
 * the README (test/fixtures/demoSite.ts). Node environment (the store needs it), so the data-frame JSON becomes a
 * frame here field by field (what Grafana's dataFrameFromJSON does for frames without enums / entities); the
 * browser tests run the same frames through Grafana's own conversion.
 */
import type { DataFrame } from '@grafana/data';
import type { DataFrameJSON } from '@openbess/model';
import { framesToScene } from '../src/data';
import { aggregateBlock } from '../src/scene/aggregate';
import { buildBars, FRESHNESS_CODE } from '../src/scene/bars';
import { layoutSite } from '../src/scene/layout';
import { DEFAULT_FIELDS } from '../src/types';
import { DEMO, demoSite, type DemoSite } from './fixtures/demoSite';

let demo: DemoSite;
beforeAll(async () => {
  demo = await demoSite();
}, 60_000);

function toFrame(f: DataFrameJSON): DataFrame {
  const values = f.data?.values ?? [];
  return {
    refId: f.schema.refId,
    name: f.schema.name,
    length: values[0]?.length ?? 0,
    fields: f.schema.fields.map((x, i) => ({
      name: x.name,
      type: x.type,
      config: x.config ?? {},
      values: (values[i] ?? []) as unknown[],
    })),
  } as unknown as DataFrame;
}

const scene = () =>
  framesToScene(
    demo.frames.map((f) => toFrame(f)),
    DEFAULT_FIELDS
  );

it('reads the demo site topology, ratings and values from the tree and latest frames', () => {
  const { site, problems } = scene();
  expect(problems).toEqual([]);
  expect(site!.site).toBe('FI006');
  expect(site!.transformerId).toBe('FI006ES1');
  expect(site!.blocks.map((b) => b.id)).toEqual(['FI006ES1BK1', 'FI006ES1BK2']);
  for (const b of site!.blocks) {
    expect(b.ratedPowerKw).toBe(demo.config.blockRatedPowerKw);
    expect(b.strings.map((s) => s.string)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const s of b.strings) {
      expect(s.capacityKwh).toBeCloseTo(demo.config.blockCapacityKwh / demo.config.stringsPerBlock, 6);
      expect(s.values.soc).toEqual(expect.any(Number));
      expect(s.values.dcVoltage).toEqual(expect.any(Number));
      expect(s.time).toEqual(expect.any(Number));
    }
  }
  const all = site!.blocks.flatMap((b) => b.strings);
  const byId = new Map(all.map((s) => [s.id, s]));
  // the API's isOffline: maintenance → offline, no data → stale; the hot module and the tripped string show
  expect(byId.get(DEMO.offline)).toMatchObject({ offline: true, stale: false, reason: 'maintenance' });
  expect(byId.get(DEMO.stale)).toMatchObject({ offline: false, stale: true, reason: 'no data' });
  expect(all.filter((s) => s.offline || s.stale).map((s) => s.id)).toEqual([DEMO.offline, DEMO.stale]);
  expect(byId.get(DEMO.hot)!.values.tempMax).toBeGreaterThan(45);
  expect(byId.get(DEMO.tripped)!.values.power).toBe(0);
  expect(byId.get(DEMO.front)!.values.power).toBeGreaterThan(50); // discharging
});

it('draws the offline and the stale string as ghosts and aggregates blocks without them', () => {
  const { site } = scene();
  const layout = layoutSite(site!.blocks.map((b) => b.strings.length));
  const rule = { now: demo.now, intervalMs: 5000, intervals: 3 };
  const bars = buildBars(site!, layout, 'power', 'string', rule);
  const ghost = bars.ids.filter((_, i) => bars.freshness[i] !== FRESHNESS_CODE.ok);
  expect(ghost).toEqual([DEMO.offline, DEMO.stale]);
  expect(bars.freshness[bars.ids.indexOf(DEMO.offline)]).toBe(FRESHNESS_CODE.offline);
  expect(bars.freshness[bars.ids.indexOf(DEMO.stale)]).toBe(FRESHNESS_CODE.stale);
  const b1 = aggregateBlock(site!.blocks[0], rule);
  expect([b1.liveStrings, b1.staleStrings]).toEqual([10, 2]);
  const live = site!.blocks[0].strings.filter((s) => !s.offline && !s.stale);
  expect(b1.values.power).toBeCloseTo(
    live.reduce((sum, s) => sum + s.values.power!, 0),
    6
  );
});

it('reads the cell arrays of every string from the PostgreSQL array text', () => {
  const { cells } = scene();
  expect(cells.size).toBe(24);
  for (const [id, stored] of demo.cells) {
    const c = cells.get(id)!;
    expect(c.voltages).toHaveLength(416);
    expect(c.temperatures).toHaveLength(416);
    // real[] round trip: the same float32 values
    expect(c.voltages!.map((v) => Math.fround(v))).toEqual(stored.cellVoltages);
    expect(c.temperatures!.map((v) => Math.fround(v))).toEqual(stored.cellTemperatures);
  }
});
