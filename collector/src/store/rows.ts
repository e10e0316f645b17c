import type { AttributeSample, PollRecord, SampleBatch } from '../types';
import type { SeriesRegistry } from './registry';

/** Latest timestamp accepted (9999-12-31T23:59:59.999Z); earlier than 1970 is rejected too. */
const MAX_TIME = 253_402_300_799_999;

/** Whether an epoch-ms time can be stored. */
export const validTime = (t: unknown): t is number => typeof t === 'number' && t >= 0 && t <= MAX_TIME;

/** Scalar rows of a write, column-wise (series id, epoch ms, value). */
export interface ScalarRows {
  series: number[];
  time: number[];
  value: (number | null)[];
}

/** Array rows of a write, column-wise. */
export interface ArrayRows {
  series: number[];
  time: number[];
  values: (number | null)[][];
}

/** A batch resolved to series ids, ready to write. */
export interface ResolvedRows {
  scalars: ScalarRows;
  arrays: ArrayRows;
  attributes: AttributeSample[];
  polls: PollRecord[];
  /** Scalar values + array elements. */
  points: number;
  /** Samples dropped as unstorable (bad time, kind mismatch), with the first reasons. */
  rejected: number;
  rejectReasons: string[];
  /** Of the rejected, samples whose series the registry does not know (yet: see missingSeries). */
  unknown: number;
}

/** Series not yet in the registry, found by {@link missingSeries}. */
export interface MissingSeries {
  device: string;
  metric: string;
  kind: 'scalar' | 'array';
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** Whether a device id / metric name is plausible enough to create a series row for it. */
const nameOk = (device: unknown, metric: unknown) =>
  typeof device === 'string' && typeof metric === 'string' && NAME.test(device) && NAME.test(metric);

/**
 * The (device, metric) pairs of the batches the registry does not know yet (malformed names are
 * left out: resolveRows rejects those samples).
 */
export function missingSeries(batches: SampleBatch[], registry: SeriesRegistry): MissingSeries[] {
  const out = new Map<string, MissingSeries>();
  for (const b of batches) {
    for (const s of b.samples) {
      if (nameOk(s.device, s.metric) && registry.get(s.device, s.metric) === undefined) {
        out.set(`${s.device}\u0000${s.metric}`, { device: s.device, metric: s.metric, kind: 'scalar' });
      }
    }
    for (const a of b.arrays) {
      if (nameOk(a.device, a.metric) && registry.get(a.device, a.metric) === undefined) {
        out.set(`${a.device}\u0000${a.metric}`, { device: a.device, metric: a.metric, kind: 'array' });
      }
    }
  }
  return [...out.values()];
}

/**
 * The batches of one transaction grouped by device, devices in order of first appearance; stable, so
 * each series' rows keep their (time) order. A transaction of several poll cycles then inserts a
 * device's rows together: the index pages of its series (and of its poll_log key) are visited once
 * per transaction instead of once per cycle. Measured here on the large site's 1 M-point catch-up
 * transactions: the telemetry COPY ≈ 20 % faster (1.7 s instead of 2.1 s for 0.76 M rows), poll_log too.
 */
export function groupByDevice(batches: SampleBatch[]): SampleBatch[] {
  if (batches.length < 3) return batches;
  const groups = new Map<string, SampleBatch[]>();
  for (const b of batches) {
    const device = b.polls[0]?.device ?? b.samples[0]?.device ?? b.arrays[0]?.device ?? b.attributes[0]?.device ?? '';
    const g = groups.get(device);
    if (g) g.push(b);
    else groups.set(device, [b]);
  }
  if (groups.size === batches.length || groups.size === 1) return batches;
  const out: SampleBatch[] = [];
  for (const g of groups.values()) for (const b of g) out.push(b);
  return out;
}

/**
 * Resolves samples to series ids and validates them. A sample whose time is not a finite epoch-ms
 * within 1970..9999, whose series is unknown, or whose kind differs from its series (a scalar for an
 * array series) is rejected and counted (the caller logs `rejectReasons`) — one bad sample never fails
 * the whole batch.
 */
export function resolveRows(batches: SampleBatch[], registry: SeriesRegistry): ResolvedRows {
  const scalars: ScalarRows = { series: [], time: [], value: [] };
  const arrays: ArrayRows = { series: [], time: [], values: [] };
  const attributes: AttributeSample[] = [];
  const polls: PollRecord[] = [];
  let points = 0;
  let rejected = 0;
  let unknown = 0;
  const reasons: string[] = [];
  const reject = (why: string) => {
    rejected++;
    if (reasons.length < 5) reasons.push(why);
  };
  // a batch is one device's poll: one device lookup per run of its samples
  let device: string | undefined;
  let metrics: ReadonlyMap<string, number> | undefined;
  const idOf = (d: string, metric: string) => {
    if (d !== device) {
      device = d;
      metrics = registry.metricsOf(d);
    }
    return metrics?.get(metric);
  };
  for (const b of batches) {
    for (const s of b.samples) {
      const id = idOf(s.device, s.metric);
      if (id === undefined) {
        unknown++;
        reject(`no series for ${s.device}/${s.metric}`);
      } else if (!validTime(s.time)) reject(`${s.device}/${s.metric}: bad time ${String(s.time)}`);
      else if (registry.kindOf(id) === 'array') reject(`${s.device}/${s.metric}: scalar sample for an array series`);
      else {
        scalars.series.push(id);
        scalars.time.push(s.time);
        scalars.value.push(typeof s.value === 'number' ? s.value : null);
        points++;
      }
    }
    for (const a of b.arrays) {
      const id = idOf(a.device, a.metric);
      if (id === undefined) {
        unknown++;
        reject(`no series for ${a.device}/${a.metric}`);
      } else if (!validTime(a.time)) reject(`${a.device}/${a.metric}: bad time ${String(a.time)}`);
      else if (!Array.isArray(a.values)) reject(`${a.device}/${a.metric}: values is not an array`);
      else if (registry.kindOf(id) === 'scalar') reject(`${a.device}/${a.metric}: array sample for a scalar series`);
      else {
        arrays.series.push(id);
        arrays.time.push(a.time);
        arrays.values.push(a.values);
        points += a.values.length;
      }
    }
    for (const t of b.attributes) {
      if (validTime(t.time) && t.device && t.name) attributes.push(t);
      else reject(`attribute ${t.device}/${t.name}: bad time or name`);
    }
    for (const p of b.polls) {
      if (
        validTime(p.time) &&
        typeof p.site === 'string' &&
        p.device &&
        p.map &&
        p.group &&
        Number.isInteger(p.unitId) &&
        typeof p.ok === 'boolean'
      )
        polls.push(p);
      else reject(`poll record ${p.device}/${p.map}/${p.group}: bad time or key`);
    }
  }
  return { scalars, arrays, attributes, polls, points, rejected, rejectReasons: reasons, unknown };
}

/** Index of the newest row per series (ties: the later row wins), for the latest-values upsert. */
export function newestPerSeries(series: number[], time: number[]): number[] {
  const best = new Map<number, number>();
  for (let i = 0; i < series.length; i++) {
    const j = best.get(series[i]);
    if (j === undefined || time[i] >= time[j]) best.set(series[i], i);
  }
  return [...best.values()];
}

/** Newest attribute per (device, name). */
export function newestAttributes(attrs: AttributeSample[]): AttributeSample[] {
  const best = new Map<string, AttributeSample>();
  for (const a of attrs) {
    const k = `${a.device}\u0000${a.name}`;
    const cur = best.get(k);
    if (!cur || a.time >= cur.time) best.set(k, a);
  }
  return [...best.values()];
}

/** Per (device, map, group) data-quality delta of a set of poll records. */
export interface QualityDelta {
  device: string;
  map: string;
  group: string;
  site: string;
  unitId: number;
  ok: number;
  failed: number;
  lastOkAt: number | null;
  lastErrorAt: number | null;
  lastError: string | null;
  lastPollAt: number;
  lastLatencyMs: number | null;
}

/** Aggregates poll records into per-source quality deltas. */
export function qualityDeltas(polls: PollRecord[]): QualityDelta[] {
  const out = new Map<string, QualityDelta>();
  for (const p of polls) {
    const k = `${p.device}\u0000${p.map}\u0000${p.group}`;
    let q = out.get(k);
    if (!q) {
      q = {
        device: p.device,
        map: p.map,
        group: p.group,
        site: p.site,
        unitId: p.unitId,
        ok: 0,
        failed: 0,
        lastOkAt: null,
        lastErrorAt: null,
        lastError: null,
        lastPollAt: p.time,
        lastLatencyMs: Number.isFinite(p.latencyMs) ? p.latencyMs : null,
      };
      out.set(k, q);
    }
    if (p.ok) {
      q.ok++;
      if (q.lastOkAt === null || p.time >= q.lastOkAt) q.lastOkAt = p.time;
    } else {
      q.failed++;
      if (q.lastErrorAt === null || p.time >= q.lastErrorAt) {
        q.lastErrorAt = p.time;
        q.lastError = p.error ?? 'poll failed';
      }
    }
    if (p.time >= q.lastPollAt) {
      q.lastPollAt = p.time;
      q.lastLatencyMs = Number.isFinite(p.latencyMs) ? p.latencyMs : null;
    }
  }
  return [...out.values()];
}
