import type { BlockModel, StringModel } from '../types';
import { emptyValues } from '../types';
import { aggregateBlock, freshness, isStale, magnitude, type StaleRule } from './aggregate';

const NOW = Date.UTC(2026, 0, 1, 12);
const rule: StaleRule = { now: NOW, intervalMs: 5000, intervals: 3 };

const str = (n: number, v: Partial<StringModel['values']>, extra: Partial<StringModel> = {}): StringModel => ({
  id: `S${n}`,
  name: `string ${n}`,
  string: n,
  capacityKwh: 400,
  values: { ...emptyValues(), ...v },
  time: NOW - 1000,
  offline: false,
  ...extra,
});
const block = (strings: StringModel[], extra: Partial<BlockModel> = {}): BlockModel => ({
  id: 'B1',
  name: 'Block 1',
  block: 1,
  ratedPowerKw: 2000,
  capacityKwh: 4800,
  values: emptyValues(),
  time: NOW,
  offline: false,
  strings,
  ...extra,
});

describe('block aggregation', () => {
  it('sums power (signed), takes max of max and min of min temperatures', () => {
    const agg = aggregateBlock(
      block([
        str(1, { power: 120, tempMax: 31, tempMin: 22 }),
        str(2, { power: -20, tempMax: 36.5, tempMin: 19 }),
        str(3, { power: 50, tempMax: 29, tempMin: 24 }),
      ]),
      rule
    );
    expect(agg.values.power).toBe(150);
    expect(agg.values.tempMax).toBe(36.5);
    expect(agg.values.tempMin).toBe(19);
    expect(agg.liveStrings).toBe(3);
    expect(agg.freshness).toBe('ok');
  });

  it('weights SOC by string capacity', () => {
    const agg = aggregateBlock(
      block([str(1, { soc: 80 }, { capacityKwh: 300 }), str(2, { soc: 20 }, { capacityKwh: 100 })]),
      rule
    );
    expect(agg.values.soc).toBeCloseTo((300 * 80 + 100 * 20) / 400, 9);
  });

  it('falls back to equal SOC weights when a capacity is missing', () => {
    const agg = aggregateBlock(block([str(1, { soc: 80 }, { capacityKwh: null }), str(2, { soc: 20 })]), rule);
    expect(agg.values.soc).toBe(50);
  });

  it('leaves stale and offline strings out and reports them', () => {
    const agg = aggregateBlock(
      block([
        str(1, { power: 100, soc: 60 }),
        str(2, { power: 900, soc: 5 }, { offline: true }),
        str(3, { power: 700, soc: 5 }, { time: NOW - 60_000 }),
      ]),
      rule
    );
    expect(agg.values.power).toBe(100);
    expect(agg.values.soc).toBe(60);
    expect(agg.liveStrings).toBe(1);
    expect(agg.staleStrings).toBe(2);
  });

  it('marks the block stale when no string is fresh, offline when all are offline or the block is', () => {
    expect(aggregateBlock(block([str(1, { power: 1 }, { time: NOW - 60_000 })]), rule).freshness).toBe('stale');
    expect(aggregateBlock(block([str(1, { power: 1 }, { offline: true })]), rule).freshness).toBe('offline');
    expect(aggregateBlock(block([str(1, { power: 1 })], { offline: true }), rule).freshness).toBe('offline');
  });

  it('uses the block device values for metrics no fresh string carries', () => {
    const agg = aggregateBlock(block([], { values: { ...emptyValues(), power: -640, soc: 55 } }), rule);
    expect(agg.values.power).toBe(-640);
    expect(agg.values.soc).toBe(55);
    expect(agg.freshness).toBe('ok');
    const stale = aggregateBlock(block([], { time: NOW - 16_000 }), rule);
    expect(stale.freshness).toBe('stale');
  });
});

describe('freshness', () => {
  it('is stale only beyond N × interval, offline wins, unknown time is not stale', () => {
    expect(isStale(NOW - 15_000, rule)).toBe(false);
    expect(isStale(NOW - 15_001, rule)).toBe(true);
    expect(isStale(null, rule)).toBe(false);
    expect(freshness(true, NOW, rule)).toBe('offline');
    expect(freshness(false, NOW - 20_000, rule)).toBe('stale');
    expect(freshness(false, NOW, rule)).toBe('ok');
    expect(freshness(false, NOW, rule, true)).toBe('stale'); // flagged by the data (API reason "no data")
    expect(freshness(true, NOW, rule, true)).toBe('offline');
    expect(isStale(NOW - 20_000, { ...rule, intervals: 5 })).toBe(false);
  });
});

describe('magnitude', () => {
  it('is the unsigned value: charging and discharging bars look alike', () => {
    expect(magnitude(-450)).toBe(450);
    expect(magnitude(320)).toBe(320);
    expect(magnitude(0)).toBe(0);
    expect(magnitude(null)).toBeNull();
    expect(magnitude(NaN)).toBeNull();
  });
});
