import type { BitDefinition, RegisterMap, RegisterPoint } from '@openbess/model';

/**
 * Status registers and the bits that make events, from the register maps (the one source of truth:
 * `bits` of bitfield16/bitfield32 points, model/src/maps/types.ts).
 */

/** A bit that raises events: it has an expected value and a severity above OK. */
export interface TrackedBit {
  bit: number;
  name: string;
  expected: 0 | 1;
  severity: 'INFO' | 'WARNING' | 'ALARM';
  description: string | null;
}

/** A status register (bitfield point) of a map. */
export interface StatusRegister {
  map: string;
  point: RegisterPoint;
  /** Bits with an expected value and severity INFO/WARNING/ALARM. */
  tracked: TrackedBit[];
}

/** Whether a point is a status register (bitfield16/bitfield32 polled as a measurement). */
export const isStatusPoint = (p: RegisterPoint): boolean =>
  (p.type === 'bitfield16' || p.type === 'bitfield32') && p.kind === 'measurement';

/** The bits of a point that raise events (expected value set, severity not OK). */
export function trackedBits(bits: readonly BitDefinition[] | undefined): TrackedBit[] {
  const out: TrackedBit[] = [];
  for (const b of bits ?? []) {
    if (b.expected === undefined || b.severity === 'OK') continue;
    out.push({
      bit: b.bit,
      name: b.name,
      expected: b.expected,
      severity: b.severity,
      description: b.description ?? null,
    });
  }
  return out;
}

/** The status registers of a map, in map order. */
export function statusRegisters(map: RegisterMap): StatusRegister[] {
  return map.points.filter(isStatusPoint).map((point) => ({ map: map.id, point, tracked: trackedBits(point.bits) }));
}

/**
 * Whether bit `bit` of a raw register value differs from its expected value.
 * @param raw - unsigned raw register value (0 … 2^32 − 1)
 */
export function isAbnormal(raw: number, b: Pick<TrackedBit, 'bit' | 'expected'>): boolean {
  return (Math.floor(raw / 2 ** b.bit) % 2 === 1 ? 1 : 0) !== b.expected;
}
