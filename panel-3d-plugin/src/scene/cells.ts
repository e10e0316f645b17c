/**
 * The "every single cell" level: a string's cells as small cubes in module groups, with statistics (min, max,
 * spread) and the colour range. Pure; `CellView.ts` turns it into one instanced mesh. Cell arrays follow the
 * SunSpec 805-style `cellVoltages` / `cellTemperatures` metrics (416 cells per string = 8 modules × 52 cells in the
 * demo plant; other counts work).
 */
import type { MetricKey } from '../types';

/** Cells per module of the demo plant's strings (416 = 8 × 52). */
export const CELLS_PER_MODULE = 52;
/** Cube edge and gap, m (scene units of the cell view). */
export const CELL = { size: 0.22, gap: 0.06, moduleGap: 0.5, rowsPerModule: 4, modulesPerRow: 4 } as const;

/** Position of one cell cube (centre on the floor plane) and its module. */
export interface CellSlot {
  x: number;
  z: number;
  module: number;
}

/** Cell layout: slots in cell order plus module outlines. */
export interface CellLayout {
  cells: CellSlot[];
  modules: { x: number; z: number; w: number; d: number }[];
  width: number;
  depth: number;
}

/**
 * Lays out n cells in modules of `perModule`: each module is `CELL.rowsPerModule` rows of cells, modules in rows of
 * `CELL.modulesPerRow`, the whole group centred on the origin.
 * @throws Error when n or perModule is not a positive integer.
 */
export function layoutCells(n: number, perModule = CELLS_PER_MODULE): CellLayout {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`cell count must be a positive integer, got ${n}`);
  if (!Number.isInteger(perModule) || perModule <= 0)
    throw new Error(`cells per module must be positive, got ${perModule}`);
  const moduleCount = Math.ceil(n / perModule);
  const rowsIn = Math.min(CELL.rowsPerModule, perModule);
  const colsIn = Math.ceil(perModule / rowsIn);
  const pitch = CELL.size + CELL.gap;
  const modW = colsIn * pitch - CELL.gap;
  const modD = rowsIn * pitch - CELL.gap;
  const modCols = Math.min(CELL.modulesPerRow, moduleCount);
  const modRows = Math.ceil(moduleCount / modCols);
  const width = modCols * (modW + CELL.moduleGap) - CELL.moduleGap;
  const depth = modRows * (modD + CELL.moduleGap) - CELL.moduleGap;
  const modules: CellLayout['modules'] = [];
  for (let m = 0; m < moduleCount; m++) {
    const mx = -width / 2 + (m % modCols) * (modW + CELL.moduleGap) + modW / 2;
    const mz = -depth / 2 + Math.floor(m / modCols) * (modD + CELL.moduleGap) + modD / 2;
    modules.push({ x: mx, z: mz, w: modW, d: modD });
  }
  const cells: CellSlot[] = [];
  for (let i = 0; i < n; i++) {
    const m = Math.floor(i / perModule);
    const k = i % perModule;
    const mod = modules[m];
    cells.push({
      x: mod.x - modW / 2 + (k % colsIn) * pitch + CELL.size / 2,
      z: mod.z - modD / 2 + Math.floor(k / colsIn) * pitch + CELL.size / 2,
      module: m,
    });
  }
  return { cells, modules, width, depth };
}

/** Statistics of a cell array (NaN / non-finite elements ignored). */
export interface CellStats {
  min: number;
  max: number;
  /** 0-based index of the lowest / highest cell. */
  minIndex: number;
  maxIndex: number;
  /** max − min. */
  spread: number;
  mean: number;
  /** Cells with a finite value. */
  valid: number;
}

/**
 * Min, max (with their cells), spread and mean of a cell array.
 * @returns null when no element is finite.
 */
export function cellStats(values: ArrayLike<number>): CellStats | null {
  let min = Infinity;
  let max = -Infinity;
  let minIndex = -1;
  let maxIndex = -1;
  let sum = 0;
  let valid = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) {
      min = v;
      minIndex = i;
    }
    if (v > max) {
      max = v;
      maxIndex = i;
    }
    sum += v;
    valid++;
  }
  if (valid === 0) return null;
  return { min, max, minIndex, maxIndex, spread: max - min, mean: sum / valid, valid };
}

/** What the cell view colours by. */
export type CellMetric = 'voltage' | 'temperature';

/** Display of a cell metric: unit, scale (reuses the string scales) and the smallest colour span. */
export const CELL_METRICS: Record<
  CellMetric,
  { label: string; unit: string; scale: MetricKey; minSpan: number; decimals: number }
> = {
  // low voltage is the concern: red → amber → green → cyan (the DC voltage scale)
  voltage: { label: 'Cell voltage', unit: 'V', scale: 'dcVoltage', minSpan: 0.02, decimals: 3 },
  // high temperature is the concern: cyan → green → amber → red (the temp max scale)
  temperature: { label: 'Cell temperature', unit: '°C', scale: 'tempMax', minSpan: 2, decimals: 1 },
};

/**
 * Colour range of a cell view: the string's own min..max, widened symmetrically to at least the metric's
 * `minSpan` so measurement noise on a balanced string does not paint the full scale.
 */
export function cellRange(stats: CellStats, metric: CellMetric): [number, number] {
  const span = CELL_METRICS[metric].minSpan;
  if (stats.spread >= span) return [stats.min, stats.max];
  const mid = (stats.min + stats.max) / 2;
  return [mid - span / 2, mid + span / 2];
}
