import { CONTAINER, gridColumns, inside, layoutSite, overlaps, stringSlots, WALL } from './layout';

describe('layoutSite', () => {
  it('places 1–40 blocks × 1–16 strings without overlaps, every bar inside its container', () => {
    const violations: string[] = [];
    let checked = 0;
    for (let blocks = 1; blocks <= 40; blocks++) {
      for (let strings = 1; strings <= 16; strings++) {
        const layout = layoutSite(new Array(blocks).fill(strings));
        const tag = `${blocks}×${strings}`;
        if (layout.blocks.length !== blocks) violations.push(`${tag}: ${layout.blocks.length} blocks`);
        if (!(layout.maxBarHeight < CONTAINER.height)) violations.push(`${tag}: bars taller than the container`);
        for (let i = 0; i < layout.blocks.length; i++) {
          const b = layout.blocks[i];
          if (b.strings.length !== strings) violations.push(`${tag} block ${i}: ${b.strings.length} bars`);
          if (overlaps(b, layout.transformer)) violations.push(`${tag} block ${i} overlaps the transformer`);
          for (let j = i + 1; j < layout.blocks.length; j++)
            if (overlaps(b, layout.blocks[j])) violations.push(`${tag} block ${i} overlaps block ${j}`);
          if (!inside(b.blockBar, b, WALL)) violations.push(`${tag} block ${i}: block bar outside`);
          for (let s = 0; s < b.strings.length; s++) {
            const bar = b.strings[s];
            checked++;
            if (!(bar.w > 0 && bar.d > 0)) violations.push(`${tag} block ${i} string ${s}: empty footprint`);
            if (!inside(bar, b, WALL)) violations.push(`${tag} block ${i} string ${s}: outside the container`);
            for (let t = s + 1; t < b.strings.length; t++)
              if (overlaps(bar, b.strings[t])) violations.push(`${tag} block ${i}: strings ${s} and ${t} overlap`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
    expect(checked).toBe(((40 * 41) / 2) * ((16 * 17) / 2));
  });

  it('puts the transformer at the top of the layout (behind the first row) and everything on the floor', () => {
    for (const n of [1, 2, 7, 20, 40]) {
      const l = layoutSite(new Array(n).fill(12));
      const minBlockZ = Math.min(...l.blocks.map((b) => b.z - b.d / 2));
      expect(l.transformer.z + l.transformer.d / 2).toBeLessThan(minBlockZ);
      const floor = {
        x: (l.bounds.minX + l.bounds.maxX) / 2,
        z: (l.bounds.minZ + l.bounds.maxZ) / 2,
        w: l.bounds.maxX - l.bounds.minX,
        d: l.bounds.maxZ - l.bounds.minZ,
      };
      for (const b of l.blocks) expect(inside(b, floor)).toBe(true);
      expect(inside(l.transformer, floor)).toBe(true);
    }
  });

  it('lays blocks out in a grid of about square count, row by row', () => {
    expect(gridColumns(2)).toBe(2);
    expect(gridColumns(20)).toBe(5);
    const l = layoutSite(new Array(20).fill(12));
    expect(l.columns).toBe(5);
    expect(l.rows).toBe(4);
    // block 2 is right of block 1 on the same row; block 6 starts the next row
    expect(l.blocks[1].x).toBeGreaterThan(l.blocks[0].x);
    expect(l.blocks[1].z).toBeCloseTo(l.blocks[0].z);
    expect(l.blocks[5].z).toBeGreaterThan(l.blocks[0].z);
    expect(l.blocks[5].x).toBeCloseTo(l.blocks[0].x);
  });

  it('handles blocks with different string counts and rejects bad input', () => {
    const l = layoutSite([3, 16, 0]);
    expect(l.blocks.map((b) => b.strings.length)).toEqual([3, 16, 0]);
    expect(() => layoutSite([])).toThrow(/at least one block/);
    expect(() => stringSlots(-1, { x: 0, z: 0, w: 6, d: 2 })).toThrow(/non-negative integer, got -1/);
    expect(() => stringSlots(2.5, { x: 0, z: 0, w: 6, d: 2 })).toThrow(/got 2.5/);
  });
});

describe('overlaps / inside', () => {
  it('detects overlap and containment', () => {
    const a = { x: 0, z: 0, w: 2, d: 2 };
    expect(overlaps(a, { x: 1.5, z: 0, w: 2, d: 2 })).toBe(true);
    expect(overlaps(a, { x: 2, z: 0, w: 2, d: 2 })).toBe(false); // touching edges
    expect(inside({ x: 0, z: 0, w: 1, d: 1 }, a, 0.5)).toBe(true);
    expect(inside({ x: 0.1, z: 0, w: 1, d: 1 }, a, 0.5)).toBe(false);
  });
});
