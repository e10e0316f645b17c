/**
 * Register-map vocabulary shared by the collector, the simulator and the API catalog.
 *
 * A register map is data (YAML under `model/maps/`), validated by {@link registerMapSchema} when loaded.
 * Addresses are **0-based wire addresses** (the PDU address sent on the wire). Manuals often print
 * 1-based "register numbers" (e.g. 40001): subtract one.
 */

/** Modbus function used to read a point: holding registers (FC 03) or input registers (FC 04). */
export type RegisterFunction = 'holding' | 'input';

/**
 * Data types a point can have. Sizes in 16-bit registers: 1 for int16/uint16/enum16/bitfield16/sunssf/acc16,
 * 2 for int32/uint32/float32/acc32/bitfield32, 4 for int64/uint64/acc64, `words` for string.
 * `sunssf` is a SunSpec scale-factor register (int16 exponent, 10^sf). `acc*` are SunSpec accumulators
 * (monotonic counters, unsigned).
 */
export type PointType =
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'acc16'
  | 'acc32'
  | 'acc64'
  | 'enum16'
  | 'bitfield16'
  | 'bitfield32'
  | 'sunssf'
  | 'string';

/**
 * Byte/word order of multi-register values, in the Telegraf/Modbus convention where A is the most
 * significant byte: ABCD big-endian (Modbus default), CDAB word-swapped, BADC byte-swapped within words,
 * DCBA little-endian. For 16-bit types, BADC and DCBA mean the two bytes of the register are swapped.
 */
export type WordOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';

/** Severity of a status bit that differs from its expected value (OK means "informational, no action"). */
export type Severity = 'OK' | 'INFO' | 'WARNING' | 'ALARM';

/** One bit of a bitfield point. */
export interface BitDefinition {
  /** Bit index, 0 = least significant bit of the decoded value. */
  bit: number;
  /** camelCase bit name, SunSpec symbol where derived from SunSpec (e.g. `OVER_TEMP_ALARM` → `overTempAlarm`). */
  name: string;
  /** Value the bit has in normal operation (0 or 1); undefined when there is no expectation. */
  expected?: 0 | 1;
  /** Severity when the bit differs from `expected`. */
  severity: Severity;
  /** Human description, shown in the bitfield panel. */
  description?: string;
}

/** Poll group: points polled together at one interval. */
export interface PollGroup {
  /** Poll interval in milliseconds. */
  intervalMs: number;
}

/** Role of a point's value downstream. */
export type PointKind =
  /** numeric telemetry stored in the narrow telemetry table */
  | 'measurement'
  /** array telemetry (`count` > 1), stored as one `real[]` row per device and sample */
  | 'array'
  /** nameplate/identity value (strings, ratings) stored in the attributes table */
  | 'attribute'
  /** SunSpec scale factor, read only to scale other points */
  | 'scaleFactor';

/** One register point of a map, as validated (defaults applied). */
export interface RegisterPoint {
  /** Point name in the source document (SunSpec point name where derived from SunSpec, e.g. `W`, `SoC`). */
  name: string;
  /** camelCase OpenBESS metric name (e.g. `activePower`); for scale factors the point name. */
  metric: string;
  /** Human label. */
  label?: string;
  fn: RegisterFunction;
  /** 0-based wire address of the first register, relative to the device's base address. */
  address: number;
  type: PointType;
  /** Registers per element (derived from type, or given for `string`). */
  words: number;
  /** Number of consecutive elements (arrays such as per-cell voltages); 1 for scalars. */
  count: number;
  order: WordOrder;
  /** Literal multiplier applied after the scale factor (e.g. 0.001 to turn W into kW). */
  scale: number;
  /** Name of a `sunssf` point of the same map whose value v scales this point by 10^v. */
  sf?: string;
  /** Vendor raw sign to generator convention (+ discharge/export): -1 when the device reports charge as positive. */
  sign: 1 | -1;
  /** Engineering unit after scaling (kW, kVAr, Hz, %, V, A, °C, kWh, …); empty for dimensionless. */
  unit: string;
  /** Raw value meaning "not implemented" (SunSpec: int16 0x8000, uint16 0xFFFF, acc 0, …) → NULL. Null = none. */
  sentinel: number | null;
  /** Poll group name (key of the map's `groups`). */
  group: string;
  kind: PointKind;
  /** Bits of a bitfield point. */
  bits?: BitDefinition[];
  /** Labels of an enum16 point. */
  enum?: Record<number, string>;
  /** For a `sunssf` point: the exponent the simulator serves (devices with fixed scale factors). */
  value?: number;
  /** Physical range the simulator keeps the value in and plausibility checks use. */
  min?: number;
  max?: number;
}

/** A validated register map. */
export interface RegisterMap {
  /** Map id = file name without extension (e.g. `pcs-tmeic`). */
  id: string;
  title: string;
  vendor?: string;
  /** Documents the map is derived from (e.g. `SunSpec 701`). */
  derivedFrom: string[];
  /** Device profiles the map is meant for. */
  profiles: string[];
  groups: Record<string, PollGroup>;
  points: RegisterPoint[];
  /** File the map was loaded from (for error messages and provenance). */
  file: string;
}
