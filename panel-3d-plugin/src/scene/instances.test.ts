import { siteFrames } from '../../test/fixtures/siteFrames';
import { framesToScene } from '../data';
import { DEFAULT_FIELDS } from '../types';
import type { DataFrame } from '@grafana/data';
import { buildBars, FRESHNESS_CODE } from './bars';
import { linearLut, LUT_SIZE } from './colorScales';
import { allocInstances, barHeight, GHOST_OFFLINE, GHOST_STALE, MIN_BAR_HEIGHT, writeBars } from './instances';
import { layoutSite } from './layout';

const NOW = Date.UTC(2026, 0, 1, 12);
const rule = { now: NOW, intervalMs: 5000, intervals: 3 };

function demo(blocks: number, strings: number, faults = true) {
  const { site } = framesToScene(
    siteFrames({ blocks, strings, now: NOW, faults }) as unknown as DataFrame[],
    DEFAULT_FIELDS
  );
  const layout = layoutSite(site!.blocks.map((b) => b.strings.length));
  return { site: site!, layout };
}

describe('bars and instances', () => {
  it('makes one bar per string in string mode and splits fresh from stale/offline', () => {
    const { site, layout } = demo(2, 12);
    const bars = buildBars(site, layout, 'power', 'string', rule);
    expect(bars.count).toBe(24);
    expect(bars.ids[0]).toBe('FI006ES1BK1BS1');
    expect(bars.freshness[1]).toBe(FRESHNESS_CODE.offline); // block 1 string 2
    expect(bars.freshness[4]).toBe(FRESHNESS_CODE.stale); // block 1 string 5
    const inst = allocInstances(bars.count);
    writeBars(bars, linearLut('power'), inst);
    expect(inst.live.count).toBe(22);
    expect(inst.ghost.count).toBe(2);
    expect(Array.from(inst.ghost.index.subarray(0, 2))).toEqual([1, 4]);
    // ghost tints: offline darker than stale
    expect(Array.from(inst.ghost.color.subarray(0, 3))).toEqual(Array.from(Float32Array.from(GHOST_OFFLINE)));
    expect(Array.from(inst.ghost.color.subarray(3, 6))).toEqual(Array.from(Float32Array.from(GHOST_STALE)));
  });

  it('makes bar heights from |value|: a charging and a discharging string of equal magnitude are equal', () => {
    const { site, layout } = demo(1, 2, false);
    site.blocks[0].strings[0].values.power = -150;
    site.blocks[0].strings[1].values.power = 150;
    const bars = buildBars(site, layout, 'power', 'string', rule);
    const inst = allocInstances(2);
    writeBars(bars, linearLut('power'), inst);
    const h0 = inst.live.matrix[5];
    const h1 = inst.live.matrix[16 + 5];
    expect(h0).toBeCloseTo(h1, 6);
    expect(h0).toBeCloseTo(barHeight(150, bars.range[0], bars.range[1], bars.maxHeight), 5);
    expect(h0).toBeGreaterThan(MIN_BAR_HEIGHT);
    // the bar stands on the floor: translation y = half height; x/z at the footprint
    expect(inst.live.matrix[13]).toBeCloseTo(h0 / 2, 6);
    expect(inst.live.matrix[12]).toBeCloseTo(layout.blocks[0].strings[0].x, 5);
    expect(inst.live.matrix[14]).toBeCloseTo(layout.blocks[0].strings[0].z, 5);
  });

  it('colours by the scale: min value gets the first LUT entry, max the last, and colours vary across strings', () => {
    const { site, layout } = demo(1, 3, false);
    const [a, b, c] = site.blocks[0].strings;
    a.values.soc = 0;
    b.values.soc = 100;
    c.values.soc = 250; // clamped
    const bars = buildBars(site, layout, 'soc', 'string', rule);
    const inst = allocInstances(3);
    const lut = linearLut('soc');
    writeBars(bars, lut, inst);
    const last = (LUT_SIZE - 1) * 3;
    expect(Array.from(inst.live.color.subarray(0, 3))).toEqual(Array.from(lut.subarray(0, 3)));
    expect(Array.from(inst.live.color.subarray(3, 6))).toEqual(Array.from(lut.subarray(last, last + 3)));
    expect(inst.live.matrix[16 * 2 + 5]).toBeCloseTo(bars.maxHeight, 6);
  });

  it('aggregates in block mode and forces string mode for DC voltage', () => {
    const { site, layout } = demo(3, 12);
    const block = buildBars(site, layout, 'power', 'block', rule);
    expect(block.count).toBe(3);
    expect(block.ids).toEqual(['FI006ES1BK1', 'FI006ES1BK2', 'FI006ES1BK3']);
    const sum = site.blocks[1].strings.reduce((s, x) => s + (x.values.power ?? 0), 0);
    expect(block.values[1]).toBeCloseTo(sum, 6);
    expect(block.details[0]).toBe('10/12 strings fresh, 2 stale/offline');
    const dc = buildBars(site, layout, 'dcVoltage', 'block', rule);
    expect(dc.mode).toBe('string');
    expect(dc.count).toBe(36);
  });

  it('rejects buffers that are too small and layouts that do not match', () => {
    const { site, layout } = demo(2, 4);
    const bars = buildBars(site, layout, 'soc', 'string', rule);
    expect(() => writeBars(bars, linearLut('soc'), allocInstances(3))).toThrow(/hold 3 bars, the view has 8/);
    expect(() => buildBars(site, layoutSite([4]), 'soc', 'string', rule)).toThrow(
      /layout has 1 blocks but the site has 2/
    );
  });
});
