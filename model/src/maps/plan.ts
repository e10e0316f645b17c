import type { RegisterFunction, RegisterPoint } from './types';

/** Modbus limit on registers per read (Modbus Application Protocol v1.1b3 §6.3: 1 to 125 registers). */
export const MAX_REGISTERS_PER_READ = 125;

/**
 * Default largest run of unused registers a read may span to merge two neighbours, after Telegraf
 * inputs.modbus `optimization = "max_insert"` (`optimization_max_register_fill`, default 50).
 */
export const DEFAULT_MAX_GAP = 50;

/** One Modbus read request of a poll plan. */
export interface ReadRequest {
  fn: RegisterFunction;
  /** Absolute 0-based wire address of the first register (device base + point address). */
  start: number;
  /** Number of registers (1..125). */
  count: number;
  /** Points with at least one element in this read (an array may span several reads). */
  points: RegisterPoint[];
}

/**
 * Plans the reads for a set of points, after Telegraf inputs.modbus `max_insert`: one linear pass
 * over the address-sorted elements; a new request starts when the hole to the next element is
 * larger than `maxGap` or the request would exceed `maxRegisters`. The unit that may not be split
 * is an element: a scalar point whole, or one element of an array point (a cell array of 416
 * values can therefore fill the rest of a request and continue in the next one). With an unlimited
 * gap this greedy pass uses the fewest requests possible.
 *
 * @param base - device base address added to every point address (several devices share one unit id)
 * @throws RangeError when one element is longer than `maxRegisters`.
 */
export function planReads(
  points: RegisterPoint[],
  base = 0,
  maxGap = DEFAULT_MAX_GAP,
  maxRegisters = MAX_REGISTERS_PER_READ
): ReadRequest[] {
  const out: ReadRequest[] = [];
  for (const fn of ['holding', 'input'] as const) {
    const sorted = points.filter((p) => p.fn === fn).sort((a, b) => a.address - b.address);
    let cur: ReadRequest | null = null;
    for (const p of sorted) {
      if (p.words > maxRegisters) throw new RangeError(`point ${p.name}: ${p.words} registers > ${maxRegisters}`);
      const start = base + p.address;
      let i = 0;
      while (i < p.count) {
        const elStart = start + i * p.words;
        if (cur) {
          const end = cur.start + cur.count;
          const hole = elStart - end;
          const room = Math.floor((cur.start + maxRegisters - Math.max(end, elStart)) / p.words);
          if (hole <= maxGap && room > 0) {
            const n = Math.min(room, p.count - i);
            cur.count = Math.max(cur.count, elStart + n * p.words - cur.start);
            if (cur.points[cur.points.length - 1] !== p) cur.points.push(p);
            i += n;
            continue;
          }
        }
        const n = Math.min(Math.floor(maxRegisters / p.words), p.count - i);
        cur = { fn, start: elStart, count: n * p.words, points: [p] };
        out.push(cur);
        i += n;
      }
    }
  }
  return out;
}

/**
 * The fewest requests any plan could use for these points (greedy with unlimited gap filling, which
 * is optimal for covering sorted elements with windows of at most `MAX_REGISTERS_PER_READ`). The
 * bench reports requests per cycle against it.
 */
export function minimumReads(points: RegisterPoint[], base = 0): number {
  return planReads(points, base, Number.MAX_SAFE_INTEGER).length;
}
