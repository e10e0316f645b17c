import { STATE_RANK, worstState, type BitState, type DataFrameJSON, type ScanQuery } from '@openbess/model';
import { column, frame, timeColumn } from './frames';
import { assertSites, type QueryContext } from './context';
import {
  activeBits,
  compareIds,
  loadDevices,
  loadRegisterStatus,
  mapsOf,
  type DeviceRecord,
  type RegisterStatus,
} from './status-model';
import { STALE_POLL_INTERVALS } from './tree';

/** Most metric names listed in a missing-data row's `detail`. */
const DETAIL_NAMES = 8;

const newest = (regs: RegisterStatus[]): number | null => {
  let t: number | null = null;
  for (const r of regs) if (r.time !== null && (t === null || r.time > t)) t = r.time;
  return t;
};

/** Missing-data finding of one device. */
export interface MissingData {
  /** Metrics (scalar and array) the device's maps declare. */
  declared: number;
  /** Declared metrics with no stored value at all, or whose latest value is null (not implemented / no data). */
  missing: string[];
  /** Declared metrics whose latest value is older than 3 poll intervals of their group. */
  stale: string[];
  /** Nameplate attributes the maps declare that were never read (or read as not implemented). */
  attributesMissing: string[];
  /** Newest value of any metric, epoch ms. */
  lastSeen: number | null;
  /** ALARM: no fresh value at all (silent device); WARNING: something missing or stale; OK otherwise. */
  status: BitState;
}

/**
 * Missing data of devices: every metric their maps declare (registered series with a source) checked against
 * `latest` / `latest_array` and the group's poll interval (stale after {@link STALE_POLL_INTERVALS} intervals),
 * every declared attribute against `attribute`.
 */
export async function loadMissingData(ctx: QueryContext, devices: DeviceRecord[]): Promise<Map<string, MissingData>> {
  const maps = mapsOf(ctx);
  const ids = devices.map((d) => d.id);
  const series = await ctx.pool.query<{
    device: string;
    metric: string;
    map: string | null;
    point: string | null;
    has: boolean;
    t: string | null;
  }>(
    `SELECT s.device, s.metric, s.source->>'map' AS map, s.source->>'name' AS point,
            CASE WHEN s.kind = 'array' THEN la.value IS NOT NULL ELSE l.value IS NOT NULL END AS has,
            round(date_part('epoch', CASE WHEN s.kind = 'array' THEN la.time ELSE l.time END) * 1000)::float8 AS t
       FROM series s
       LEFT JOIN latest l ON l.series_id = s.id AND s.kind = 'scalar'
       LEFT JOIN latest_array la ON la.series_id = s.id AND s.kind = 'array'
      WHERE s.device = ANY($1::text[]) AND s.source IS NOT NULL`,
    [ids]
  );
  const attrs = await ctx.pool.query<{ device: string; name: string }>(
    `SELECT device, name FROM attribute WHERE device = ANY($1::text[]) AND value IS NOT NULL`,
    [ids]
  );
  const readAttrs = new Set(attrs.rows.map((a) => `${a.device}\u0000${a.name}`));
  const now = (ctx.now ?? Date.now)();
  const out = new Map<string, MissingData>();
  for (const d of devices)
    out.set(d.id, { declared: 0, missing: [], stale: [], attributesMissing: [], lastSeen: null, status: 'OK' });
  for (const s of series.rows) {
    const m = out.get(s.device);
    if (!m) continue;
    m.declared++;
    const map = s.map ? maps.get(s.map) : undefined;
    const point = map?.points.find((p) => p.name === s.point);
    const intervalMs = (point && map?.groups[point.group]?.intervalMs) ?? ctx.defaultPollIntervalMs ?? 5000;
    const t = s.t === null ? null : Number(s.t);
    if (t !== null && (m.lastSeen === null || t > m.lastSeen)) m.lastSeen = t;
    if (!s.has || t === null) m.missing.push(s.metric);
    else if (now - t > STALE_POLL_INTERVALS * intervalMs) m.stale.push(s.metric);
  }
  for (const d of devices) {
    const m = out.get(d.id)!;
    const seen = new Set<string>();
    for (const src of d.sources ?? []) {
      for (const p of maps.get(src.map)?.points ?? []) {
        if (p.kind !== 'attribute' || seen.has(p.metric)) continue;
        seen.add(p.metric);
        if (!readAttrs.has(`${d.id}\u0000${p.metric}`)) m.attributesMissing.push(p.metric);
      }
    }
    const fresh = m.declared - m.missing.length - m.stale.length;
    m.status =
      m.declared > 0 && fresh === 0
        ? 'ALARM'
        : m.missing.length + m.stale.length + m.attributesMissing.length > 0
          ? 'WARNING'
          : 'OK';
  }
  return out;
}

const detail = (m: MissingData): string => {
  const parts = [
    ...m.missing.map((x) => `${x} (no value)`),
    ...m.stale.map((x) => `${x} (stale)`),
    ...m.attributesMissing.map((x) => `${x} (never read)`),
  ];
  return parts.length > DETAIL_NAMES
    ? `${parts.slice(0, DETAIL_NAMES).join(', ')} … +${parts.length - DETAIL_NAMES}`
    : parts.join(', ');
};

/** Frame meta shared by the scans. */
const META = { preferredVisualisationType: 'table' };

async function stringStatus(ctx: QueryContext, q: ScanQuery): Promise<DataFrameJSON> {
  const strings = (await loadDevices(ctx, { sites: q.site, profiles: ['batteryString'] }, true)).sort((a, b) =>
    compareIds(a.id, b.id)
  );
  const status = await loadRegisterStatus(ctx, strings);
  const rows = strings.map((d) => {
    const regs = status.get(d.id) ?? [];
    const states = regs.flatMap((r) => r.bits.map((b) => b.state));
    const worst = worstState(regs.map((r) => r.state));
    return {
      d,
      worst,
      alarms: states.filter((s) => s === 'ALARM').length,
      warnings: states.filter((s) => s === 'WARNING').length,
      active: activeBits(regs).join(', '),
      time: newest(regs),
    };
  });
  return frame(
    'stringStatus',
    q.refId,
    [
      column(
        'site',
        'string',
        rows.map((r) => r.d.site)
      ),
      column(
        'block',
        'string',
        rows.map((r) => r.d.parent)
      ),
      column(
        'device',
        'string',
        rows.map((r) => r.d.id)
      ),
      column(
        'name',
        'string',
        rows.map((r) => r.d.name)
      ),
      column(
        'status',
        'string',
        rows.map((r) => r.worst)
      ),
      column(
        'statusRank',
        'number',
        rows.map((r) => STATE_RANK[r.worst])
      ),
      column(
        'alarms',
        'number',
        rows.map((r) => r.alarms)
      ),
      column(
        'warnings',
        'number',
        rows.map((r) => r.warnings)
      ),
      column(
        'activeBits',
        'string',
        rows.map((r) => r.active)
      ),
      timeColumn(
        'time',
        rows.map((r) => r.time)
      ),
    ],
    META
  );
}

async function blockStatus(ctx: QueryContext, q: ScanQuery): Promise<DataFrameJSON> {
  const all = await loadDevices(
    ctx,
    { sites: q.site, profiles: ['bessBlock', 'batteryString', 'hvac', 'safety'] },
    true
  );
  const status = await loadRegisterStatus(ctx, all);
  const blocks = all.filter((d) => d.profile === 'bessBlock').sort((a, b) => compareIds(a.id, b.id));
  const rows = blocks.map((b) => {
    const children = all.filter((d) => d.parent === b.id);
    const own = [
      ...(status.get(b.id) ?? []),
      ...children.filter((c) => c.profile !== 'batteryString').flatMap((c) => status.get(c.id) ?? []),
    ];
    const strings = children
      .filter((c) => c.profile === 'batteryString')
      .map((c) => worstState((status.get(c.id) ?? []).map((r) => r.state)));
    const ownState = worstState(own.map((r) => r.state));
    const count = (s: BitState) => strings.filter((x) => x === s).length;
    return {
      b,
      own: ownState,
      worst: worstState([ownState, ...strings]),
      stringsAlarm: count('ALARM'),
      stringsWarning: count('WARNING'),
      stringsOk: count('OK') + count('INFO'),
      stringsNoData: count('NO_DATA'),
      active: activeBits(own).join(', '),
      time: newest(own),
    };
  });
  return frame(
    'blockStatus',
    q.refId,
    [
      column(
        'site',
        'string',
        rows.map((r) => r.b.site)
      ),
      column(
        'device',
        'string',
        rows.map((r) => r.b.id)
      ),
      column(
        'name',
        'string',
        rows.map((r) => r.b.name)
      ),
      column(
        'status',
        'string',
        rows.map((r) => r.worst)
      ),
      column(
        'statusRank',
        'number',
        rows.map((r) => STATE_RANK[r.worst])
      ),
      column(
        'blockStatus',
        'string',
        rows.map((r) => r.own)
      ),
      column(
        'stringsAlarm',
        'number',
        rows.map((r) => r.stringsAlarm)
      ),
      column(
        'stringsWarning',
        'number',
        rows.map((r) => r.stringsWarning)
      ),
      column(
        'stringsOk',
        'number',
        rows.map((r) => r.stringsOk)
      ),
      column(
        'stringsNoData',
        'number',
        rows.map((r) => r.stringsNoData)
      ),
      column(
        'activeBits',
        'string',
        rows.map((r) => r.active)
      ),
      timeColumn(
        'time',
        rows.map((r) => r.time)
      ),
    ],
    META
  );
}

async function missing(ctx: QueryContext, q: ScanQuery, blocks: boolean): Promise<DataFrameJSON> {
  const profiles = blocks ? ['bessBlock', 'hvac', 'safety'] : ['batteryString'];
  const all = await loadDevices(ctx, { sites: q.site, profiles });
  const data = await loadMissingData(ctx, all);
  const rowsOf = blocks ? all.filter((d) => d.profile === 'bessBlock') : all;
  rowsOf.sort((a, b) => compareIds(a.id, b.id));
  const rows = rowsOf.map((d) => {
    const m = data.get(d.id)!;
    if (!blocks) return { d, m, aux: [] as string[] };
    // a block's equipment: the block (PCS + block BMS) and its HVAC and safety controllers
    const aux = all.filter((x) => x.parent === d.id);
    const merged: MissingData = {
      ...m,
      missing: [...m.missing],
      stale: [...m.stale],
      attributesMissing: [...m.attributesMissing],
    };
    const silentAux: string[] = [];
    for (const a of aux) {
      const am = data.get(a.id)!;
      const tag = (x: string) => `${a.id.slice(d.id.length)}.${x}`;
      merged.declared += am.declared;
      merged.missing.push(...am.missing.map(tag));
      merged.stale.push(...am.stale.map(tag));
      merged.attributesMissing.push(...am.attributesMissing.map(tag));
      if (am.lastSeen !== null && (merged.lastSeen === null || am.lastSeen > merged.lastSeen))
        merged.lastSeen = am.lastSeen;
      if (am.status === 'ALARM') silentAux.push(a.id);
    }
    merged.status =
      m.status === 'ALARM'
        ? 'ALARM'
        : worstState([m.status, ...aux.map((a) => (data.get(a.id)!.status === 'OK' ? 'OK' : 'WARNING') as BitState)]);
    return { d, m: merged, aux: silentAux };
  });
  return frame(
    blocks ? 'missingBlocks' : 'missingStrings',
    q.refId,
    [
      column(
        'site',
        'string',
        rows.map((r) => r.d.site)
      ),
      ...(blocks
        ? []
        : [
            column(
              'block',
              'string',
              rows.map((r) => r.d.parent)
            ),
          ]),
      column(
        'device',
        'string',
        rows.map((r) => r.d.id)
      ),
      column(
        'name',
        'string',
        rows.map((r) => r.d.name)
      ),
      column(
        'status',
        'string',
        rows.map((r) => r.m.status)
      ),
      column(
        'statusRank',
        'number',
        rows.map((r) => STATE_RANK[r.m.status])
      ),
      column(
        'declared',
        'number',
        rows.map((r) => r.m.declared)
      ),
      column(
        'missing',
        'number',
        rows.map((r) => r.m.missing.length)
      ),
      column(
        'stale',
        'number',
        rows.map((r) => r.m.stale.length)
      ),
      column(
        'attributesMissing',
        'number',
        rows.map((r) => r.m.attributesMissing.length)
      ),
      ...(blocks
        ? [
            column(
              'silentDevices',
              'string',
              rows.map((r) => r.aux.join(', '))
            ),
          ]
        : []),
      column(
        'detail',
        'string',
        rows.map((r) => detail(r.m))
      ),
      timeColumn(
        'lastSeen',
        rows.map((r) => r.m.lastSeen)
      ),
    ],
    META
  );
}

/**
 * `scan` (issue 4 §2), one table frame with one row per battery string or block of the site(s) and a
 * `status` column (ALARM red, WARNING amber, OK green, NO_DATA grey) plus `statusRank` (0 NO_DATA … 4 ALARM):
 * - `stringStatus`: worst bit state over each string's status registers, alarm/warning bit counts, the
 *   active bits (`register.bit`);
 * - `blockStatus`: worst of the block's own registers (PCS, block BMS, HVAC, safety) and its strings, with
 *   the strings counted per state;
 * - `missingStrings` / `missingBlocks`: metrics the maps declare with no value, values older than 3 poll
 *   intervals, attributes never read; ALARM = nothing fresh at all (silent), WARNING = partly missing.
 * Status registers older than 3 poll intervals count as NO_DATA.
 * @throws HttpError 404/403 for an unknown or not granted site
 */
export async function scanQuery(ctx: QueryContext, q: ScanQuery): Promise<DataFrameJSON[]> {
  await assertSites(ctx, q.site);
  switch (q.scan) {
    case 'stringStatus':
      return [await stringStatus(ctx, q)];
    case 'blockStatus':
      return [await blockStatus(ctx, q)];
    case 'missingStrings':
      return [await missing(ctx, q, false)];
    case 'missingBlocks':
      return [await missing(ctx, q, true)];
  }
}
