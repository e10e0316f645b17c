/**
 * Decodes a numeric register value with bit definitions into a {@link RegisterStatus}, for data that is not our
 * `status` frame (any datasource's numeric field + definitions from the panel options).
 *
 * The bit maths is the model's (model/src/maps/codec.ts `decodeBits`, `unknownBits`, `worstState`): a bit is OK
 * when it equals its expected value, takes its severity when it differs, and is NO_DATA without a value or an
 * expectation; a set bit no definition names is reported as `unknown bit n` with state INFO.
 */
import { decodeBits, unknownBits } from '@openbess/model/src/maps/codec';
import type { RegisterDefinition } from './definitions';
import { countStates, formatHex, registerState, type BitStatus, type RegisterStatus } from './model';

/** Width in bits of a register type. */
export function registerWidth(type: RegisterDefinition['type']): 16 | 32 {
  return type === 'bitfield32' ? 32 : 16;
}

/**
 * A field value → the unsigned raw register value, or null with a reason.
 * - null/undefined/NaN/±Infinity → null (no data);
 * - a non-integer → null with a note (a bitfield is a whole number; scaling upstream is a mistake);
 * - a negative integer (a register read as int16/int32) → its two's complement in the register width;
 * - the definition's `sentinel` ("not implemented", e.g. SunSpec 0xFFFF) → null with a note.
 */
export function toRawValue(
  value: unknown,
  def: Pick<RegisterDefinition, 'type' | 'sentinel'>
): { raw: number | null; note?: string } {
  if (value === null || value === undefined) {
    return { raw: null };
  }
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) {
    return { raw: null };
  }
  if (!Number.isInteger(n)) {
    return { raw: null, note: `value ${n} is not an integer` };
  }
  const width = registerWidth(def.type);
  let raw = n;
  if (raw < 0) {
    if (raw < -(2 ** (width - 1))) {
      return { raw: null, note: `value ${n} does not fit ${def.type}` };
    }
    raw += 2 ** width;
  }
  if (def.sentinel !== null && raw === def.sentinel) {
    return { raw: null, note: `${formatHex(raw, width)} means "not implemented"` };
  }
  return { raw };
}

/**
 * Decodes one sample of a register.
 * @param def - the register's definition (validated, see definitions.ts)
 * @param value - the field value (number, or anything Number() accepts); null → no data
 * @param time - sample time, epoch ms (null when the frame has no time field)
 */
export function decodeRegister(def: RegisterDefinition, value: unknown, time: number | null): RegisterStatus {
  const { raw, note } = toRawValue(value, def);
  const defined: BitStatus[] = decodeBits(def, raw).map((b, i) => ({
    bit: b.bit,
    name: b.name,
    description: def.bits[i].description ?? '',
    value: b.value,
    expected: b.expected,
    severity: def.bits[i].severity,
    state: b.state,
    unknown: false,
  }));
  const unknown: BitStatus[] = unknownBits(def, raw).map((bit) => ({
    bit,
    name: `unknown bit ${bit}`,
    description: 'Set, but not in the bit definitions',
    value: 1,
    expected: null,
    severity: 'INFO',
    state: 'INFO',
    unknown: true,
  }));
  const bits = [...defined, ...unknown].sort((a, b) => a.bit - b.bit);
  const width = registerWidth(def.type);
  return {
    key: def.field,
    label: def.label,
    raw,
    hex: formatHex(raw, raw !== null && raw > 0xffff ? 32 : width),
    time,
    bits,
    counts: countStates(bits),
    state: registerState(raw, bits),
    ...(note ? { note } : {}),
  };
}

/**
 * Set bits of `raw` that are not in the mask `listed` (both read as unsigned 32-bit): the unknown bits of a
 * `status` frame register, ascending.
 */
export function unlistedSetBits(raw: number | null, listed: number): number[] {
  if (raw === null) {
    return [];
  }
  const unknown = (raw & ~listed) >>> 0;
  const out: number[] = [];
  for (let i = 0; unknown >>> i !== 0 && i < 32; i++) {
    if ((unknown >>> i) & 1) {
      out.push(i);
    }
  }
  return out;
}
