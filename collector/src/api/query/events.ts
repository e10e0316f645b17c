import type { DataFrameJSON, EventsQuery, FaultsQuery } from '@openbess/model';
import { column, frame, timeColumn } from './frames';
import { assertDevices, assertSites, siteFilter, type QueryContext } from './context';

/** Severities at or above a minimum (INFO < WARNING < ALARM). */
export function severitiesFrom(
  min: 'OK' | 'INFO' | 'WARNING' | 'ALARM' | undefined,
  fallback: 'INFO' | 'WARNING'
): string[] {
  const order = ['INFO', 'WARNING', 'ALARM'];
  const m = min === undefined ? fallback : min === 'OK' ? 'INFO' : min;
  return order.slice(order.indexOf(m));
}

/** Grafana colours of event severities (annotation regions). */
export const SEVERITY_COLORS: Record<string, string> = { ALARM: 'red', WARNING: 'orange', INFO: 'blue' };

interface EventRow {
  id: string;
  site: string;
  device: string;
  map: string;
  register: string;
  point: string;
  bit: number;
  bit_name: string;
  description: string | null;
  severity: string;
  raised: string;
  cleared: string | null;
}

/** Filters shared by `events` and `faults`, checked for existence and access. */
async function scope(ctx: QueryContext, q: { site?: string[]; devices?: string[] }) {
  if (q.site) await assertSites(ctx, q.site);
  if (q.devices?.length) await assertDevices(ctx, q.devices);
  return { granted: siteFilter(ctx.access), sites: q.site ?? null, devices: q.devices?.length ? q.devices : null };
}

/**
 * Events overlapping [from, to) (`overlap`) or raised in it, newest first, restricted to the caller's sites
 * in SQL.
 */
async function loadEvents(
  ctx: QueryContext,
  q: { site?: string[]; devices?: string[]; limit?: number },
  severities: string[],
  mode: 'overlap' | 'raised',
  activeOnly = false
): Promise<EventRow[]> {
  const s = await scope(ctx, q);
  const r = await ctx.pool.query<EventRow>(
    `SELECT id::text, site, device, map, register, point, bit, bit_name, description, severity,
            round(date_part('epoch', raised_at) * 1000)::float8 AS raised,
            round(date_part('epoch', cleared_at) * 1000)::float8 AS cleared
       FROM events
      WHERE ($1::text[] IS NULL OR site = ANY($1::text[]))
        AND ($2::text[] IS NULL OR site = ANY($2::text[]))
        AND ($3::text[] IS NULL OR device = ANY($3::text[]))
        AND severity = ANY($4::text[])
        AND raised_at < to_timestamp($6::float8 / 1000)
        AND (CASE WHEN $7 = 'overlap' THEN cleared_at IS NULL OR cleared_at >= to_timestamp($5::float8 / 1000)
                  ELSE raised_at >= to_timestamp($5::float8 / 1000) END)
        AND (NOT $8::boolean OR cleared_at IS NULL)
      ORDER BY raised_at DESC, id DESC
      LIMIT $9`,
    [s.granted, s.sites, s.devices, severities, ctx.from, ctx.to, mode, activeOnly, q.limit ?? 5000]
  );
  return r.rows;
}

/**
 * `events` (issue 4): status-bit events (raised → cleared) overlapping the range.
 * - `format: 'annotations'` (default, Grafana annotations from a data frame): time (raised), timeEnd
 *   (cleared; the end of the range, capped at now, while still active — a region), title
 *   (`<device> <bit name>`), text (severity, description, register and bit, state), tags
 *   (`severity:<S>,device:<id>,register:<r>,bit:<name>,site:<code>`, comma-separated as Grafana splits them),
 *   color (ALARM red, WARNING orange, INFO blue), severity, device, active;
 * - `format: 'table'`: id, site, device, register, point, bit, bitName, severity, raisedAt, clearedAt,
 *   durationS (to now while active), active, description.
 * `minSeverity` (default INFO), `active` (only open events), `limit` (default 5000, newest first).
 * @throws HttpError 404/403 for unknown or not granted sites/devices
 */
export async function eventsQuery(ctx: QueryContext, q: EventsQuery): Promise<DataFrameJSON[]> {
  const rows = await loadEvents(ctx, q, severitiesFrom(q.minSeverity, 'INFO'), 'overlap', q.active === true);
  const now = (ctx.now ?? Date.now)();
  const raised = rows.map((r) => Number(r.raised));
  const cleared = rows.map((r) => (r.cleared === null ? null : Number(r.cleared)));
  const active = cleared.map((c) => c === null);
  const durationS = rows.map((_, i) => ((cleared[i] ?? now) - raised[i]) / 1000);
  if (q.format === 'table') {
    return [
      frame(
        'events',
        q.refId,
        [
          column(
            'id',
            'number',
            rows.map((r) => Number(r.id))
          ),
          column(
            'site',
            'string',
            rows.map((r) => r.site)
          ),
          column(
            'device',
            'string',
            rows.map((r) => r.device)
          ),
          column(
            'register',
            'string',
            rows.map((r) => r.register)
          ),
          column(
            'point',
            'string',
            rows.map((r) => r.point)
          ),
          column(
            'bit',
            'number',
            rows.map((r) => r.bit)
          ),
          column(
            'bitName',
            'string',
            rows.map((r) => r.bit_name)
          ),
          column(
            'severity',
            'string',
            rows.map((r) => r.severity)
          ),
          timeColumn('raisedAt', raised),
          timeColumn('clearedAt', cleared),
          column('durationS', 'number', durationS, { unit: 's' }),
          column('active', 'boolean', active),
          column(
            'description',
            'string',
            rows.map((r) => r.description ?? '')
          ),
        ],
        { preferredVisualisationType: 'table' }
      ),
    ];
  }
  const end = Math.min(now, ctx.to);
  return [
    frame(
      'events',
      q.refId,
      [
        timeColumn('time', raised),
        timeColumn(
          'timeEnd',
          cleared.map((c) => c ?? Math.max(end, 0))
        ),
        column(
          'title',
          'string',
          rows.map((r) => `${r.device} ${r.bit_name}`)
        ),
        column(
          'text',
          'string',
          rows.map(
            (r, i) =>
              `${r.severity}: ${r.description ?? r.bit_name} — ${r.register} bit ${r.bit} (${r.point}, map ${r.map}); ` +
              (active[i] ? 'still active' : `cleared after ${Math.round(durationS[i])} s`)
          )
        ),
        column(
          'tags',
          'string',
          rows.map(
            (r) => `severity:${r.severity},device:${r.device},register:${r.register},bit:${r.bit_name},site:${r.site}`
          )
        ),
        column(
          'color',
          'string',
          rows.map((r) => SEVERITY_COLORS[r.severity] ?? 'gray')
        ),
        column(
          'severity',
          'string',
          rows.map((r) => r.severity)
        ),
        column(
          'device',
          'string',
          rows.map((r) => r.device)
        ),
        column('active', 'boolean', active),
      ],
      { preferredVisualisationType: 'table' }
    ),
  ];
}

interface Agg {
  events: number;
  active: number;
  clearedCount: number;
  clearedSum: number;
  maxS: number;
  totalS: number;
  last: number;
  devices: Set<string>;
}
const emptyAgg = (): Agg => ({
  events: 0,
  active: 0,
  clearedCount: 0,
  clearedSum: 0,
  maxS: 0,
  totalS: 0,
  last: 0,
  devices: new Set(),
});

/**
 * `faults` (issue 4, Faults & trips dashboard): events of severity ≥ `minSeverity` (default WARNING)
 * raised in [from, to).
 * - `timeline`: one row per event — time (raised), timeEnd (cleared, null while active), site, device,
 *   register, bitName, severity, durationS (to now while active), active;
 * - `mttrByDevice` / `mttrByBit`: per device / per (register, bit): events, active, mttrS (mean time to
 *   repair = mean duration of the cleared events; null when none cleared), maxS, downtimeS (Σ durations,
 *   open ones to now), devices (by bit), lastRaised — most events first;
 * - `topOffenders`: per (device, register, bit), most events first (ties: longer downtime), `limit`
 *   rows (default 10).
 * @throws HttpError 404/403 for unknown or not granted sites/devices
 */
export async function faultsQuery(ctx: QueryContext, q: FaultsQuery): Promise<DataFrameJSON[]> {
  const rows = await loadEvents(
    ctx,
    { ...q, limit: q.view === 'timeline' ? q.limit : 100_000 },
    severitiesFrom(q.minSeverity, 'WARNING'),
    'raised'
  );
  const now = (ctx.now ?? Date.now)();
  const dur = (r: EventRow) => ((r.cleared === null ? now : Number(r.cleared)) - Number(r.raised)) / 1000;
  if (q.view === 'timeline') {
    const asc = [...rows].reverse();
    return [
      frame(
        'faults',
        q.refId,
        [
          timeColumn(
            'time',
            asc.map((r) => Number(r.raised))
          ),
          timeColumn(
            'timeEnd',
            asc.map((r) => (r.cleared === null ? null : Number(r.cleared)))
          ),
          column(
            'site',
            'string',
            asc.map((r) => r.site)
          ),
          column(
            'device',
            'string',
            asc.map((r) => r.device)
          ),
          column(
            'register',
            'string',
            asc.map((r) => r.register)
          ),
          column(
            'bitName',
            'string',
            asc.map((r) => r.bit_name)
          ),
          column(
            'severity',
            'string',
            asc.map((r) => r.severity)
          ),
          column('durationS', 'number', asc.map(dur), { unit: 's' }),
          column(
            'active',
            'boolean',
            asc.map((r) => r.cleared === null)
          ),
        ],
        { preferredVisualisationType: 'table' }
      ),
    ];
  }
  const key = (r: EventRow) =>
    q.view === 'mttrByDevice'
      ? r.device
      : q.view === 'mttrByBit'
        ? `${r.register}\u0000${r.bit}`
        : `${r.device}\u0000${r.register}\u0000${r.bit}`;
  const groups = new Map<string, { first: EventRow; agg: Agg }>();
  for (const r of rows) {
    const k = key(r);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { first: r, agg: emptyAgg() }));
    const a = g.agg;
    const d = dur(r);
    a.events++;
    a.totalS += d;
    a.maxS = Math.max(a.maxS, d);
    a.last = Math.max(a.last, Number(r.raised));
    a.devices.add(r.device);
    if (r.cleared === null) a.active++;
    else {
      a.clearedCount++;
      a.clearedSum += d;
    }
  }
  let list = [...groups.values()].sort(
    (x, y) => y.agg.events - x.agg.events || y.agg.totalS - x.agg.totalS || x.first.device.localeCompare(y.first.device)
  );
  if (q.view === 'topOffenders') list = list.slice(0, q.limit ?? 10);
  const mttr = list.map((g) => (g.agg.clearedCount > 0 ? g.agg.clearedSum / g.agg.clearedCount : null));
  const stats = [
    column(
      'events',
      'number',
      list.map((g) => g.agg.events)
    ),
    column(
      'active',
      'number',
      list.map((g) => g.agg.active)
    ),
    column('mttrS', 'number', mttr, { unit: 's' }),
    column(
      'maxS',
      'number',
      list.map((g) => g.agg.maxS),
      { unit: 's' }
    ),
    column(
      'downtimeS',
      'number',
      list.map((g) => g.agg.totalS),
      { unit: 's' }
    ),
    timeColumn(
      'lastRaised',
      list.map((g) => g.agg.last)
    ),
  ];
  const ident =
    q.view === 'mttrByDevice'
      ? [
          column(
            'site',
            'string',
            list.map((g) => g.first.site)
          ),
          column(
            'device',
            'string',
            list.map((g) => g.first.device)
          ),
        ]
      : q.view === 'mttrByBit'
        ? [
            column(
              'register',
              'string',
              list.map((g) => g.first.register)
            ),
            column(
              'bit',
              'number',
              list.map((g) => g.first.bit)
            ),
            column(
              'bitName',
              'string',
              list.map((g) => g.first.bit_name)
            ),
            column(
              'severity',
              'string',
              list.map((g) => g.first.severity)
            ),
            column(
              'devices',
              'number',
              list.map((g) => g.agg.devices.size)
            ),
          ]
        : [
            column(
              'site',
              'string',
              list.map((g) => g.first.site)
            ),
            column(
              'device',
              'string',
              list.map((g) => g.first.device)
            ),
            column(
              'register',
              'string',
              list.map((g) => g.first.register)
            ),
            column(
              'bitName',
              'string',
              list.map((g) => g.first.bit_name)
            ),
            column(
              'severity',
              'string',
              list.map((g) => g.first.severity)
            ),
          ];
  return [frame(q.view, q.refId, [...ident, ...stats], { preferredVisualisationType: 'table' })];
}
