import { loadRegisterMaps, minimumReads, planReads, type RegisterPoint } from '../src';

const pt = (name: string, address: number, words = 1, count = 1): RegisterPoint => ({
  name,
  metric: name,
  fn: 'holding',
  address,
  type: words === 2 ? 'uint32' : 'uint16',
  words,
  count,
  order: 'ABCD',
  scale: 1,
  sign: 1,
  unit: '',
  sentinel: null,
  group: 'g',
  kind: count > 1 ? 'array' : 'measurement',
});

describe('planReads', () => {
  it('merges neighbours across holes up to maxGap and splits beyond', () => {
    const plan = planReads([pt('a', 0), pt('b', 10), pt('c', 100)], 0, 50);
    expect(plan.map((r) => [r.start, r.count, r.points.map((p) => p.name)])).toEqual([
      [0, 11, ['a', 'b']],
      [100, 1, ['c']],
    ]);
  });
  it('never exceeds 125 registers and never splits a 32-bit value', () => {
    const points = Array.from({ length: 100 }, (_, i) => pt(`p${i}`, i * 2, 2));
    const plan = planReads(points);
    expect(plan.every((r) => r.count <= 125 && r.count % 2 === 0)).toBe(true);
    expect(plan.reduce((n, r) => n + r.count, 0)).toBe(200);
  });
  it('packs arrays element by element: 858 cell registers in ceil(858/125) = 7 reads', () => {
    const cells = [pt('v', 0, 1, 416), pt('t', 416, 1, 416), pt('b', 832, 1, 26)];
    const plan = planReads(cells, 10000);
    expect(plan).toHaveLength(7);
    expect(plan[0].start).toBe(10000);
    // contiguous coverage of every register exactly once
    let next = 10000;
    for (const r of plan) {
      expect(r.start).toBe(next);
      next += r.count;
    }
    expect(next).toBe(10858);
    expect(minimumReads(cells, 10000)).toBe(7);
  });
  it('adds the base address', () => {
    expect(planReads([pt('a', 5)], 1000)[0].start).toBe(1005);
  });
  it('the shipped cell map needs 7 reads per string', () => {
    const cells = loadRegisterMaps().get('cells-805')!;
    expect(planReads(cells.points)).toHaveLength(7);
  });
});
