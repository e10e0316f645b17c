/**
 * Bit definitions written in the panel options (YAML, or JSON — JSON is YAML), for data that is not our
 * `status` frame. Same vocabulary as the register maps (model/maps/*.yaml, `bits:` of a bitfield point):
 *
 * ```yaml
 * registers:
 *   - field: status          # numeric field (name, display name, `metric`/`__name__` label or frame name)
 *     label: PCS status      # optional, default = field
 *     type: bitfield16       # bitfield16 (default) | bitfield32
 *     sentinel: 0xFFFF       # optional raw value meaning "not implemented" → no data
 *     bits:
 *       - { bit: 0, name: running, expected: 1, severity: WARNING, description: PCS running }
 * ```
 *
 * A top-level list (`[ {field: …}, … ]`) is accepted as the `registers` list. Errors name the line and the
 * field path, e.g. `line 7: registers[0].bits[1].severity: must be one of OK, INFO, WARNING, ALARM (got "SEVERE")`.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { BitDefinition, Severity } from '@openbess/model/src/maps/types';

/** A validated register definition. */
export interface RegisterDefinition {
  /** Field (column/series) whose numeric value is this register. */
  field: string;
  label: string;
  type: 'bitfield16' | 'bitfield32';
  /** Raw value meaning "not implemented" (no data), or null. */
  sentinel: number | null;
  bits: BitDefinition[];
}

/** One validation error: 1-based line (null when the text has no lines to point at), field path, message. */
export interface DefinitionError {
  line: number | null;
  path: string;
  message: string;
}

/** Result of {@link parseDefinitions}: the registers when valid, otherwise no registers and the errors. */
export interface DefinitionsResult {
  registers: RegisterDefinition[];
  errors: DefinitionError[];
}

const SEVERITIES: readonly Severity[] = ['OK', 'INFO', 'WARNING', 'ALARM'];
const TYPES = ['bitfield16', 'bitfield32'] as const;
const REGISTER_KEYS = ['field', 'label', 'type', 'sentinel', 'bits'];
const BIT_KEYS = ['bit', 'name', 'expected', 'severity', 'description'];

type Path = Array<string | number>;

/** `line 7: registers[0].bits[1].severity: message` (line and path left out when unknown/empty). */
export function formatDefinitionError(e: DefinitionError): string {
  return [e.line !== null ? `line ${e.line}` : '', e.path, e.message].filter(Boolean).join(': ');
}

function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const describe = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v)));

class Checker {
  readonly errors: DefinitionError[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter
  ) {}

  /** Line of the node at `path` (or of its key when `onKey`), falling back to the nearest parent that exists. */
  private lineOf(path: Path, onKey = false): number | null {
    if (onKey && path.length > 0) {
      const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range) {
          return this.lines.linePos(range[0]).line;
        }
      }
    }
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) {
        return this.lines.linePos(range[0]).line;
      }
    }
    return null;
  }

  fail(path: Path, message: string, onKey = false): void {
    this.errors.push({ line: this.lineOf(path, onKey), path: pathText(path), message });
  }

  unknownKeys(obj: Record<string, unknown>, allowed: string[], path: Path): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.fail([...path, key], `unknown key (allowed: ${allowed.join(', ')})`, true);
      }
    }
  }

  optionalString(obj: Record<string, unknown>, key: string, path: Path): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      return undefined;
    }
    if (typeof v !== 'string') {
      this.fail([...path, key], `must be text (got ${describe(v)})`);
      return undefined;
    }
    return v;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkBit(
  c: Checker,
  raw: unknown,
  path: Path,
  width: number,
  seen: Map<number, number>
): BitDefinition | null {
  if (!isObject(raw)) {
    c.fail(path, `each bit must be a mapping like { bit: 0, name: running, expected: 1, severity: WARNING }`);
    return null;
  }
  const before = c.errors.length;
  c.unknownKeys(raw, BIT_KEYS, path);
  const bit = raw.bit;
  if (bit === undefined) {
    c.fail(path, 'missing "bit" (the bit index, 0 = least significant)');
  } else if (typeof bit !== 'number' || !Number.isInteger(bit) || bit < 0 || bit >= width) {
    c.fail([...path, 'bit'], `must be an integer from 0 to ${width - 1} for bitfield${width} (got ${describe(bit)})`);
  } else if (seen.has(bit)) {
    c.fail([...path, 'bit'], `bit ${bit} is already defined at bits[${seen.get(bit)}]`);
  } else {
    seen.set(bit, Number(path[path.length - 1]));
  }
  const name = raw.name;
  if (name === undefined || name === null || name === '') {
    c.fail(path, 'missing "name"');
  } else if (typeof name !== 'string') {
    c.fail([...path, 'name'], `must be text (got ${describe(name)})`);
  }
  const expected = raw.expected;
  if (expected !== undefined && expected !== null && expected !== 0 && expected !== 1) {
    c.fail([...path, 'expected'], `must be 0, 1 or null (got ${describe(expected)})`);
  }
  let severity: Severity = 'WARNING';
  if (raw.severity !== undefined && raw.severity !== null) {
    const s = typeof raw.severity === 'string' ? raw.severity.toUpperCase() : '';
    if ((SEVERITIES as readonly string[]).includes(s)) {
      severity = s as Severity;
    } else {
      c.fail([...path, 'severity'], `must be one of ${SEVERITIES.join(', ')} (got ${describe(raw.severity)})`);
    }
  }
  const description = c.optionalString(raw, 'description', path);
  if (c.errors.length > before) {
    return null;
  }
  return {
    bit: bit as number,
    name: name as string,
    ...(expected === 0 || expected === 1 ? { expected } : {}),
    severity,
    ...(description !== undefined ? { description } : {}),
  };
}

function checkRegister(c: Checker, raw: unknown, path: Path, fields: Map<string, number>): RegisterDefinition | null {
  if (!isObject(raw)) {
    c.fail(path, 'each register must be a mapping with field, type and bits');
    return null;
  }
  const before = c.errors.length;
  c.unknownKeys(raw, REGISTER_KEYS, path);
  const field = raw.field;
  if (field === undefined || field === null || field === '') {
    c.fail(path, 'missing "field" (the numeric field or series holding the register value)');
  } else if (typeof field !== 'string') {
    c.fail([...path, 'field'], `must be text (got ${describe(field)})`);
  } else if (fields.has(field)) {
    c.fail([...path, 'field'], `field "${field}" is already defined at registers[${fields.get(field)}]`);
  } else {
    fields.set(field, Number(path[path.length - 1]));
  }
  const label = c.optionalString(raw, 'label', path);
  let type: RegisterDefinition['type'] = 'bitfield16';
  if (raw.type !== undefined && raw.type !== null) {
    if ((TYPES as readonly unknown[]).includes(raw.type)) {
      type = raw.type as RegisterDefinition['type'];
    } else {
      c.fail([...path, 'type'], `must be bitfield16 or bitfield32 (got ${describe(raw.type)})`);
    }
  }
  const width = type === 'bitfield32' ? 32 : 16;
  let sentinel: number | null = null;
  if (raw.sentinel !== undefined && raw.sentinel !== null) {
    const s = raw.sentinel;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= 2 ** width) {
      c.fail([...path, 'sentinel'], `must be an integer from 0 to 2^${width}−1 (got ${describe(s)})`);
    } else {
      sentinel = s;
    }
  }
  const bits: BitDefinition[] = [];
  if (!Array.isArray(raw.bits)) {
    c.fail(raw.bits === undefined ? path : [...path, 'bits'], 'missing "bits" list');
  } else {
    const seen = new Map<number, number>();
    raw.bits.forEach((b, i) => {
      const bit = checkBit(c, b, [...path, 'bits', i], width, seen);
      if (bit) {
        bits.push(bit);
      }
    });
  }
  if (c.errors.length > before) {
    return null;
  }
  return { field: field as string, label: label ?? (field as string), type, sentinel, bits };
}

/**
 * Parses and validates bit definitions (YAML or JSON text). Empty text (or only comments) is valid and defines
 * nothing. Never throws: syntax and validation problems come back as `errors` (then `registers` is empty).
 */
export function parseDefinitions(text: string): DefinitionsResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      registers: [],
      errors: doc.errors.map((e) => ({
        line: lines.linePos(e.pos[0]).line,
        path: '',
        message: e.message.split('\n')[0],
      })),
    };
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    return { registers: [], errors: [] };
  }
  const c = new Checker(doc, lines);
  let list: unknown;
  let base: Path;
  if (Array.isArray(data)) {
    list = data;
    base = [];
  } else if (isObject(data)) {
    c.unknownKeys(data, ['registers'], []);
    list = data.registers;
    base = ['registers'];
    if (!Array.isArray(list)) {
      c.fail(list === undefined ? [] : base, 'expected a "registers" list');
      return { registers: [], errors: c.errors };
    }
  } else {
    c.fail([], `expected a "registers" list (got ${describe(data)})`);
    return { registers: [], errors: c.errors };
  }
  const fields = new Map<string, number>();
  const registers: RegisterDefinition[] = [];
  (list as unknown[]).forEach((r, i) => {
    const def = checkRegister(c, r, [...base, i], fields);
    if (def) {
      registers.push(def);
    }
  });
  return c.errors.length > 0 ? { registers: [], errors: c.errors } : { registers, errors: [] };
}

/** An example for the options editor's "Insert example" button (a PCS status word). */
export const EXAMPLE_DEFINITIONS = `registers:
  - field: status
    label: PCS status
    type: bitfield16
    bits:
      - { bit: 0, name: running, expected: 1, severity: WARNING, description: PCS running }
      - { bit: 1, name: gridConnected, expected: 1, severity: ALARM, description: AC breaker closed }
      - { bit: 3, name: fault, expected: 0, severity: ALARM, description: Fault latched }
      - { bit: 4, name: derating, expected: 0, severity: WARNING, description: Output power limited }
`;
