/**
 * Data frames → scene model. The datasource's `tree` query answers one table frame (a row per device: id, parent,
 * profile, name, block, string, the inline values activePower, stateOfCharge, min/maxCellTemperature, dcVoltage,
 * isOffline, time, capacityKwh, ratedPowerKw); a `latest` query adds values in long form (device, metric, value,
 * time) including the cell arrays `cellVoltages` / `cellTemperatures`. Field names come from the panel options, so
 * any frame with the same fields works (e.g. SQL through Grafana's PostgreSQL datasource).
 */
import type { DataFrame, Field } from '@grafana/data';
import type { BlockModel, CellData, FieldMapping, MetricKey, SiteModel, StringModel } from './types';
import { emptyValues } from './types';

/** Result of reading the frames. */
export interface SceneData {
  /** null when no frame carries a topology (id + profile or block fields). */
  site: SiteModel | null;
  /** Cell arrays by string device id. */
  cells: Map<string, CellData>;
  /** Rows that could not be used, with the reason (shown in the panel, never thrown). */
  problems: string[];
}

/**
 * The `offlineReason` the API gives a device that sent no value for 3 poll intervals (collector/src/api/query/tree.ts):
 * its values are known but old, so the panel draws it stale, not offline (maintenance and other reasons).
 */
export const STALE_REASON = 'no data';

/** Offline flag + reason → what the panel shows: offline, stale (flagged by the data) or neither. */
export function offlineState(flag: boolean, reason: string | null): { offline: boolean; stale: boolean } {
  if (!flag) return { offline: false, stale: false };
  return reason !== null && reason.trim().toLowerCase() === STALE_REASON
    ? { offline: false, stale: true }
    : { offline: true, stale: false };
}

const METRIC_FIELDS: Record<MetricKey, keyof FieldMapping> = {
  power: 'powerField',
  soc: 'socField',
  tempMax: 'tempMaxField',
  tempMin: 'tempMinField',
  dcVoltage: 'dcVoltageField',
};

/** Finds a field by name or display name. */
export function findField(frame: DataFrame, name: string): Field | undefined {
  if (!name) return undefined;
  return frame.fields.find((f) => f.name === name) ?? frame.fields.find((f) => f.config?.displayName === name);
}

/** A number from a cell value: numbers and numeric strings; anything else → null. */
export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Epoch ms from a number, ISO string or Date; null otherwise. */
export function toTime(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : null;
  if (typeof v === 'string' && v) {
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A boolean flag from true/false, 1/0 or 'true'/'false'. */
export function toFlag(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true' || v === 't';
}

/**
 * A number array from a cell value: arrays, typed arrays, JSON text (`[3.2,3.3]`) or a PostgreSQL array literal
 * (`{3.2,3.3}`). Non-numeric elements become NaN. Anything else → null.
 */
export function toNumberArray(v: unknown): number[] | null {
  if (Array.isArray(v)) return v.map((x) => toNumber(x) ?? NaN);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (typeof v === 'string') {
    const s = v.trim();
    const body =
      s.startsWith('[') && s.endsWith(']')
        ? s.slice(1, -1)
        : s.startsWith('{') && s.endsWith('}')
          ? s.slice(1, -1)
          : null;
    if (body === null) return null;
    if (body.trim() === '') return [];
    return body.split(',').map((x) => toNumber(x.trim()) ?? NaN);
  }
  return null;
}

function rowReader(frame: DataFrame, map: FieldMapping) {
  const f = (k: keyof FieldMapping) => findField(frame, map[k]);
  const fields = {
    id: f('idField'),
    parent: f('parentField'),
    profile: f('profileField'),
    name: f('nameField'),
    block: f('blockField'),
    string: f('stringField'),
    offline: f('offlineField'),
    reason: f('offlineReasonField'),
    time: f('timeField') ?? frame.fields.find((x) => x.type === 'time'),
    capacity: f('capacityField'),
    rated: f('ratedPowerField'),
    cellV: f('cellVoltagesField'),
    cellT: f('cellTemperaturesField'),
  };
  const metrics = Object.fromEntries(
    (Object.keys(METRIC_FIELDS) as MetricKey[]).map((k) => [k, findField(frame, map[METRIC_FIELDS[k]])])
  ) as Record<MetricKey, Field | undefined>;
  return { fields, metrics };
}

const at = (f: Field | undefined, i: number): unknown => (f ? f.values[i] : undefined);

/** Whether a frame is in long form: a device column and a metric column with a value column. */
function isLongFrame(frame: DataFrame): boolean {
  return (
    !!findField(frame, 'metric') &&
    !!findField(frame, 'value') &&
    !!(findField(frame, 'device') ?? findField(frame, 'id'))
  );
}

/**
 * Converts the panel's frames into the scene model. Topology comes from the frames with an id field plus a
 * profile or block field; long-form `latest` frames (device, metric, value, time) and wide frames with the
 * configured metric / cell fields add values to the devices they name.
 */
export function framesToScene(frames: readonly DataFrame[], map: FieldMapping): SceneData {
  const problems: string[] = [];
  const blocks = new Map<string, BlockModel>();
  const strings: Array<{ s: StringModel; parent: string | null; block: number | null; row: string }> = [];
  const cells = new Map<string, CellData>();
  const byId: ValueIndex = new Map();
  let transformerId: string | null = null;
  let siteCode: string | null = null;
  const cellOf = (id: string) => {
    let c = cells.get(id);
    if (!c) cells.set(id, (c = { device: id, voltages: null, temperatures: null, time: null }));
    return c;
  };

  frames.forEach((frame, fi) => {
    const where = `frame ${frame.refId ?? fi}`;
    if (isLongFrame(frame)) {
      readLong(frame, map, cellOf, byId, where, problems);
      return;
    }
    const { fields, metrics } = rowReader(frame, map);
    if (!fields.id) return;
    const topology = !!(fields.profile || fields.block);
    for (let i = 0; i < frame.length; i++) {
      const id = String(at(fields.id, i) ?? '');
      const row = `${where} row ${i + 1}`;
      if (!id) {
        problems.push(`${row}: empty ${map.idField}`);
        continue;
      }
      const time = toTime(at(fields.time, i));
      const cv = toNumberArray(at(fields.cellV, i));
      const ct = toNumberArray(at(fields.cellT, i));
      if (cv || ct) {
        const c = cellOf(id);
        if (cv) c.voltages = cv;
        if (ct) c.temperatures = ct;
        c.time = time ?? c.time;
      }
      const values = emptyValues();
      for (const k of Object.keys(metrics) as MetricKey[]) values[k] = toNumber(at(metrics[k], i));
      if (!topology) {
        const reasonText = at(fields.reason, i);
        mergeValues(
          byId,
          id,
          values,
          time,
          fields.offline ? toFlag(at(fields.offline, i)) : null,
          typeof reasonText === 'string' && reasonText ? reasonText : null
        );
        continue;
      }
      const profile = String(at(fields.profile, i) ?? '');
      const blockNo = toNumber(at(fields.block, i));
      const stringNo = toNumber(at(fields.string, i));
      const name = String(at(fields.name, i) ?? id);
      const parent = fields.parent ? String(at(fields.parent, i) ?? '') || null : null;
      const flag = toFlag(at(fields.offline, i));
      const reasonText = at(fields.reason, i);
      const reason = typeof reasonText === 'string' && reasonText ? reasonText : null;
      const state = offlineState(flag, reason);
      const isString = profile ? profile === 'batteryString' : stringNo !== null;
      const isBlock = profile ? profile === 'bessBlock' : blockNo !== null && stringNo === null;
      if (profile === 'bessNode' && !transformerId) transformerId = id;
      if (profile === 'bessNode' && parent) siteCode = parent;
      if (isString) {
        if (stringNo === null) problems.push(`${row}: string ${id} has no ${map.stringField} number, placed last`);
        const s: StringModel = {
          id,
          name,
          string: stringNo ?? Number.MAX_SAFE_INTEGER,
          capacityKwh: toNumber(at(fields.capacity, i)),
          values,
          time,
          offline: state.offline,
          stale: state.stale,
          reason,
        };
        strings.push({ s, parent, block: blockNo, row });
      } else if (isBlock) {
        if (blockNo === null) problems.push(`${row}: block ${id} has no ${map.blockField} number, placed last`);
        blocks.set(id, {
          id,
          name,
          block: blockNo ?? Number.MAX_SAFE_INTEGER,
          ratedPowerKw: toNumber(at(fields.rated, i)),
          capacityKwh: toNumber(at(fields.capacity, i)),
          values,
          time,
          offline: state.offline,
          stale: state.stale,
          reason,
          strings: [],
        });
      }
    }
  });

  attachStrings(blocks, strings, problems);
  for (const [id, v] of byId) applyValues(blocks, id, v);
  if (blocks.size === 0) return { site: null, cells, problems };
  const list = [...blocks.values()].sort((a, b) => a.block - b.block || a.id.localeCompare(b.id));
  for (const b of list) b.strings.sort((x, y) => x.string - y.string || x.id.localeCompare(y.id));
  const site = siteCode ?? (transformerId ?? list[0].id).slice(0, 5);
  return { site: { site, transformerId, blocks: list }, cells, problems };
}

function attachStrings(
  blocks: Map<string, BlockModel>,
  strings: Array<{ s: StringModel; parent: string | null; block: number | null; row: string }>,
  problems: string[]
): void {
  const byNumber = new Map<number, BlockModel>();
  for (const b of blocks.values()) byNumber.set(b.block, b);
  for (const { s, parent, block, row } of strings) {
    let b = parent ? blocks.get(parent) : undefined;
    if (!b && block !== null) b = byNumber.get(block);
    if (!b && (parent || block !== null)) {
      // strings without block rows in the frame: a block per parent / number
      const id = parent ?? `block-${block}`;
      b = {
        id,
        name: block !== null ? `Block ${block}` : id,
        block: block ?? Number.MAX_SAFE_INTEGER,
        ratedPowerKw: null,
        capacityKwh: null,
        values: emptyValues(),
        time: null,
        offline: false,
        strings: [],
      };
      blocks.set(id, b);
      if (block !== null) byNumber.set(block, b);
    }
    if (!b) {
      problems.push(`${row}: string ${s.id} has neither a parent nor a block number, left out`);
      continue;
    }
    b.strings.push(s);
  }
}

type ValueEntry = {
  values: Record<MetricKey, number | null>;
  time: number | null;
  offline: boolean | null;
  reason: string | null;
};
type ValueIndex = Map<string, ValueEntry>;

function mergeValues(
  byId: ValueIndex,
  id: string,
  values: Record<MetricKey, number | null>,
  time: number | null,
  offline: boolean | null = null,
  reason: string | null = null
) {
  const cur = byId.get(id) ?? { values: emptyValues(), time: null, offline: null, reason: null };
  if (offline !== null) {
    cur.offline = offline;
    cur.reason = reason;
  }
  for (const k of Object.keys(values) as MetricKey[]) if (values[k] !== null) cur.values[k] = values[k];
  if (time !== null) cur.time = cur.time === null ? time : Math.max(cur.time, time);
  byId.set(id, cur);
}

function applyValues(blocks: Map<string, BlockModel>, id: string, v: ValueEntry) {
  const apply = (target: {
    values: Record<MetricKey, number | null>;
    time: number | null;
    offline: boolean;
    stale?: boolean;
    reason?: string | null;
  }) => {
    if (v.offline !== null) {
      const state = offlineState(v.offline, v.reason);
      target.offline = state.offline;
      target.stale = state.stale;
      target.reason = v.reason;
    }
    for (const k of Object.keys(v.values) as MetricKey[]) if (v.values[k] !== null) target.values[k] = v.values[k];
    if (v.time !== null) target.time = target.time === null ? v.time : Math.max(target.time, v.time);
  };
  const b = blocks.get(id);
  if (b) return apply(b);
  for (const blk of blocks.values()) {
    const s = blk.strings.find((x) => x.id === id);
    if (s) return apply(s);
  }
}

function readLong(
  frame: DataFrame,
  map: FieldMapping,
  cellOf: (id: string) => CellData,
  byId: ValueIndex,
  where: string,
  problems: string[]
): void {
  const dev = findField(frame, 'device') ?? findField(frame, map.idField)!;
  const metric = findField(frame, 'metric')!;
  const value = findField(frame, 'value')!;
  const timeF = findField(frame, map.timeField) ?? frame.fields.find((x) => x.type === 'time');
  const metricKey = new Map<string, MetricKey>(
    (Object.keys(METRIC_FIELDS) as MetricKey[]).map((k) => [map[METRIC_FIELDS[k]], k])
  );
  for (let i = 0; i < frame.length; i++) {
    const id = String(dev.values[i] ?? '');
    const name = String(metric.values[i] ?? '');
    const time = toTime(at(timeF, i));
    if (!id) {
      problems.push(`${where} row ${i + 1}: empty device`);
      continue;
    }
    if (name === map.cellVoltagesField || name === map.cellTemperaturesField) {
      const arr = toNumberArray(value.values[i]);
      if (!arr) {
        problems.push(`${where} row ${i + 1}: ${name} of ${id} is not a number array`);
        continue;
      }
      const c = cellOf(id);
      if (name === map.cellVoltagesField) c.voltages = arr;
      else c.temperatures = arr;
      c.time = time ?? c.time;
      continue;
    }
    if (name === map.offlineField) {
      mergeValues(byId, id, emptyValues(), time, toFlag(value.values[i]));
      continue;
    }
    const key = metricKey.get(name);
    if (!key) continue;
    const values = emptyValues();
    values[key] = toNumber(value.values[i]);
    mergeValues(byId, id, values, time);
  }
}
