import {
  DEFAULT_MAX_GAP,
  minimumReads,
  planReads,
  type DeviceSource,
  type ReadRequest,
  type RegisterFunction,
  type RegisterMap,
  type RegisterPoint,
} from '@openbess/model';

/**
 * A contiguous piece of the register image of one poll: consecutive requests of the plan whose
 * ranges touch (an array continued across requests forms one segment), so every point lies wholly
 * inside one segment.
 */
export interface Segment {
  fn: RegisterFunction;
  /** Absolute 0-based wire address of the first register. */
  start: number;
  count: number;
  /** Indexes into {@link GroupPlan.requests}, in address order. */
  requests: number[];
}

/** A point of a poll and the segment it is decoded from. */
export interface PlannedPoint {
  point: RegisterPoint;
  segment: number;
}

/**
 * What one poll of one poll group of one device source reads and decodes.
 */
export interface GroupPlan {
  map: string;
  group: string;
  intervalMs: number;
  /** Base address added to every point address of the map. */
  base: number;
  /** Largest hole bridged by a request (Telegraf `max_insert` fill), registers. */
  maxGap: number;
  /** Modbus requests, in the order they are sent. */
  requests: ReadRequest[];
  segments: Segment[];
  /**
   * Points decoded per poll: the group's points plus every `sunssf` point they reference (read in
   * the same request set, so values and their scale factors come from the same moment).
   */
  points: PlannedPoint[];
  /** `minimumReads` for the same points: the fewest requests any plan could use. */
  minimumRequests: number;
}

/** Poll groups of a map that have at least one point, in map order. */
export function pollGroups(map: RegisterMap): string[] {
  return Object.keys(map.groups).filter((g) => map.points.some((p) => p.group === g));
}

/** The points one poll of `group` reads: the group's points and the scale factors they reference. */
export function groupPoints(map: RegisterMap, group: string): RegisterPoint[] {
  const own = map.points.filter((p) => p.group === group);
  const names = new Set(own.map((p) => p.name));
  const byName = new Map(map.points.map((p) => [p.name, p]));
  const out = [...own];
  for (const p of own) {
    if (!p.sf || names.has(p.sf)) continue;
    const sf = byName.get(p.sf);
    if (!sf) throw new Error(`${map.file}: point ${p.name}: scale factor "${p.sf}" is not a point of map ${map.id}`);
    names.add(sf.name);
    out.push(sf);
  }
  return out;
}

/**
 * Plans one poll group of a device source: the group's points plus referenced scale factors, merged
 * by {@link planReads} (≤ 125 registers per request, holes of at most `maxGap` registers bridged,
 * arrays packed element by element, so an array may span requests), and the register-image segments
 * to decode them from.
 *
 * @throws Error naming map, point and base when a point lands past wire address 65535, or when the
 *   group does not exist or has no points.
 */
export function planGroup(map: RegisterMap, group: string, source: DeviceSource, maxGap = DEFAULT_MAX_GAP): GroupPlan {
  const def = map.groups[group];
  if (!def) throw new Error(`${map.file}: no poll group "${group}" in map ${map.id}`);
  const points = groupPoints(map, group);
  if (points.length === 0) throw new Error(`${map.file}: poll group "${group}" of map ${map.id} has no points`);
  for (const p of points) {
    const end = source.base + p.address + p.words * p.count;
    if (end > 65536)
      throw new Error(
        `${map.file}: point ${p.name} at address ${p.address} + base ${source.base} (unit ${source.unitId}) runs past wire address 65535`
      );
  }
  const requests = planReads(points, source.base, maxGap);
  const segments = buildSegments(requests);
  const planned = points.map((point) => {
    const start = source.base + point.address;
    const end = start + point.words * point.count;
    const segment = segments.findIndex((s) => s.fn === point.fn && s.start <= start && end <= s.start + s.count);
    if (segment < 0) throw new Error(`map ${map.id}: point ${point.name} is not covered by the read plan`);
    return { point, segment };
  });
  return {
    map: map.id,
    group,
    intervalMs: def.intervalMs,
    base: source.base,
    maxGap,
    requests,
    segments,
    points: planned,
    minimumRequests: minimumReads(points, source.base),
  };
}

/** Joins requests whose ranges touch into segments (per function, in address order). */
function buildSegments(requests: ReadRequest[]): Segment[] {
  const order = requests
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.fn === b.r.fn ? a.r.start - b.r.start : a.r.fn < b.r.fn ? -1 : 1));
  const segments: Segment[] = [];
  let cur: Segment | undefined;
  for (const { r, i } of order) {
    if (cur && cur.fn === r.fn && cur.start + cur.count === r.start) {
      cur.count += r.count;
      cur.requests.push(i);
      continue;
    }
    cur = { fn: r.fn, start: r.start, count: r.count, requests: [i] };
    segments.push(cur);
  }
  return segments;
}

/** Whether a plan bridges any hole (some request reads registers no point needs). */
export function bridgesGaps(plan: GroupPlan): boolean {
  return plan.requests.some((r) => {
    let used = 0;
    for (const p of r.points) {
      const start = plan.base + p.address;
      const end = start + p.words * p.count;
      used += Math.max(0, Math.min(end, r.start + r.count) - Math.max(start, r.start));
    }
    return used < r.count;
  });
}
