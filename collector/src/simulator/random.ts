/**
 * Seeded pseudo-random numbers for the simulator: the same seed gives the same site, the same
 * faults and the same grid frequency, run after run.
 *
 * Generator: mulberry32 (Tommy Ettinger, public domain; 32-bit state, period 2^32), good enough
 * for simulation noise and much faster than a cryptographic generator. Normal deviates use the
 * Box–Muller transform (Box & Muller, "A Note on the Generation of Random Normal Deviates",
 * Ann. Math. Statist. 29(2), 1958).
 */
export class Rng {
  private state: number;
  private spare: number | null = null;

  /** @param seed - any integer; equal seeds give equal sequences */
  constructor(seed: number) {
    this.state = hash32(seed) >>> 0;
  }

  /** Uniform number in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform number in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal deviate (mean 0, standard deviation 1). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Exponentially distributed waiting time with the given mean (same unit as the mean). */
  exponential(mean: number): number {
    let u = 0;
    while (u === 0) u = this.next();
    return -Math.log(u) * mean;
  }
}

/**
 * 32-bit integer hash (the "lowbias32" mixer by Chris Wellons, public domain) used to derive
 * independent sub-seeds, e.g. `hash32(seed ^ hash32(deviceIndex))`.
 */
export function hash32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A sub-seed for an independent stream: combines a seed with any number of integers or strings. */
export function subSeed(seed: number, ...parts: (number | string)[]): number {
  let h = hash32(seed);
  for (const p of parts) {
    if (typeof p === 'number') h = hash32(h ^ hash32(p));
    else for (let i = 0; i < p.length; i++) h = hash32(h ^ p.charCodeAt(i));
  }
  return h;
}
