import { CELL, cellRange, cellStats, layoutCells } from './cells';

describe('cell layout', () => {
  it('puts 416 cells in 8 modules of 52, no two cubes overlapping, cells inside their module', () => {
    const l = layoutCells(416, 52);
    expect(l.modules).toHaveLength(8);
    expect(l.cells).toHaveLength(416);
    const perModule = new Array(8).fill(0);
    for (const c of l.cells) perModule[c.module]++;
    expect(perModule).toEqual(new Array(8).fill(52));
    const seen = new Set<string>();
    for (const c of l.cells) {
      const key = `${Math.round(c.x * 1000)}:${Math.round(c.z * 1000)}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      const m = l.modules[c.module];
      expect(Math.abs(c.x - m.x) + CELL.size / 2).toBeLessThanOrEqual(m.w / 2 + 1e-9);
      expect(Math.abs(c.z - m.z) + CELL.size / 2).toBeLessThanOrEqual(m.d / 2 + 1e-9);
    }
    // neighbouring cells are one pitch apart (no overlap)
    expect(l.cells[1].x - l.cells[0].x).toBeCloseTo(CELL.size + CELL.gap, 9);
    // modules do not overlap
    for (let i = 0; i < 8; i++)
      for (let j = i + 1; j < 8; j++) {
        const a = l.modules[i];
        const b = l.modules[j];
        const apart = Math.abs(a.x - b.x) * 2 >= a.w + b.w || Math.abs(a.z - b.z) * 2 >= a.d + b.d;
        expect(apart).toBe(true);
      }
  });

  it('handles other counts and rejects bad ones', () => {
    expect(layoutCells(10, 4).modules).toHaveLength(3);
    expect(() => layoutCells(0)).toThrow(/positive integer, got 0/);
    expect(() => layoutCells(5, 0)).toThrow(/cells per module must be positive/);
  });
});

describe('cell statistics', () => {
  it('finds min, max, their cells, spread and mean, ignoring NaN', () => {
    const s = cellStats([3.3, 3.31, NaN, 3.18, 3.42, 3.3]);
    expect(s).toEqual({
      min: 3.18,
      max: 3.42,
      minIndex: 3,
      maxIndex: 4,
      spread: 3.42 - 3.18,
      mean: (3.3 + 3.31 + 3.18 + 3.42 + 3.3) / 5,
      valid: 5,
    });
    expect(cellStats([NaN])).toBeNull();
    expect(cellStats([])).toBeNull();
  });

  it('colours a balanced string on a minimum span, an unbalanced one on its own range', () => {
    const balanced = cellStats([3.3, 3.301, 3.302])!;
    const [lo, hi] = cellRange(balanced, 'voltage');
    expect(hi - lo).toBeCloseTo(0.02, 9);
    expect((lo + hi) / 2).toBeCloseTo(3.301, 9);
    const wide = cellStats([3.1, 3.4])!;
    expect(cellRange(wide, 'voltage')).toEqual([3.1, 3.4]);
    expect(cellRange(cellStats([25, 35])!, 'temperature')).toEqual([25, 35]);
  });
});
