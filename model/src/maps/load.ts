import { readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { rawMapSchema, SUNSPEC_SENTINELS, TYPE_WORDS, type RawPoint } from './schema';
import { isMetric, METRICS } from '../metrics';
import type { PointKind, RegisterMap, RegisterPoint } from './types';

/** Thrown when a map or site file is invalid; the message names the file and the entry. */
export class ConfigError extends Error {
  constructor(
    /** File the error is in. */
    readonly file: string,
    /** Entry in the file (map point, site, device), e.g. `points[3] (W)`. */
    readonly entry: string,
    detail: string
  ) {
    super(`${file}: ${entry}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Directory holding the register maps shipped with OpenBESS. */
export const MAPS_DIR = join(__dirname, '..', '..', 'maps');

/** Formats a zod issue path of a map file into "points[3] (W).scale"-style text. */
function describePath(path: PropertyKey[], data: unknown): string {
  let out = '';
  let cursor: unknown = data;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      cursor = Array.isArray(cursor) ? cursor[key] : undefined;
      const name = (cursor as { name?: unknown; id?: unknown; code?: unknown } | undefined) ?? {};
      const label = name.name ?? name.id ?? name.code;
      if (typeof label === 'string') out += ` (${label})`;
    } else {
      out += out ? `.${String(key)}` : String(key);
      cursor = cursor && typeof cursor === 'object' ? (cursor as Record<PropertyKey, unknown>)[key] : undefined;
    }
  }
  return out || '(root)';
}

/**
 * Converts a zod error into a {@link ConfigError} naming the file and the first bad entry.
 */
export function configErrorFromZod(file: string, error: z.ZodError, data: unknown): ConfigError {
  const issue = error.issues[0];
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  return new ConfigError(file, describePath(issue.path, data), `${issue.message}${more}`);
}

const metricOf = (p: RawPoint): string => p.metric ?? p.name;

function kindOf(p: RawPoint): PointKind {
  if (p.kind) return p.kind;
  if (p.type === 'sunssf') return 'scaleFactor';
  if (p.type === 'string') return 'attribute';
  return p.count > 1 ? 'array' : 'measurement';
}

/**
 * Validates a parsed map document and applies defaults.
 *
 * @param data - parsed YAML/JSON
 * @param file - file name used in errors and provenance
 * @throws ConfigError naming the file and point when the schema, a group, a scale-factor reference,
 *   a bit list or overlapping addresses are wrong.
 */
export function parseRegisterMap(data: unknown, file: string): RegisterMap {
  const parsed = rawMapSchema.safeParse(data);
  if (!parsed.success) throw configErrorFromZod(file, parsed.error, data);
  const raw = parsed.data;
  const id = basename(file, extname(file));
  const points: RegisterPoint[] = [];
  const names = new Set<string>();
  raw.points.forEach((p, i) => {
    const where = `points[${i}] (${p.name})`;
    if (names.has(p.name)) throw new ConfigError(file, where, 'duplicate point name');
    names.add(p.name);
    const group = p.group ?? raw.defaults.group;
    if (!group) throw new ConfigError(file, where, 'no poll group (set `group` or `defaults.group`)');
    if (!raw.groups[group]) throw new ConfigError(file, where, `unknown poll group "${group}"`);
    let words: number;
    if (p.type === 'string') {
      if (!p.words) throw new ConfigError(file, where, 'a string point needs `words`');
      words = p.words;
    } else {
      words = TYPE_WORDS[p.type];
      if (p.words !== undefined && p.words !== words)
        throw new ConfigError(file, where, `${p.type} is ${words} registers, not ${p.words}`);
    }
    if (p.address + words * p.count > 65536) throw new ConfigError(file, where, 'point runs past address 65535');
    const isBitfield = p.type === 'bitfield16' || p.type === 'bitfield32';
    if (p.bits && !isBitfield) throw new ConfigError(file, where, '`bits` only on bitfield16/bitfield32');
    if (isBitfield && (!p.bits || p.bits.length === 0)) throw new ConfigError(file, where, 'a bitfield needs `bits`');
    if (p.bits) {
      const width = p.type === 'bitfield16' ? 16 : 32;
      const seen = new Set<number>();
      for (const b of p.bits) {
        if (b.bit >= width) throw new ConfigError(file, `${where}.bits (${b.name})`, `bit ${b.bit} ≥ ${width}`);
        if (seen.has(b.bit)) throw new ConfigError(file, `${where}.bits (${b.name})`, `bit ${b.bit} listed twice`);
        seen.add(b.bit);
      }
    }
    if (p.type === 'sunssf' && p.sf) throw new ConfigError(file, where, 'a scale factor cannot have a scale factor');
    if (p.value !== undefined && p.type !== 'sunssf')
      throw new ConfigError(file, where, '`value` is only for sunssf points');
    const kind = kindOf(p);
    if (kind !== 'scaleFactor' && kind !== 'attribute' && !p.metric)
      throw new ConfigError(file, where, 'a measurement needs a camelCase `metric`');
    if (kind === 'measurement' || kind === 'array') {
      if (!isMetric(metricOf(p)))
        throw new ConfigError(file, where, `unknown metric "${p.metric}" (add it to model/src/metrics.ts)`);
      const def = METRICS[metricOf(p) as keyof typeof METRICS];
      if (def.unit !== p.unit)
        throw new ConfigError(file, where, `metric ${p.metric} is in "${def.unit}", the point says "${p.unit}"`);
    }
    const sentinelSetting = p.sentinel === undefined ? raw.defaults.sentinels : p.sentinel;
    const sentinel =
      sentinelSetting === 'sunspec' ? SUNSPEC_SENTINELS[p.type] : sentinelSetting === 'none' ? null : sentinelSetting;
    const point: RegisterPoint = {
      name: p.name,
      metric: p.metric ?? p.name,
      fn: p.fn ?? raw.defaults.fn,
      address: p.address,
      type: p.type,
      words,
      count: p.count,
      order: p.order ?? raw.defaults.order,
      scale: p.scale,
      sign: p.sign,
      unit: p.unit,
      sentinel,
      group,
      kind,
    };
    if (p.label !== undefined) point.label = p.label;
    if (p.sf !== undefined) point.sf = p.sf;
    if (p.bits) point.bits = p.bits.map((b) => ({ ...b }));
    if (p.enum) point.enum = Object.fromEntries(Object.entries(p.enum).map(([k, v]) => [Number(k), v]));
    if (p.value !== undefined) point.value = p.value;
    if (p.min !== undefined) point.min = p.min;
    if (p.max !== undefined) point.max = p.max;
    points.push(point);
  });
  // Scale-factor references must name a sunssf point read by the same function.
  const byName = new Map(points.map((p) => [p.name, p]));
  points.forEach((p, i) => {
    if (!p.sf) return;
    const sf = byName.get(p.sf);
    const where = `points[${i}] (${p.name})`;
    if (!sf) throw new ConfigError(file, where, `scale factor "${p.sf}" is not a point of this map`);
    if (sf.type !== 'sunssf') throw new ConfigError(file, where, `scale factor "${p.sf}" is not of type sunssf`);
  });
  // No two points may share a register (per function).
  const sorted = [...points].sort((a, b) => (a.fn === b.fn ? a.address - b.address : a.fn < b.fn ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev.fn === cur.fn && cur.address < prev.address + prev.words * prev.count) {
      throw new ConfigError(file, `point ${cur.name}`, `overlaps ${prev.name} at address ${cur.address}`);
    }
  }
  // Metric names are unique within a map (one register per metric = register-true).
  const metrics = new Set<string>();
  for (const p of points) {
    if (p.kind === 'scaleFactor') continue;
    if (metrics.has(p.metric)) throw new ConfigError(file, `point ${p.name}`, `metric "${p.metric}" defined twice`);
    metrics.add(p.metric);
  }
  return {
    id,
    title: raw.title,
    derivedFrom: raw.derivedFrom,
    profiles: raw.profiles,
    groups: raw.groups,
    points,
    file,
    ...(raw.vendor !== undefined ? { vendor: raw.vendor } : {}),
  };
}

/**
 * Reads and validates one map file (YAML or JSON).
 * @throws ConfigError naming the file (and the point) when it cannot be read, parsed or validated.
 */
export function loadRegisterMap(file: string): RegisterMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '(file)', `cannot read: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    throw new ConfigError(file, '(syntax)', (e as Error).message.split('\n')[0]);
  }
  return parseRegisterMap(data, file);
}

/**
 * Loads every `*.yaml`/`*.yml`/`*.json` map of a directory, keyed by map id.
 * @throws ConfigError on the first invalid map.
 */
export function loadRegisterMaps(dir: string = MAPS_DIR): Map<string, RegisterMap> {
  const maps = new Map<string, RegisterMap>();
  for (const f of readdirSync(dir).sort()) {
    if (!/\.(ya?ml|json)$/.test(f)) continue;
    const m = loadRegisterMap(join(dir, f));
    maps.set(m.id, m);
  }
  return maps;
}
