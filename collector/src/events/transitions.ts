import { isAbnormal, type TrackedBit } from './bits';

/**
 * Pure transition logic of the event recorder: samples of one status register, in time order, against
 * the bits that are currently raised (open events) → raises and clears.
 */

/** One stored sample of a status register: epoch ms and raw value (null = not implemented / no data). */
export interface RegisterSample {
  time: number;
  raw: number | null;
}

/** A bit that went abnormal at `time` (raw value `raw`). */
export interface Raise {
  bit: TrackedBit;
  time: number;
  raw: number;
}

/** A bit that went back to normal at `time`; `raisedAt` is null when the event was open before this call. */
export interface Clear {
  bit: TrackedBit;
  time: number;
  raw: number;
}

/** A complete event found inside one call (raised and cleared within the samples). */
export interface ClosedEvent {
  bit: TrackedBit;
  raisedAt: number;
  raisedRaw: number;
  clearedAt: number;
  clearedRaw: number;
}

/** Outcome of {@link transitions}. */
export interface TransitionResult {
  /** Events open before the call that cleared (first clear per bit). */
  clears: Clear[];
  /** Events raised and cleared within the samples. */
  closed: ClosedEvent[];
  /** Events raised within the samples and still open at the end. */
  opened: Raise[];
  /** Bit numbers open at the end. */
  openAfter: Set<number>;
}

/**
 * Walks samples of one register in time order. A sample without a value (null: sentinel, failed
 * decode) changes nothing: no data is neither a raise nor a clear.
 *
 * @param bits - the register's tracked bits
 * @param openBefore - bit numbers with an open event before the first sample
 * @param samples - samples in ascending time order
 */
export function transitions(
  bits: readonly TrackedBit[],
  openBefore: ReadonlySet<number>,
  samples: readonly RegisterSample[]
): TransitionResult {
  const open = new Map<number, Raise | 'before'>();
  for (const b of openBefore) open.set(b, 'before');
  const clears: Clear[] = [];
  const closed: ClosedEvent[] = [];
  for (const s of samples) {
    if (s.raw === null || !Number.isFinite(s.raw)) continue;
    for (const b of bits) {
      const abnormal = isAbnormal(s.raw, b);
      const cur = open.get(b.bit);
      if (abnormal && cur === undefined) open.set(b.bit, { bit: b, time: s.time, raw: s.raw });
      else if (!abnormal && cur !== undefined) {
        open.delete(b.bit);
        if (cur === 'before') clears.push({ bit: b, time: s.time, raw: s.raw });
        else closed.push({ bit: b, raisedAt: cur.time, raisedRaw: cur.raw, clearedAt: s.time, clearedRaw: s.raw });
      }
    }
  }
  const opened: Raise[] = [];
  for (const v of open.values()) if (v !== 'before') opened.push(v);
  return { clears, closed, opened, openAfter: new Set(open.keys()) };
}
