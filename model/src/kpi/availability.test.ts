import { computeAvailability, DEFAULT_AVAILABILITY_TARGET_PCT, type AvailabilityBlock } from './availability';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1); // 2026-01-01T00:00Z
const T1 = T0 + 240 * H; // 10 days = 240 h

/** Two equal blocks of 4000 kWh under the BESS node FI006ES1; BK2's strings are uneven (1000 + 3000 kWh). */
const BLOCKS: AvailabilityBlock[] = [
  {
    id: 'FI006ES1BK1',
    capacityKwh: 4000,
    ancestors: ['FI006ES1'],
    strings: [
      { id: 'FI006ES1BK1BS1', capacityKwh: 2000 },
      { id: 'FI006ES1BK1BS2', capacityKwh: 2000 },
    ],
  },
  {
    id: 'FI006ES1BK2',
    capacityKwh: 4000,
    ancestors: ['FI006ES1'],
    strings: [
      { id: 'FI006ES1BK2BS1', capacityKwh: 1000 },
      { id: 'FI006ES1BK2BS2', capacityKwh: 3000 },
    ],
  },
];

describe('computeAvailability', () => {
  it('equals the hand-computed value on a constructed outage history', () => {
    const r = computeAvailability({
      from: T0,
      to: T1,
      blocks: BLOCKS,
      outages: [
        // BK1 whole block out 0–12 h: 12 h.
        { device: 'FI006ES1BK1', from: T0, to: T0 + 12 * H },
        // BK1 string 1 (share 2000/4000 = 0.5) out 6–30 h; 6–12 h already counted by the block: 18 h × 0.5 = 9 h.
        { device: 'FI006ES1BK1BS1', from: T0 + 6 * H, to: T0 + 30 * H },
        // BK2 string 2 (share 3000/4000 = 0.75) out 48–97 h; 96–97 h is inside the BESS-node outage: 48 h × 0.75 = 36 h.
        { device: 'FI006ES1BK2BS2', from: T0 + 48 * H, to: T0 + 97 * H },
        // BESS node out 96–98 h: both blocks 2 h.
        { device: 'FI006ES1', from: T0 + 96 * H, to: T0 + 98 * H },
        // BK2 string 1 (share 0.25) out from 4 h before the range to 4 h into it: 4 h × 0.25 = 1 h.
        { device: 'FI006ES1BK2BS1', from: T0 - 4 * H, to: T0 + 4 * H },
        // BK1 string 2 (0.5) still out since 228 h (open period, to the end of the range): 12 h × 0.5 = 6 h.
        { device: 'FI006ES1BK1BS2', from: T0 + 228 * H, to: null },
        // Ignored: after the range, and an HVAC unit (not storage capacity).
        { device: 'FI006ES1BK1', from: T1 + H, to: T1 + 5 * H },
        { device: 'FI006ES1BK1HV1', from: T0, to: T1 },
      ],
    });
    // BK1: D = 12 + 9 + 2 + 6 = 29 h → A = 1 − 29/240 = 87.91666… %
    // BK2: D = 36 + 2 + 1 = 39 h → A = 1 − 39/240 = 83.75 %
    // Site (equal capacities): D = (29 + 39) / 2 = 34 h → A = 1 − 34/240 = 85.83333… %
    expect(r.periodHours).toBe(240);
    expect(r.blocks[0].equivalentDowntimeHours).toBeCloseTo(29, 9);
    expect(r.blocks[0].availabilityPct).toBeCloseTo(87.916666667, 6);
    expect(r.blocks[1].equivalentDowntimeHours).toBeCloseTo(39, 9);
    expect(r.blocks[1].availabilityPct).toBeCloseTo(83.75, 9);
    expect(r.equivalentDowntimeHours).toBeCloseTo(34, 9);
    expect(r.availabilityPct).toBeCloseTo(85.833333333, 6);
    expect(r.targetPct).toBe(DEFAULT_AVAILABILITY_TARGET_PCT);
    expect(r.meetsTarget).toBe(false);
    expect(r.shortfallPct).toBeCloseTo(98 - 85.833333333, 6);
  });

  it('weights blocks by capacity and compares with the target', () => {
    const blocks: AvailabilityBlock[] = [
      { id: 'B1', capacityKwh: 1000, strings: [] },
      { id: 'B2', capacityKwh: 3000, strings: [] },
    ];
    // B1 out 24 h of 240 h: site A = 1 − (1000 × 24) / (4000 × 240) = 97.5 %.
    const out = [{ device: 'B1', from: T0, to: T0 + 24 * H }];
    const r = computeAvailability({ from: T0, to: T1, blocks, outages: out });
    expect(r.availabilityPct).toBeCloseTo(97.5, 9);
    expect(r.meetsTarget).toBe(false);
    expect(r.shortfallPct).toBeCloseTo(0.5, 9);
    const lenient = computeAvailability({ from: T0, to: T1, blocks, outages: out, targetPct: 97 });
    expect(lenient.meetsTarget).toBe(true);
    expect(lenient.shortfallPct).toBe(0);
  });

  it('counts overlapping outages of one device once and never below 0 %', () => {
    const blocks: AvailabilityBlock[] = [{ id: 'B', capacityKwh: 100, strings: [{ id: 'S', capacityKwh: 100 }] }];
    const r = computeAvailability({
      from: T0,
      to: T0 + 10 * H,
      blocks,
      outages: [
        { device: 'S', from: T0, to: T0 + 6 * H },
        { device: 'S', from: T0 + 2 * H, to: T0 + 8 * H },
      ],
    });
    expect(r.blocks[0].equivalentDowntimeHours).toBeCloseTo(8, 9);
    const all = computeAvailability({
      from: T0,
      to: T0 + 10 * H,
      blocks,
      outages: [
        { device: 'B', from: T0 - H, to: null },
        { device: 'S', from: T0, to: null },
      ],
    });
    expect(all.availabilityPct).toBe(0);
  });

  it('is 100 % without outages and rejects an empty period or a bad target', () => {
    expect(computeAvailability({ from: T0, to: T1, blocks: BLOCKS, outages: [] }).availabilityPct).toBe(100);
    expect(() => computeAvailability({ from: T1, to: T0, blocks: BLOCKS, outages: [] })).toThrow(RangeError);
    expect(() => computeAvailability({ from: T0, to: T1, blocks: BLOCKS, outages: [], targetPct: 120 })).toThrow(
      /target/
    );
  });
});
