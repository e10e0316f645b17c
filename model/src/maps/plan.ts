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
  /** Points fully contained in this read. */
  points: RegisterPoint[];
}

/** A point placed at an absolute address (a device's base address added). */
interface Placed {
  point: RegisterPoint;
  start: number;
  len: number;
}

/**
 * Plans the reads for a set of points, merging neighbours into requests of at most `maxRegisters`
 * registers and bridging gaps of at most `maxGap` unused registers (Telegraf `max_insert`: one
 * linear pass over the address-sorted points; a new request starts when the hole is larger than
 * `maxGap` or the request would exceed `maxRegisters`). A point larger than `maxRegisters` (a cell
 * array) is split across consecutive requests at element boundaries; such a point is listed in
 * each request it spans.
 *
 * @param base - device base address added to every point address (several devices share one unit id)
 */
export function planReads(
  points: RegisterPoint[],
  base = 0,
  maxGap = DEFAULT_MAX_GAP,
  maxRegisters = MAX_REGISTERS_PER_READ
): ReadRequest[] {
  const out: ReadRequest[] = [];
  for (const fn of ['holding', 'input'] as const) {
    const placed: Placed[] = points
      .filter((p) => p.fn === fn)
      .map((p) => ({ point: p, start: base + p.address, len: p.words * p.count }))
      .sort((a, b) => a.start - b.start);
    let cur: ReadRequest | null = null;
    for (const pl of placed) {
      if (pl.len > maxRegisters) {
        // split a large array at element boundaries
        cur = null;
        const perReq = Math.floor(maxRegisters / pl.point.words) * pl.point.words;
        for (let off = 0; off < pl.len; off += perReq) {
          out.push({ fn, start: pl.start + off, count: Math.min(perReq, pl.len - off), points: [pl.point] });
        }
        continue;
      }
      if (cur) {
        const end = cur.start + cur.count;
        const hole = pl.start - end;
        const newCount = pl.start + pl.len - cur.start;
        if (hole <= maxGap && newCount <= maxRegisters) {
          cur.count = Math.max(cur.count, newCount);
          cur.points.push(pl.point);
          continue;
        }
      }
      cur = { fn, start: pl.start, count: pl.len, points: [pl.point] };
      out.push(cur);
    }
  }
  return out;
}

/**
 * The fewest requests any plan could use for these points: per function, registers that must be
 * read split by the 125-register limit with unlimited gap filling. Used by the bench to report
 * requests per cycle against the minimum the maps allow.
 */
export function minimumReads(points: RegisterPoint[], base = 0): number {
  return planReads(points, base, Number.MAX_SAFE_INTEGER).length;
}
