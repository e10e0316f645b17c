import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Reads SunSpec information models (sunspec/models `json/model_<N>.json`, Apache-2.0) from the shared
 * reference folder next to the repository, to prove that maps derived from SunSpec put each point where
 * the model says. Offsets follow the SunSpec Information Model Reference: the model's ID register is
 * offset 0, L offset 1, the points follow in order (each `size` registers); repeating groups follow the
 * fixed part, and a group instance's offsets start at 0.
 */

/**
 * Folder of the SunSpec JSON models: `../shared/reference/sunspec` beside the repository when it exists, else the
 * repository's vendored copy `reference/sunspec` (Apache-2.0, reference/README.md).
 */
export const SUNSPEC_DIR = [
  resolve(__dirname, '../../..', '../shared/reference/sunspec'),
  resolve(__dirname, '../../..', 'reference/sunspec'),
].find((d) => existsSync(join(d, 'model_1.json')))!;

/** A SunSpec point with its register offset. */
export interface SunSpecPoint {
  name: string;
  /** SunSpec type (int16, uint16, uint32, uint64, acc32, enum16, bitfield32, sunssf, string, pad, …). */
  type: string;
  /** Registers. */
  size: number;
  /** Offset from the model's ID register (fixed part) or from the group instance start (groups). */
  offset: number;
  /** Scale factor: the name of a sunssf point or a literal exponent. */
  sf?: string | number;
  /** Enum values / bit numbers and their symbols. */
  symbols: { name: string; value: number }[];
}

/** The points of a model's fixed part or of one repeating group instance. */
export interface SunSpecBlock {
  /** Registers of the block (fixed part including ID and L; one instance of a group). */
  size: number;
  points: Map<string, SunSpecPoint>;
}

/** A parsed SunSpec model. */
export interface SunSpecModel {
  id: number;
  fixed: SunSpecBlock;
  /** Repeating groups by name (any depth). */
  groups: Map<string, SunSpecBlock>;
}

interface JsonPoint {
  name: string;
  type: string;
  size: number;
  sf?: string | number;
  symbols?: { name: string; value: number }[];
}
interface JsonGroup {
  name: string;
  points?: JsonPoint[];
  groups?: JsonGroup[];
}

function block(points: JsonPoint[] = []): SunSpecBlock {
  const out = new Map<string, SunSpecPoint>();
  let offset = 0;
  for (const p of points) {
    out.set(p.name, {
      name: p.name,
      type: p.type,
      size: p.size,
      offset,
      ...(p.sf !== undefined ? { sf: p.sf } : {}),
      symbols: p.symbols ?? [],
    });
    offset += p.size;
  }
  return { size: offset, points: out };
}

function collectGroups(g: JsonGroup, into: Map<string, SunSpecBlock>): void {
  for (const sub of g.groups ?? []) {
    into.set(sub.name, block(sub.points));
    collectGroups(sub, into);
  }
}

/**
 * Loads `model_<id>.json`.
 * @throws Error when the file is missing or not a SunSpec model.
 */
export function loadSunSpecModel(id: number, dir = SUNSPEC_DIR): SunSpecModel {
  const doc = JSON.parse(readFileSync(join(dir, `model_${id}.json`), 'utf8')) as { id: number; group: JsonGroup };
  if (doc.id !== id) throw new Error(`model_${id}.json holds model ${doc.id}`);
  const groups = new Map<string, SunSpecBlock>();
  collectGroups(doc.group, groups);
  return { id, fixed: block(doc.group.points), groups };
}

/** SunSpec symbol → camelCase bit name (`OVER_TEMP_ALARM` → `overTempAlarm`, `SOC PROTECTION` → `socProtection`). */
export function camelSymbol(symbol: string): string {
  const [first, ...rest] = symbol.toLowerCase().split(/[_ ]+/);
  return first + rest.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** A `derivedFrom` entry of a map, parsed: `SunSpec 701 … @ 40070` or `SunSpec 803.string … @ 0`. */
export interface SunSpecClaim {
  model: number;
  /** Repeating group name when the entry anchors one group instance. */
  group?: string;
  /** Address of the model's ID register (or of the group instance); undefined = points only, no layout. */
  at?: number;
}

/** Parses the SunSpec entries of a map's `derivedFrom` (other entries are ignored). */
export function parseClaims(derivedFrom: string[]): SunSpecClaim[] {
  const out: SunSpecClaim[] = [];
  for (const entry of derivedFrom) {
    const m = /^SunSpec (\d+)(?:\.(\S+))?/.exec(entry);
    if (!m) continue;
    const at = /@ (\d+)$/.exec(entry);
    out.push({
      model: Number(m[1]),
      ...(m[2] ? { group: m[2] } : {}),
      ...(at ? { at: Number(at[1]) } : {}),
    });
  }
  return out;
}
