import {
  decodeBits,
  loadRegisterMaps,
  worstState,
  type BitState,
  type DecodedBit,
  type RegisterMap,
  type RegisterPoint,
} from '@openbess/model';
import { STALE_POLL_INTERVALS } from './tree';
import type { QueryContext } from './context';

/**
 * Shared reading of status registers for the `status` and `scan` query types: devices with their map
 * sources, the bitfield points of those maps (the one source of truth for bits, expected values and
 * severities), the registers' latest stored values and their decoded bits.
 */

/** A device row as stored (`device` table). */
export interface DeviceRecord {
  id: string;
  site: string;
  profile: string;
  parent: string;
  name: string;
  block: number | null;
  string: number | null;
  sources: { map: string; unitId?: number; base?: number }[];
  /** Latest values of the device's status registers `[metric, value, epoch ms]`, when loaded with the devices. */
  st?: [string, number | null, number][];
}

/** One status register of one device with its latest value, decoded. */
export interface RegisterStatus {
  device: string;
  /** Metric name of the bitfield point (the register's name in queries and events). */
  register: string;
  label: string;
  map: string;
  point: RegisterPoint;
  /** 16 or 32. */
  width: 16 | 32;
  /** Raw unsigned value of the latest sample; null without a sample or for a not-implemented value. */
  raw: number | null;
  /** Time of the latest sample, epoch ms; null when never written. */
  time: number | null;
  /** The latest sample is older than {@link STALE_POLL_INTERVALS} poll intervals of its group. */
  stale: boolean;
  /** Poll interval of the point's group, ms. */
  intervalMs: number;
  /** Bits in map order; every state NO_DATA when raw is null or stale. */
  bits: DecodedBit[];
  /** Worst bit state (NO_DATA when there is no usable value). */
  state: BitState;
}

let defaultMaps: Map<string, RegisterMap> | null = null;

/** The context's maps, or the shipped maps (model/maps) when the API was started without any. */
export function mapsOf(ctx: Pick<QueryContext, 'maps'>): Map<string, RegisterMap> {
  if (ctx.maps) return ctx.maps;
  defaultMaps ??= loadRegisterMaps();
  return defaultMaps;
}

const statusMetricCache = new WeakMap<Map<string, RegisterMap>, string[]>();
/** Metric names of every status register (measurement bitfield point) of the maps. */
export function statusMetrics(maps: Map<string, RegisterMap>): string[] {
  let list = statusMetricCache.get(maps);
  if (!list) {
    const set = new Set<string>();
    for (const m of maps.values())
      for (const p of m.points)
        if ((p.type === 'bitfield16' || p.type === 'bitfield32') && p.kind === 'measurement') set.add(p.metric);
    list = [...set];
    statusMetricCache.set(maps, list);
  }
  return list;
}

/** `0x003F` (16-bit) / `0x0000003F` (32-bit); empty without a value. */
export function formatHex(raw: number | null, width: 16 | 32): string {
  if (raw === null) return '';
  return `0x${Math.trunc(raw)
    .toString(16)
    .toUpperCase()
    .padStart(width / 4, '0')}`;
}

/** The status registers (measurement bitfield points) of a device's sources, first source wins per metric. */
export function deviceRegisters(
  maps: Map<string, RegisterMap>,
  d: Pick<DeviceRecord, 'sources'>,
  only?: ReadonlySet<string>
): { map: RegisterMap; point: RegisterPoint }[] {
  const out: { map: RegisterMap; point: RegisterPoint }[] = [];
  const seen = new Set<string>();
  for (const src of d.sources ?? []) {
    const map = maps.get(src.map);
    if (!map) continue;
    for (const p of map.points) {
      if ((p.type !== 'bitfield16' && p.type !== 'bitfield32') || p.kind !== 'measurement') continue;
      if (seen.has(p.metric) || (only && !only.has(p.metric))) continue;
      seen.add(p.metric);
      out.push({ map, point: p });
    }
  }
  return out;
}

/**
 * Loads the device rows of the given ids, or of sites/profiles/block (parent) — the caller checks access.
 * With `withStatus`, each row also carries the latest values of its status registers (`st`), read in the
 * same statement (one round trip for the `status` query).
 */
export async function loadDevices(
  ctx: QueryContext,
  filter: { ids?: string[]; sites?: string[]; profiles?: string[]; block?: string },
  withStatus = false
): Promise<DeviceRecord[]> {
  const st = withStatus
    ? `, coalesce((SELECT json_agg(json_build_array(s.metric, l.value, round(date_part('epoch', l.time) * 1000)))
                    FROM series s JOIN latest l ON l.series_id = s.id
                   WHERE s.device = d.id AND s.metric = ANY($5::text[]) AND s.kind = 'scalar'),
                 '[]') AS st`
    : '';
  const r = await ctx.pool.query<DeviceRecord>(
    `SELECT d.id, d.site, d.profile, d.parent, d.name, d.block, d.string, d.sources${st} FROM device d
      WHERE ($1::text[] IS NULL OR d.id = ANY($1::text[]))
        AND ($2::text[] IS NULL OR d.site = ANY($2::text[]))
        AND ($3::text[] IS NULL OR d.profile = ANY($3::text[]))
        AND ($4::text IS NULL OR d.parent = $4 OR d.id = $4)`,
    [
      filter.ids ?? null,
      filter.sites ?? null,
      filter.profiles ?? null,
      filter.block ?? null,
      ...(withStatus ? [statusMetrics(mapsOf(ctx))] : []),
    ]
  );
  return r.rows;
}

const collator = new Intl.Collator('en', { numeric: true });
/** Natural order of device ids (BS2 before BS10); one shared collator (localeCompare with options builds one per call). */
export const compareIds = (a: string, b: string): number => collator.compare(a, b);

/**
 * The status registers of devices with their latest values, decoded against the maps' bits.
 * A register whose latest sample is older than {@link STALE_POLL_INTERVALS} × its group's poll interval
 * (against `ctx.now`) is stale: its bits are NO_DATA (the last raw value is still reported).
 * @param decode - decode the bits (default); false leaves `bits` empty and `state` NO_DATA
 * @returns device id → registers in map order
 */
export async function loadRegisterStatus(
  ctx: QueryContext,
  devices: DeviceRecord[],
  only?: ReadonlySet<string>,
  decode = true
): Promise<Map<string, RegisterStatus[]>> {
  const maps = mapsOf(ctx);
  const wanted = new Map<string, { map: RegisterMap; point: RegisterPoint }[]>();
  const metrics = new Set<string>();
  for (const d of devices) {
    const regs = deviceRegisters(maps, d, only);
    wanted.set(d.id, regs);
    for (const r of regs) metrics.add(r.point.metric);
  }
  const values = new Map<string, { value: number | null; t: number }>();
  const preloaded = devices.length > 0 && devices.every((d) => d.st !== undefined);
  if (preloaded) {
    for (const d of devices)
      for (const [metric, value, t] of d.st!) values.set(`${d.id}\u0000${metric}`, { value, t: Number(t) });
  } else if (metrics.size > 0 && devices.length > 0) {
    const r = await ctx.pool.query<{ device: string; metric: string; value: number | null; t: string }>(
      `SELECT s.device, s.metric, l.value, round(date_part('epoch', l.time) * 1000)::float8 AS t
         FROM series s JOIN latest l ON l.series_id = s.id
        WHERE s.device = ANY($1::text[]) AND s.metric = ANY($2::text[])`,
      [devices.map((d) => d.id), [...metrics]]
    );
    for (const row of r.rows) values.set(`${row.device}\u0000${row.metric}`, { value: row.value, t: Number(row.t) });
  }
  const now = (ctx.now ?? Date.now)();
  const out = new Map<string, RegisterStatus[]>();
  for (const d of devices) {
    const list: RegisterStatus[] = [];
    for (const { map, point } of wanted.get(d.id) ?? []) {
      const v = values.get(`${d.id}\u0000${point.metric}`);
      const intervalMs = map.groups[point.group]?.intervalMs ?? ctx.defaultPollIntervalMs ?? 5000;
      const raw = v && v.value !== null && Number.isFinite(Number(v.value)) ? Number(v.value) : null;
      const time = v ? v.t : null;
      const stale = time !== null && now - time > STALE_POLL_INTERVALS * intervalMs; // never read = no data, not stale
      // without `decode` the caller reads the bits itself (bits empty, state NO_DATA): fewer objects per query
      const bits = decode ? decodeBits(point, stale ? null : raw) : [];
      list.push({
        device: d.id,
        register: point.metric,
        label: point.label ?? point.name,
        map: map.id,
        point,
        width: point.type === 'bitfield32' ? 32 : 16,
        raw,
        time,
        stale,
        intervalMs,
        bits,
        state: worstState(bits.map((b) => b.state)),
      });
    }
    out.set(d.id, list);
  }
  return out;
}

/** Names `register.bit` of the bits whose state is WARNING or ALARM (INFO too when `withInfo`). */
export function activeBits(regs: RegisterStatus[], withInfo = false): string[] {
  const out: string[] = [];
  for (const r of regs)
    for (const b of r.bits)
      if (b.state === 'ALARM' || b.state === 'WARNING' || (withInfo && b.state === 'INFO'))
        out.push(`${r.register}.${b.name}`);
  return out;
}
