import type { Pool } from 'pg';
import { SERIES_STAMP_SQL } from '../query/series-cache';

/** One series of a site as the latest route lists it. */
export interface SeriesMeta {
  id: number;
  device: string;
  metric: string;
  unit: string;
}

/**
 * A site's devices and series in response order (devices by id, metrics by name), with the fixed
 * JSON text of the body as UTF-8 bytes, so a body is written by copying bytes (see {@link writeLatestBody}).
 * Positions: the site's scalar series, then its array series.
 */
export interface SiteMeta {
  /** When it was loaded (epoch ms) and the series-catalogue stamp read with it ({@link SERIES_STAMP_SQL}). */
  at: number;
  stamp: string;
  devices: { id: string; profile: string; parent: string }[];
  scalars: SeriesMeta[];
  arrays: SeriesMeta[];
  /** Series id → position. */
  position: Map<number, number>;
  /**
   * The fixed JSON text, UTF-8: per position `"metric":{"value":` (arrays `"values":`) from
   * `headStart[k]`, then `,"unit":"V","time":` from `tailStart[k]` to `tailEnd[k]`; per device the text
   * before its metrics from `deviceStart[d]` to `deviceEnd[d]`.
   */
  text: Uint8Array;
  headStart: Int32Array;
  tailStart: Int32Array;
  tailEnd: Int32Array;
  deviceStart: Int32Array;
  deviceEnd: Int32Array;
  /** Per device (same order as `devices`): the positions of its scalars and of its arrays. */
  deviceScalars: number[][];
  deviceArrays: number[][];
  /**
   * Per scalar position, the last value written into a body and its JSON text: unchanged values reuse
   * their text (number → text is most of a build's time).
   */
  lastValue: Float64Array;
  lastText: (string | undefined)[];
  /** Smallest and largest series id of the site's scalar and array series ([0, -1] when none). */
  scalarIdRange: [number, number];
  arrayIdRange: [number, number];
}

function idRange(list: SeriesMeta[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of list) {
    if (m.id < lo) lo = m.id;
    if (m.id > hi) hi = m.id;
  }
  return list.length === 0 ? [0, -1] : [lo, hi];
}

/** Reads the current series-catalogue stamp (a site's meta is reloaded when it changed). */
export async function readSeriesStamp(pool: Pool): Promise<string> {
  return (await pool.query<{ stamp: string }>(`SELECT ${SERIES_STAMP_SQL} AS stamp`)).rows[0].stamp;
}

/**
 * Loads a site's devices and series (devices without any series are left out) with the catalogue stamp.
 * @throws the database error
 */
export async function loadSiteMeta(pool: Pool, site: string): Promise<SiteMeta> {
  const at = Date.now();
  const [stamp, r] = await Promise.all([
    readSeriesStamp(pool),
    pool.query<
      { id: string; profile: string; parent: string; sid: number | null } & SeriesMeta & { kind: string | null }
    >(
      `SELECT d.id, d.profile, d.parent, s.id AS sid, s.metric, s.unit, s.kind
         FROM device d LEFT JOIN series s ON s.device = d.id
        WHERE d.site = $1
        ORDER BY d.id, s.metric`,
      [site]
    ),
  ]);
  const devices: SiteMeta['devices'] = [];
  const scalars: SeriesMeta[] = [];
  const arrays: SeriesMeta[] = [];
  for (const row of r.rows) {
    if (devices.length === 0 || devices[devices.length - 1].id !== row.id)
      devices.push({ id: row.id, profile: row.profile, parent: row.parent });
    if (row.sid === null) continue;
    const m = { id: row.sid, device: row.id, metric: row.metric, unit: row.unit };
    (row.kind === 'array' ? arrays : scalars).push(m);
  }
  const withSeries = new Set([...scalars, ...arrays].map((m) => m.device));
  const listed = devices.filter((d) => withSeries.has(d.id)).sort((a, b) => a.id.localeCompare(b.id));
  const deviceIndex = new Map(listed.map((d, i) => [d.id, i]));
  const deviceScalars = listed.map((): number[] => []);
  const deviceArrays = listed.map((): number[] => []);
  const all = [...scalars.map((m) => ({ m, array: false })), ...arrays.map((m) => ({ m, array: true }))];
  all.forEach(({ m, array }, k) => (array ? deviceArrays : deviceScalars)[deviceIndex.get(m.device)!].push(k));
  // the fixed text, laid out position by position, then device by device
  const parts: Buffer[] = [];
  let size = 0;
  const put = (t: string): number => {
    const b = Buffer.from(t, 'utf8');
    parts.push(b);
    return (size += b.length);
  };
  const headStart = new Int32Array(all.length);
  const tailStart = new Int32Array(all.length);
  const tailEnd = new Int32Array(all.length);
  all.forEach(({ m, array }, k) => {
    headStart[k] = size;
    tailStart[k] = put(`${JSON.stringify(m.metric)}:{"${array ? 'values' : 'value'}":`);
    tailEnd[k] = put(`,"unit":${JSON.stringify(m.unit)},"time":`);
  });
  const deviceStart = new Int32Array(listed.length);
  const deviceEnd = new Int32Array(listed.length);
  listed.forEach((d, i) => {
    deviceStart[i] = size;
    deviceEnd[i] = put(
      `{"id":${JSON.stringify(d.id)},"profile":${JSON.stringify(d.profile)},"parent":${JSON.stringify(d.parent)},"metrics":{`
    );
  });
  return {
    at,
    stamp,
    devices: listed,
    scalars,
    arrays,
    position: new Map(all.map(({ m }, i) => [m.id, i])),
    text: new Uint8Array(Buffer.concat(parts, size)),
    headStart,
    tailStart,
    tailEnd,
    deviceStart,
    deviceEnd,
    deviceScalars,
    deviceArrays,
    lastValue: new Float64Array(scalars.length).fill(NaN),
    lastText: new Array<string | undefined>(scalars.length),
    scalarIdRange: idRange(scalars),
    arrayIdRange: idRange(arrays),
  };
}

/**
 * A scalar's value as JSON text for a body: the text of the last body when the value is unchanged,
 * else `String(v)` (remembered); NaN/±Infinity (NULL held) → `null`.
 */
export function scalarText(meta: SiteMeta, k: number, v: number): string {
  if (!Number.isFinite(v)) return 'null';
  if (meta.lastValue[k] === v && meta.lastText[k] !== undefined) return meta.lastText[k];
  const t = String(v);
  meta.lastValue[k] = v;
  meta.lastText[k] = t;
  return t;
}

/** Epoch ms → ISO text as a JSON string, cached (every series of one poll shares its timestamp). */
export class IsoCache {
  private readonly map = new Map<number, string>();
  of(ms: number): string {
    let t = this.map.get(ms);
    if (t === undefined) {
      t = JSON.stringify(new Date(ms).toISOString());
      this.map.set(ms, t);
    }
    return t;
  }
}

/** A float8 in PostgreSQL text output as a JSON number; `null`, NaN and ±Infinity as null (as JSON.stringify does). */
export const floatTextToJson = (v: string): string => (v === 'NaN' || v.endsWith('Infinity') ? 'null' : v);

/**
 * A `real[]` in PostgreSQL text output (`{1.5,NULL,2}`) as a JSON array. Plain numbers are copied
 * as they are; `NULL`, `NaN` and `±Infinity` elements become null.
 */
export function realArrayTextToJson(text: string): string {
  const inner = text.slice(1, -1);
  if (!/[NIa]/.test(inner)) return `[${inner}]`;
  return `[${inner
    .split(',')
    .map((x) => (x === 'NULL' || x === 'NaN' || x.endsWith('Infinity') ? 'null' : x))
    .join(',')}]`;
}

const COMMA = 0x2c;
const CLOSE = 0x7d; // }
const CLOSE_LIST = 0x5d; // ]

/**
 * The latest route's JSON body, `{"site":…,"devices":[{"id":…,"profile":…,"parent":…,"metrics":{…}}]}`,
 * written straight into one buffer: the fixed text of {@link SiteMeta} is copied, only the values and
 * times are per build (byte loops in JS: a native call per piece would cost more than the copy).
 * Devices without an entry in this body are left out.
 *
 * @param value - per position the value's JSON text (ASCII: a number, `null`, or an array of them);
 *   undefined = never written (`null`, arrays `[]`)
 * @param time - per position the time's JSON text (a quoted ISO string), undefined = `null`
 * @param withArrays - include the array series (cell voltages …)
 */
export function writeLatestBody(
  site: string,
  meta: SiteMeta,
  value: (string | undefined)[],
  time: (string | undefined)[],
  withArrays: boolean
): Buffer {
  const open = Buffer.from(`{"site":${JSON.stringify(site)},"devices":[`);
  const nScalars = meta.scalars.length;
  const { text, headStart, tailStart, tailEnd, deviceStart, deviceEnd } = meta;
  const lists = (d: number) => (withArrays ? [meta.deviceScalars[d], meta.deviceArrays[d]] : [meta.deviceScalars[d]]);
  // pass 1: the size
  let size = open.length + 2;
  let devices = 0;
  for (let d = 0; d < meta.devices.length; d++) {
    let entries = 0;
    for (const list of lists(d)) {
      for (const k of list) {
        const v = value[k] ?? (k < nScalars ? 'null' : '[]');
        size += tailEnd[k] - headStart[k] + v.length + (time[k] ?? 'null').length + 1;
      }
      entries += list.length;
    }
    if (entries === 0) continue;
    size += deviceEnd[d] - deviceStart[d] + 2 + (entries - 1) + (devices > 0 ? 1 : 0);
    devices++;
  }
  // pass 2: the bytes
  const out = Buffer.allocUnsafe(size);
  let at = open.copy(out, 0);
  devices = 0;
  for (let d = 0; d < meta.devices.length; d++) {
    const ls = lists(d);
    if (ls.every((l) => l.length === 0)) continue;
    if (devices++ > 0) out[at++] = COMMA;
    for (let i = deviceStart[d]; i < deviceEnd[d]; i++) out[at++] = text[i];
    let first = true;
    for (const list of ls) {
      for (const k of list) {
        if (!first) out[at++] = COMMA;
        first = false;
        for (let i = headStart[k]; i < tailStart[k]; i++) out[at++] = text[i];
        const v = value[k] ?? (k < nScalars ? 'null' : '[]');
        for (let i = 0; i < v.length; i++) out[at++] = v.charCodeAt(i);
        for (let i = tailStart[k]; i < tailEnd[k]; i++) out[at++] = text[i];
        const t = time[k] ?? 'null';
        for (let i = 0; i < t.length; i++) out[at++] = t.charCodeAt(i);
        out[at++] = CLOSE;
      }
    }
    out[at++] = CLOSE;
    out[at++] = CLOSE;
  }
  out[at++] = CLOSE_LIST;
  out[at++] = CLOSE;
  if (at !== size) throw new Error(`latest body: wrote ${at} bytes, sized ${size}`);
  return out;
}
