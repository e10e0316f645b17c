/**
 * Site layout in metres (x east, z south, y up; the camera looks from +z): the transformer at the top of the
 * layout (−z), blocks as containers on a floor in a grid, strings as bars inside their container. Pure: the same
 * numbers drive the instanced meshes and the unit tests (no overlaps, everything inside its container).
 *
 * Container size: ISO 668 20-ft high-cube footprint (6.058 m × 2.438 m), the common BESS enclosure; the height is
 * a 2.59 m standard box, which keeps the bars readable.
 */

/** An axis-aligned footprint on the floor: centre (x, z) and size (w along x, d along z), metres. */
export interface Footprint {
  x: number;
  z: number;
  w: number;
  d: number;
}

/** A block's container and the bar slots inside it. */
export interface BlockLayout extends Footprint {
  /** Container height, m. */
  h: number;
  /** Bar footprint of each string, in string order. */
  strings: Footprint[];
  /** Footprint of the block's aggregated bar (block mode). */
  blockBar: Footprint;
}

/** The whole site. */
export interface SiteLayout {
  blocks: BlockLayout[];
  /** Transformer box (footprint + height). */
  transformer: Footprint & { h: number };
  /** Tallest bar, m (bars stay inside the container). */
  maxBarHeight: number;
  /** Floor extent including a margin. */
  bounds: { minX: number; maxX: number; minZ: number; maxZ: number };
  columns: number;
  rows: number;
}

/** Container dimensions, m. */
export const CONTAINER = { length: 6.058, width: 2.438, height: 2.591 } as const;
/** Gap between containers along x and the aisle between rows along z, m. */
export const SPACING = { x: 2.4, z: 3.6 } as const;
/** Wall clearance inside a container, m. */
export const WALL = 0.18;
/** Transformer size and its distance from the first row, m. */
export const TRANSFORMER = { w: 3.2, d: 2.4, h: 2.9, gap: 4.5 } as const;
/** Floor beyond the outermost objects, m. */
export const FLOOR_MARGIN = 5;

/** Columns of the block grid: about square in count, e.g. 2 → 2×1, 20 → 5×4, 40 → 7×6. */
export function gridColumns(blocks: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(blocks)));
}

/**
 * Bar slots of n strings inside a container footprint: one row along the container for up to 6 strings, two rows
 * (racks along both long walls, an aisle between) above that. Each bar takes 70 % of its slot length and 60 % of
 * its row depth, so neighbours never touch.
 * @throws Error when n < 0 or not an integer.
 */
export function stringSlots(n: number, c: Footprint): Footprint[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`strings per block must be a non-negative integer, got ${n}`);
  if (n === 0) return [];
  const rows = n <= 6 ? 1 : 2;
  const perRow = Math.ceil(n / rows);
  const innerW = c.w - 2 * WALL;
  const innerD = c.d - 2 * WALL;
  const slotW = innerW / perRow;
  const rowD = innerD / rows;
  const out: Footprint[] = [];
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / perRow);
    const col = i % perRow;
    out.push({
      x: c.x - innerW / 2 + slotW * (col + 0.5),
      z: c.z - innerD / 2 + rowD * (row + 0.5),
      w: slotW * 0.7,
      d: rows === 1 ? rowD * 0.5 : rowD * 0.6,
    });
  }
  return out;
}

/**
 * Lays out a site: `stringsPerBlock[i]` strings in block i (blocks in data order, row by row).
 * @throws Error when the list is empty or a count is invalid.
 */
export function layoutSite(stringsPerBlock: readonly number[]): SiteLayout {
  const n = stringsPerBlock.length;
  if (n === 0) throw new Error('a site layout needs at least one block');
  const columns = gridColumns(n);
  const rows = Math.ceil(n / columns);
  const pitchX = CONTAINER.length + SPACING.x;
  const pitchZ = CONTAINER.width + SPACING.z;
  const width = columns * pitchX - SPACING.x;
  const depth = rows * pitchZ - SPACING.z;
  const blocks: BlockLayout[] = [];
  for (let i = 0; i < n; i++) {
    const col = i % columns;
    const row = Math.floor(i / columns);
    const c: Footprint = {
      x: -width / 2 + CONTAINER.length / 2 + col * pitchX,
      z: -depth / 2 + CONTAINER.width / 2 + row * pitchZ,
      w: CONTAINER.length,
      d: CONTAINER.width,
    };
    blocks.push({
      ...c,
      h: CONTAINER.height,
      strings: stringSlots(stringsPerBlock[i], c),
      blockBar: { x: c.x, z: c.z, w: (c.w - 2 * WALL) * 0.8, d: (c.d - 2 * WALL) * 0.6 },
    });
  }
  const transformer = {
    x: 0,
    z: -depth / 2 - TRANSFORMER.gap - TRANSFORMER.d / 2,
    w: TRANSFORMER.w,
    d: TRANSFORMER.d,
    h: TRANSFORMER.h,
  };
  const bounds = {
    minX: -width / 2 - FLOOR_MARGIN,
    maxX: width / 2 + FLOOR_MARGIN,
    minZ: transformer.z - transformer.d / 2 - FLOOR_MARGIN,
    maxZ: depth / 2 + FLOOR_MARGIN,
  };
  return { blocks, transformer, maxBarHeight: CONTAINER.height - 0.2, bounds, columns, rows };
}

/** Whether two footprints overlap (touching edges do not count). */
export function overlaps(a: Footprint, b: Footprint): boolean {
  return Math.abs(a.x - b.x) * 2 < a.w + b.w && Math.abs(a.z - b.z) * 2 < a.d + b.d;
}

/** Whether `inner` lies inside `outer` shrunk by `margin`. */
export function inside(inner: Footprint, outer: Footprint, margin = 0): boolean {
  return (
    inner.x - inner.w / 2 >= outer.x - outer.w / 2 + margin - 1e-9 &&
    inner.x + inner.w / 2 <= outer.x + outer.w / 2 - margin + 1e-9 &&
    inner.z - inner.d / 2 >= outer.z - outer.d / 2 + margin - 1e-9 &&
    inner.z + inner.d / 2 <= outer.z + outer.d / 2 - margin + 1e-9
  );
}
