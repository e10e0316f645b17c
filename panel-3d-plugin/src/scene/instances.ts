/**
 * The per-update hot path: bar values → instance matrices and colours of two instanced meshes (live bars coloured
 * by the metric's scale, and grey hatched "ghost" bars for stale / offline / missing values). Writes straight into
 * the typed arrays three.js uploads (`InstancedMesh.instanceMatrix.array`, `instanceColor.array`), no objects per
 * bar. Matrices are column-major like three's `Matrix4.elements`: a unit cube scaled to the bar and lifted so its
 * base sits on the floor.
 */
import type { BarSet } from './bars';
import { FRESHNESS_CODE } from './bars';
import { LUT_SIZE, srgbToLinear } from './colorScales';

/** One instanced mesh's buffers. `index[k]` = bar index of instance k. */
export interface InstanceBuffers {
  matrix: Float32Array;
  color: Float32Array;
  index: Int32Array;
  count: number;
}

/** Live and ghost buffers with capacity for `capacity` bars each. */
export interface BarInstances {
  live: InstanceBuffers;
  ghost: InstanceBuffers;
}

/** Height of a zero value, m: a thin slab so an idle string is still visible. */
export const MIN_BAR_HEIGHT = 0.05;
/** Height of a ghost bar without any value, as a fraction of the tallest bar. */
export const GHOST_NO_VALUE_FRACTION = 0.3;

const lin = (hex: number): [number, number, number] => [
  srgbToLinear(((hex >> 16) & 255) / 255),
  srgbToLinear(((hex >> 8) & 255) / 255),
  srgbToLinear((hex & 255) / 255),
];
/** Ghost tints (linear RGB): stale / missing lighter grey, offline darker. */
export const GHOST_STALE = lin(0xd5dae3);
export const GHOST_OFFLINE = lin(0x7c8391);

/** Allocates buffers for up to `capacity` bars. */
export function allocInstances(capacity: number): BarInstances {
  const mk = (): InstanceBuffers => ({
    matrix: new Float32Array(capacity * 16),
    color: new Float32Array(capacity * 3),
    index: new Int32Array(capacity),
    count: 0,
  });
  return { live: mk(), ghost: mk() };
}

/** Bar height, m, for a magnitude on [min, max] of the scale (clamped). */
export function barHeight(mag: number, min: number, max: number, maxHeight: number): number {
  const t = max > min ? (mag - min) / (max - min) : 0;
  const c = t < 0 ? 0 : t > 1 ? 1 : t;
  return MIN_BAR_HEIGHT + c * (maxHeight - MIN_BAR_HEIGHT);
}

function writeMatrix(out: Float32Array, k: number, x: number, z: number, w: number, d: number, h: number): void {
  const o = k * 16;
  out[o] = w;
  out[o + 1] = 0;
  out[o + 2] = 0;
  out[o + 3] = 0;
  out[o + 4] = 0;
  out[o + 5] = h;
  out[o + 6] = 0;
  out[o + 7] = 0;
  out[o + 8] = 0;
  out[o + 9] = 0;
  out[o + 10] = d;
  out[o + 11] = 0;
  out[o + 12] = x;
  out[o + 13] = h / 2;
  out[o + 14] = z;
  out[o + 15] = 1;
}

/**
 * Writes all bars into the live / ghost buffers: height from |value| (the 3D view is unsigned), colour from the
 * metric's linear-RGB lookup table (`linearLut`). Stale, offline and missing values go to the ghost buffers
 * (grey, hatched by the material), at their |value| height when known so they are not mistaken for a low value.
 * @throws Error when the buffers are smaller than the bar set.
 */
export function writeBars(bars: BarSet, lut: Float32Array, out: BarInstances): void {
  if (out.live.index.length < bars.count || out.ghost.index.length < bars.count) {
    throw new Error(`instance buffers hold ${out.live.index.length} bars, the view has ${bars.count}`);
  }
  const [min, max] = bars.range;
  const span = max > min ? max - min : 1;
  const maxH = bars.maxHeight;
  const live = out.live;
  const ghost = out.ghost;
  let nl = 0;
  let ng = 0;
  const ok = FRESHNESS_CODE.ok;
  const offline = FRESHNESS_CODE.offline;
  for (let i = 0; i < bars.count; i++) {
    const v = bars.values[i];
    const mag = v < 0 ? -v : v;
    const f = bars.freshness[i];
    if (f === ok && mag === mag) {
      let t = (mag - min) / span;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      writeMatrix(
        live.matrix,
        nl,
        bars.x[i],
        bars.z[i],
        bars.w[i],
        bars.d[i],
        MIN_BAR_HEIGHT + t * (maxH - MIN_BAR_HEIGHT)
      );
      const li = ((t * (LUT_SIZE - 1) + 0.5) | 0) * 3;
      const co = nl * 3;
      live.color[co] = lut[li];
      live.color[co + 1] = lut[li + 1];
      live.color[co + 2] = lut[li + 2];
      live.index[nl++] = i;
    } else {
      const h = mag === mag ? barHeight(mag, min, max, maxH) : maxH * GHOST_NO_VALUE_FRACTION;
      writeMatrix(ghost.matrix, ng, bars.x[i], bars.z[i], bars.w[i], bars.d[i], h);
      const c = f === offline ? GHOST_OFFLINE : GHOST_STALE;
      const co = ng * 3;
      ghost.color[co] = c[0];
      ghost.color[co + 1] = c[1];
      ghost.color[co + 2] = c[2];
      ghost.index[ng++] = i;
    }
  }
  live.count = nl;
  ghost.count = ng;
}
