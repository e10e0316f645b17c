import { groupByDevice } from '../../src/store/rows';
import type { SampleBatch } from '../../src/types';

/** A poll job's batch: `device` polled at `time`. */
const job = (device: string, time: number): SampleBatch => ({
  samples: [{ device, metric: 'activePower', time, value: time }],
  arrays: [],
  attributes: [],
  polls: [
    { time, site: 'FI006', device, map: 'm', unitId: 1, group: 'fast', ok: true, latencyMs: 1, requests: 1, points: 1 },
  ],
});

describe('groupByDevice', () => {
  it("groups a transaction's batches by device, keeping each device's batches in order", () => {
    const cycles = [1000, 2000, 3000].flatMap((t) => ['A', 'B', 'C'].map((d) => job(d, t)));
    const out = groupByDevice(cycles);
    expect(out.map((b) => `${b.polls[0].device}@${b.polls[0].time}`)).toEqual([
      'A@1000',
      'A@2000',
      'A@3000',
      'B@1000',
      'B@2000',
      'B@3000',
      'C@1000',
      'C@2000',
      'C@3000',
    ]);
    expect(new Set(out)).toEqual(new Set(cycles));
  });

  it('keys batches without poll records by their first sample or array', () => {
    const arrays = (device: string, time: number): SampleBatch => ({
      samples: [],
      arrays: [{ device, metric: 'cellVoltage', time, values: [3.3] }],
      attributes: [],
      polls: [],
    });
    const list = [arrays('S1', 1), job('M', 1), arrays('S2', 1), arrays('S1', 2), job('M', 2)];
    expect(groupByDevice(list)).toEqual([list[0], list[3], list[1], list[4], list[2]]);
  });
});
