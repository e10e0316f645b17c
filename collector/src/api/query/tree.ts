import { METRICS, type DataFrameJSON, type MetricName, type TreeQuery } from '@openbess/model';
import { column, frame, grafanaUnit, timeColumn } from './frames';
import { assertSites, type QueryContext } from './context';

/**
 * Inline values per device profile (issue 3 §1 `tree`). Wind and solar nodes carry their active
 * power too, so the site's power balance reads from one frame.
 */
export const TREE_INLINE: Record<string, readonly MetricName[]> = {
  meterNode: ['activePower', 'reactivePower', 'frequency', 'powerFactor'],
  bessNode: ['activePower', 'stateOfCharge', 'reactivePower'],
  bessBlock: ['activePower', 'stateOfCharge', 'reactivePower', 'activePowerSetValue'],
  batteryString: ['activePower', 'stateOfCharge', 'minCellTemperature', 'maxCellTemperature', 'dcVoltage'],
  windNode: ['activePower'],
  solarNode: ['activePower'],
};
/** Profiles whose rows carry `isOffline`. */
const OFFLINE_PROFILES = new Set(['bessBlock', 'batteryString']);
/** All inline metric columns, in frame order. */
const INLINE_COLUMNS: MetricName[] = [...new Set(Object.values(TREE_INLINE).flat())];
/** A device is stale (offline by telemetry) after this many poll intervals without a value. */
export const STALE_POLL_INTERVALS = 3;

interface DeviceRow {
  id: string;
  parent: string;
  profile: string;
  name: string;
  block: number | null;
  string: number | null;
  rated_power_kw: number | null;
  capacity_kwh: number | null;
  sources: { map: string }[];
  newest: number | null;
  inline: Record<string, number | null> | null;
}

/** Fastest poll-group interval of a device's maps, ms (the staleness clock). */
function pollIntervalMs(ctx: QueryContext, d: DeviceRow): number {
  let best = Infinity;
  for (const s of d.sources ?? []) {
    const map = ctx.maps?.get(s.map);
    if (!map) continue;
    for (const [group, g] of Object.entries(map.groups))
      if (map.points.some((p) => p.group === group && p.kind === 'measurement')) best = Math.min(best, g.intervalMs);
  }
  return Number.isFinite(best) ? best : (ctx.defaultPollIntervalMs ?? 5000);
}

/**
 * `tree`: the site's device tree as one table frame, parents before children — site → meterNode,
 * bessNode → bessBlock → batteryString, hvac, safety; windNode, solarNode — with id, parent, profile,
 * name, block, string, ratedPowerKw, capacityKwh, the inline latest values of {@link TREE_INLINE},
 * `isOffline` (blocks and strings) with `offlineReason`, and `time` = newest value of the device.
 *
 * isOffline = no value newer than {@link STALE_POLL_INTERVALS} × the device's fastest poll interval
 * (reason `no data`), OR the maintenance app's manual status through `ctx.offlineStatus` (its reason).
 * @throws HttpError 404/403 for an unknown or not granted site
 */
export async function treeQuery(ctx: QueryContext, q: TreeQuery): Promise<DataFrameJSON[]> {
  await assertSites(ctx, [q.site]);
  const siteRow = await ctx.pool.query<{ name: string }>('SELECT name FROM site WHERE code = $1', [q.site]);
  const r = await ctx.pool.query<DeviceRow>(
    `WITH v AS (
       SELECT s.device, max(l.time) AS newest,
              jsonb_object_agg(s.metric, l.value) FILTER (WHERE s.metric = ANY($2::text[])) AS inline
         FROM series s
         JOIN device d ON d.id = s.device
         JOIN latest l ON l.series_id = s.id
        WHERE d.site = $1 AND s.kind = 'scalar'
        GROUP BY s.device)
     SELECT d.id, d.parent, d.profile, d.name, d.block, d.string, d.rated_power_kw, d.capacity_kwh, d.sources,
            round(date_part('epoch', v.newest) * 1000) AS newest, v.inline
       FROM device d LEFT JOIN v ON v.device = d.id
      WHERE d.site = $1`,
    [q.site, INLINE_COLUMNS]
  );
  const order = ['meterNode', 'bessNode', 'bessBlock', 'batteryString', 'hvac', 'safety', 'windNode', 'solarNode'];
  const devices = r.rows.sort(
    (a, b) =>
      (a.block ?? 0) - (b.block ?? 0) ||
      order.indexOf(a.profile) - order.indexOf(b.profile) ||
      (a.string ?? 0) - (b.string ?? 0) ||
      a.id.localeCompare(b.id)
  );
  // Top-level nodes first, then each block with its children: sort puts block 0 (nodes) first.
  const manual = ctx.offlineStatus
    ? await ctx.offlineStatus(
        q.site,
        devices.map((d) => d.id)
      )
    : new Map();
  const now = (ctx.now ?? Date.now)();
  const offline = devices.map((d) => {
    if (!OFFLINE_PROFILES.has(d.profile)) return { offline: null, reason: null };
    const m = manual.get(d.id);
    if (m?.offline) return { offline: true, reason: m.reason ?? 'set offline' };
    const stale = d.newest === null || now - Number(d.newest) > STALE_POLL_INTERVALS * pollIntervalMs(ctx, d);
    return { offline: stale, reason: stale ? 'no data' : null };
  });
  const inline = (d: DeviceRow, metric: MetricName) =>
    TREE_INLINE[d.profile]?.includes(metric) ? (d.inline?.[metric] ?? null) : null;
  const all = [null, ...devices];
  const pick = <T>(fn: (d: DeviceRow) => T, root: T) => all.map((d) => (d ? fn(d) : root));
  return [
    frame(
      'tree',
      q.refId,
      [
        column(
          'id',
          'string',
          pick((d) => d.id, q.site)
        ),
        column(
          'parent',
          'string',
          pick((d) => d.parent, null)
        ),
        column(
          'profile',
          'string',
          pick((d) => d.profile, 'site')
        ),
        column(
          'name',
          'string',
          pick((d) => d.name, siteRow.rows[0]?.name ?? q.site)
        ),
        column(
          'block',
          'number',
          pick((d) => d.block, null)
        ),
        column(
          'string',
          'number',
          pick((d) => d.string, null)
        ),
        column(
          'ratedPowerKw',
          'number',
          pick((d) => d.rated_power_kw, null),
          { unit: 'kwatt' }
        ),
        column(
          'capacityKwh',
          'number',
          pick((d) => d.capacity_kwh, null),
          { unit: 'kwatth' }
        ),
        ...INLINE_COLUMNS.map((m) =>
          column(
            m,
            'number',
            pick((d) => inline(d, m), null),
            { unit: grafanaUnit(METRICS[m].unit) }
          )
        ),
        column('isOffline', 'boolean', [null, ...offline.map((o) => o.offline)]),
        column('offlineReason', 'string', [null, ...offline.map((o) => o.reason)]),
        timeColumn(
          'time',
          pick((d) => (d.newest === null ? null : Number(d.newest)), null)
        ),
      ],
      { preferredVisualisationType: 'table' }
    ),
  ];
}
