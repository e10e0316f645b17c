import { toDataFrame, type DataFrame } from '@grafana/data';
import { siteFrames } from '../test/fixtures/siteFrames';
import { framesToScene, offlineState, toNumberArray, toTime } from './data';
import { DEFAULT_FIELDS } from './types';

const NOW = Date.UTC(2026, 0, 1, 12);

describe('framesToScene', () => {
  it('reads the datasource tree frame into blocks and strings in order', () => {
    const frames = siteFrames({ blocks: 2, strings: 12, now: NOW, faults: true }).map((f) => toDataFrame(f));
    const { site, problems } = framesToScene(frames, DEFAULT_FIELDS);
    expect(problems).toEqual([]);
    expect(site!.site).toBe('FI006');
    expect(site!.transformerId).toBe('FI006ES1');
    expect(site!.blocks.map((b) => b.id)).toEqual(['FI006ES1BK1', 'FI006ES1BK2']);
    expect(site!.blocks[0].ratedPowerKw).toBe(2400);
    const strings = site!.blocks[0].strings;
    expect(strings).toHaveLength(12);
    expect(strings.map((s) => s.string)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(strings[1].offline).toBe(true);
    expect(strings[1].values.power).toBeNull();
    expect(strings[4].time).toBe(NOW - 600_000);
    expect(strings[0].capacityKwh).toBe(400);
    const raw = frames[0].fields.find((f) => f.name === 'activePower')!.values;
    expect(strings[0].values.power).toBe(raw[3]); // meter, bess, block 1, then string 1
  });

  it('works with any frame that has the mapped fields (renamed, no profile, strings only)', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'device', values: ['X1S2', 'X1S1', 'X2S1'] },
        { name: 'blk', values: [1, 1, 2] },
        { name: 'str', values: [2, 1, 1] },
        { name: 'p_kw', values: [-50, 40, '12.5'] },
        { name: 'soc', values: [50, 60, null] },
        { name: 'ts', values: ['2026-01-01T12:00:00Z', NOW, NOW] },
      ],
    });
    const map = {
      ...DEFAULT_FIELDS,
      idField: 'device',
      blockField: 'blk',
      stringField: 'str',
      powerField: 'p_kw',
      socField: 'soc',
      timeField: 'ts',
    };
    const { site } = framesToScene([frame], map);
    expect(site!.blocks.map((b) => b.name)).toEqual(['Block 1', 'Block 2']);
    expect(site!.blocks[0].strings.map((s) => s.id)).toEqual(['X1S1', 'X1S2']);
    expect(site!.blocks[0].strings[1].values.power).toBe(-50);
    expect(site!.blocks[0].strings[1].time).toBe(NOW);
    expect(site!.blocks[1].strings[0].values.power).toBe(12.5);
    expect(site!.blocks[1].strings[0].values.soc).toBeNull();
  });

  it('merges a long-form latest frame: scalar values, offline flag and cell arrays', () => {
    const frames = siteFrames({ blocks: 1, strings: 4, now: NOW, cells: true }).map((f) => toDataFrame(f));
    const latest = toDataFrame({
      fields: [
        { name: 'device', values: ['FI006ES1BK1BS1', 'FI006ES1BK1BS2', 'FI006ES1BK1BS3'] },
        { name: 'metric', values: ['stateOfCharge', 'isOffline', 'cellVoltages'] },
        { name: 'value', values: [77, 1, '{3.3,3.31,NaN}'] },
        { name: 'time', type: 'time', values: [NOW + 1000, NOW + 1000, NOW + 1000] },
      ],
    });
    const { site, cells } = framesToScene([...frames, latest], DEFAULT_FIELDS);
    const s = site!.blocks[0].strings;
    expect(s[0].values.soc).toBe(77);
    expect(s[0].time).toBe(NOW + 1000);
    expect(s[1].offline).toBe(true);
    expect(cells.get('FI006ES1BK1BS3')!.voltages).toEqual([3.3, 3.31, NaN]);
    expect(cells.get('FI006ES1BK1BS1')!.voltages).toHaveLength(416);
    expect(cells.get('FI006ES1BK1BS1')!.temperatures).toHaveLength(416);
  });

  it('tells offline (maintenance) from stale (the API reason "no data") and keeps the reason', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'id', values: ['B1', 'B1S1', 'B1S2', 'B1S3'] },
        { name: 'parent', values: ['E1', 'B1', 'B1', 'B1'] },
        { name: 'profile', values: ['bessBlock', 'batteryString', 'batteryString', 'batteryString'] },
        { name: 'block', values: [1, 1, 1, 1] },
        { name: 'string', values: [null, 1, 2, 3] },
        { name: 'isOffline', type: 'boolean', values: [false, true, true, false] },
        { name: 'offlineReason', values: [null, 'maintenance', 'no data', null] },
      ],
    });
    const { site } = framesToScene([frame], DEFAULT_FIELDS);
    const [s1, s2, s3] = site!.blocks[0].strings;
    expect([s1.offline, s1.stale, s1.reason]).toEqual([true, false, 'maintenance']);
    expect([s2.offline, s2.stale, s2.reason]).toEqual([false, true, 'no data']);
    expect([s3.offline, s3.stale]).toEqual([false, false]);
    expect(offlineState(true, null)).toEqual({ offline: true, stale: false });
    expect(offlineState(true, ' No Data ')).toEqual({ offline: false, stale: true });
    expect(offlineState(false, 'no data')).toEqual({ offline: false, stale: false });
  });

  it('reports unusable rows and returns no site without a topology', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'id', values: ['', 'S9'] },
        { name: 'profile', values: ['batteryString', 'batteryString'] },
        { name: 'string', values: [1, 1] },
      ],
    });
    const { site, problems } = framesToScene([frame], DEFAULT_FIELDS);
    expect(site).toBeNull();
    expect(problems).toEqual([
      'frame 0 row 1: empty id',
      'frame 0 row 2: string S9 has neither a parent nor a block number, left out',
    ]);
    expect(framesToScene([toDataFrame({ fields: [{ name: 'x', values: [1] }] })], DEFAULT_FIELDS).site).toBeNull();
  });

  it('reads cell arrays from a wide frame field whose values are number arrays', () => {
    const frame = {
      length: 1,
      fields: [
        { name: 'id', type: 'string', values: ['S1'], config: {} },
        { name: 'cellTemperatures', type: 'other', values: [new Float32Array([25, 26.5])], config: {} },
      ],
    } as unknown as DataFrame;
    const { cells } = framesToScene([frame], DEFAULT_FIELDS);
    expect(cells.get('S1')!.temperatures).toEqual([25, 26.5]);
  });
});

describe('value parsing', () => {
  it('parses arrays in the forms frames carry', () => {
    expect(toNumberArray([1, '2', null])).toEqual([1, 2, NaN]);
    expect(toNumberArray('[1.5, 2]')).toEqual([1.5, 2]);
    expect(toNumberArray('{}')).toEqual([]);
    expect(toNumberArray('abc')).toBeNull();
    expect(toNumberArray(42)).toBeNull();
  });
  it('parses times from ms, ISO text and Date', () => {
    expect(toTime(NOW)).toBe(NOW);
    expect(toTime(String(NOW))).toBe(NOW);
    expect(toTime('2026-01-01T12:00:00Z')).toBe(NOW);
    expect(toTime(new Date(NOW))).toBe(NOW);
    expect(toTime('not a time')).toBeNull();
  });
});
