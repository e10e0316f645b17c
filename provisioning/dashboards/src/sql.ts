/**
 * SQL of the dashboard panels that read TimescaleDB through Grafana's PostgreSQL datasource (portfolio,
 * revenue/SLA, TMEIC PCS and availability panels): shapes our datasource does not serve. Grafana macros
 * (`$__timeFilter`, `$__timeFrom()`, `$__timeTo()`, `$__timeGroupAlias`) and template variables are expanded by
 * Grafana before PostgreSQL sees them. Site lists use `${site:sqlstring}`: quoted, `'` doubled, comma-separated,
 * for a single value as for several (a bare `$site` would be inserted unquoted when single-valued).
 * Every statement here is run on the real PostgreSQL by provisioning/test/sql.test.ts.
 *
 * Tables: store schema v1 (collector/src/store/schema.ts: site, device, series, telemetry), events v2
 * (collector/src/store/events-schema.ts), maintenance v4 (collector/src/maintenance/schema.ts: mnt_device_status).
 */

/** Longest time one sample stands for in energy integrals, seconds: a longer gap counts as this much. */
export const ENERGY_MAX_HOLD_S = 300;

/**
 * The BESS controller's `activePower` samples in the range with the time each one holds, one LATERAL window per
 * series (walks the (series_id, time) primary key in order: no sort, no temp files). `dt` = min(t_{i+1} − t_i,
 * {@link ENERGY_MAX_HOLD_S}) seconds, the last sample holding until the end of the range. Columns: site, time,
 * value (kW), dt (s).
 */
const heldSamples = (siteFilter: string) => `SELECT d.site, w.time, w.value, w.dt
    FROM device d
    JOIN series s ON s.device = d.id AND s.metric = 'activePower'
   CROSS JOIN LATERAL (
     SELECT t.time, t.value,
            least(date_part('epoch', least(lead(t.time) OVER (ORDER BY t.time), $__timeTo()::timestamptz) - t.time),
                  ${ENERGY_MAX_HOLD_S}) AS dt
       FROM telemetry t
      WHERE t.series_id = s.id AND $__timeFilter(t.time)) w
   WHERE d.profile = 'bessNode' AND ${siteFilter}`;

/**
 * Energy of the BESS per site over the dashboard range, from the BESS controller's `activePower` (kW, + discharge,
 * generator convention): a left Riemann sum E = Σ P_i · min(t_{i+1} − t_i, {@link ENERGY_MAX_HOLD_S}) — each sample
 * holds until the next one (the last one until the end of the range), at most 5 minutes (a data gap is not
 * extrapolated). Discharged uses max(P, 0), charged max(−P, 0); kW·s / 3600 = kWh.
 * Columns: site, discharged_kwh, charged_kwh, net_kwh.
 */
export const energyBySiteSql = (siteFilter = 'd.site IN (${site:sqlstring})') => `WITH p AS (
  ${heldSamples(siteFilter)}
)
SELECT site,
       sum(greatest(value, 0) * dt) / 3600 AS discharged_kwh,
       sum(greatest(-value, 0) * dt) / 3600 AS charged_kwh,
       sum(value * dt) / 3600 AS net_kwh
  FROM p
 GROUP BY site
 ORDER BY site`;

/**
 * Daily energy and net revenue per site (time series, one row per site and UTC day): the integral of
 * {@link energyBySiteSql} per day; revenue = net energy (MWh) × `$price` (EUR/MWh, a flat price: OpenBESS holds
 * no market prices). Columns: time, site (series label), revenue_eur.
 */
export const dailyRevenueSql = `WITH p AS (
  ${heldSamples('d.site IN (${site:sqlstring})')}
)
SELECT date_bin('1 day', time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS time,
       site,
       sum(value * dt) / 3600 / 1000 * $price AS revenue_eur
  FROM p
 GROUP BY 1, 2
 ORDER BY 1, 2`;

/**
 * Time-based, capacity-weighted availability per site — the formula of model/src/kpi/availability.ts
 * (`computeAvailability`; IEC 61400-26-1 time-based availability with IEEE 762 equivalent derating) in SQL over
 * the maintenance app's device-status history (`mnt_device_status`): a device is out from an offline event until
 * its next status event; a block is fully out while it or its BESS node (its parent) is out; each string outside
 * those periods derates its block by its share of the block's capacity; A_site = Σ C_b·A_b / Σ C_b.
 * The same figure as the maintenance API's `GET /api/maintenance/availability` (collector/src/maintenance/availability.ts),
 * which the SQL test checks; in SQL because Grafana panels reach the maintenance API only through the app.
 * Columns: site, availability_pct, downtime_h (capacity-weighted equivalent downtime), target_pct, meets_target.
 */
export const availabilityBySiteSql = `WITH period AS (
  SELECT tstzrange($__timeFrom()::timestamptz, $__timeTo()::timestamptz) AS p
), ev AS (
  SELECT device, offline, at, lead(at) OVER (PARTITION BY device ORDER BY at, id) AS next_at
    FROM mnt_device_status
   WHERE site IN (\${site:sqlstring}) AND at < $__timeTo()::timestamptz
), outage AS (
  SELECT device, range_agg(tstzrange(at, coalesce(next_at, 'infinity'))) * (SELECT tstzmultirange(p) FROM period) AS m
    FROM ev
   WHERE offline
   GROUP BY device
), blk AS (
  SELECT b.site, b.id, b.parent, b.capacity_kwh,
         (SELECT coalesce(sum(coalesce(s.capacity_kwh, 0)), 0) FROM device s
           WHERE s.parent = b.id AND s.profile = 'batteryString') AS string_sum,
         (SELECT count(*) FROM device s WHERE s.parent = b.id AND s.profile = 'batteryString') AS n
    FROM device b
   WHERE b.profile = 'bessBlock' AND b.site IN (\${site:sqlstring})
), blk2 AS (
  SELECT blk.*,
         CASE WHEN capacity_kwh > 0 THEN capacity_kwh WHEN string_sum > 0 THEN string_sum ELSE 1 END AS cap,
         coalesce((SELECT range_agg(r) FROM outage o, unnest(o.m) r WHERE o.device IN (blk.id, blk.parent)),
                  '{}'::tstzmultirange) AS whole
    FROM blk
), strd AS (
  SELECT b.id AS block,
         sum(CASE WHEN b.string_sum > 0 THEN least(1, coalesce(s.capacity_kwh, 0) / b.cap) ELSE 1.0 / b.n END
             * (SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r))), 0) FROM unnest(o.m - b.whole) r)) AS secs
    FROM blk2 b
    JOIN device s ON s.parent = b.id AND s.profile = 'batteryString'
    JOIN outage o ON o.device = s.id
   GROUP BY b.id
), blka AS (
  SELECT b.site, b.cap,
         least((SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r))), 0) FROM unnest(b.whole) r)
               + coalesce(sd.secs, 0), extract(epoch FROM upper(p) - lower(p))) AS down_s,
         extract(epoch FROM upper(p) - lower(p)) AS t_s
    FROM blk2 b
    LEFT JOIN strd sd ON sd.block = b.id
   CROSS JOIN period
)
SELECT site,
       100 * sum(cap * (1 - down_s / t_s)) / sum(cap) AS availability_pct,
       sum(cap * down_s) / sum(cap) / 3600 AS downtime_h,
       $target::float8 AS target_pct,
       100 * sum(cap * (1 - down_s / t_s)) / sum(cap) >= $target::float8 AS meets_target
  FROM blka
 GROUP BY site
 ORDER BY site`;

/**
 * Revenue and SLA per site: energy ({@link energyBySiteSql}), net revenue at `$price` EUR/MWh, availability
 * against `$target` % ({@link availabilityBySiteSql}), for every selected site (sites without blocks or without
 * data still get a row). Columns: site, discharged_mwh, charged_mwh, revenue_eur, availability_pct, target_pct,
 * shortfall_pct, sla.
 */
export const revenueSlaSql = `WITH e AS (${energyBySiteSql()}),
a AS (${availabilityBySiteSql})
SELECT s.code AS site,
       coalesce(e.discharged_kwh, 0) / 1000 AS discharged_mwh,
       coalesce(e.charged_kwh, 0) / 1000 AS charged_mwh,
       coalesce(e.net_kwh, 0) / 1000 * $price AS revenue_eur,
       coalesce(a.availability_pct, 100) AS availability_pct,
       $target::float8 AS target_pct,
       greatest(0, $target::float8 - coalesce(a.availability_pct, 100)) AS shortfall_pct,
       CASE WHEN coalesce(a.availability_pct, 100) >= $target::float8 THEN 'MET' ELSE 'MISSED' END AS sla
  FROM site s
  LEFT JOIN e ON e.site = s.code
  LEFT JOIN a ON a.site = s.code
 WHERE s.code IN (\${site:sqlstring})
 ORDER BY s.code`;

/** Metrics of the TMEIC PCS map (model/maps/pcs-tmeic.yaml) the TMEIC pack charts as temperatures. */
export const PCS_TEMPERATURES = [
  'igbtTemperature',
  'heatSinkTemperature',
  'cabinetTemperature',
  'transformerTemperature',
];

/** Sites with at least one block polled through the TMEIC PCS map, among the sites in `$allowed`. */
export const tmeicSitesSql = `SELECT DISTINCT d.site
  FROM device d
 WHERE d.profile = 'bessBlock' AND d.sources @> '[{"map": "pcs-tmeic"}]'::jsonb AND d.site IN (\${allowed:sqlstring})
 ORDER BY 1`;

/**
 * One metric of every TMEIC-mapped series (series.source->>'map' = 'pcs-tmeic') in the selected sites, per time
 * bucket: `agg` (max/avg/min) of the bucket, one series per "<device> <metric>".
 */
export const tmeicMetricSeriesSql = (metrics: string[], agg: 'max' | 'avg' | 'min' = 'max') => `SELECT
  $__timeGroupAlias(t.time, $__interval),
  s.device || ' ' || s.metric AS metric,
  ${agg}(t.value) AS value
  FROM telemetry t
  JOIN series s ON s.id = t.series_id
  JOIN device d ON d.id = s.device
 WHERE s.source ->> 'map' = 'pcs-tmeic' AND s.metric IN (${metrics.map((m) => `'${m}'`).join(', ')})
   AND d.site IN (\${site:sqlstring}) AND $__timeFilter(t.time)
 GROUP BY 1, 2
 ORDER BY 1, 2`;

/** Latest PCS temperatures and DC link per TMEIC-mapped block (one row per block), from the latest-values table. */
export const tmeicLatestSql = `SELECT d.site, s.device,
       max(l.value) FILTER (WHERE s.metric = 'igbtTemperature') AS igbt_c,
       max(l.value) FILTER (WHERE s.metric = 'heatSinkTemperature') AS heat_sink_c,
       max(l.value) FILTER (WHERE s.metric = 'cabinetTemperature') AS cabinet_c,
       max(l.value) FILTER (WHERE s.metric = 'transformerTemperature') AS transformer_c,
       max(l.value) FILTER (WHERE s.metric = 'dcLinkVoltage') AS dc_link_v,
       max(l.value) FILTER (WHERE s.metric = 'dcLinkCurrent') AS dc_link_a,
       max(l.time) AS time
  FROM series s
  JOIN device d ON d.id = s.device
  JOIN latest l ON l.series_id = s.id
 WHERE s.source ->> 'map' = 'pcs-tmeic' AND d.site IN (\${site:sqlstring})
 GROUP BY d.site, s.device
 ORDER BY d.site, s.device`;

/** Alarms and warnings of TMEIC PCS status registers overlapping the range (events v2), newest first. */
export const tmeicAlarmsSql = `SELECT e.raised_at AS time, e.site, e.device, e.register, e.bit, e.bit_name, e.severity,
       e.cleared_at,
       extract(epoch FROM coalesce(e.cleared_at, now()) - e.raised_at)::float8 AS duration_s,
       e.cleared_at IS NULL AS active
  FROM events e
 WHERE e.map = 'pcs-tmeic' AND e.site IN (\${site:sqlstring})
   AND e.raised_at < $__timeTo()::timestamptz AND coalesce(e.cleared_at, 'infinity') > $__timeFrom()::timestamptz
 ORDER BY e.raised_at DESC
 LIMIT 1000`;

/** TMEIC PCS events per site and severity in the range (bar chart of alarms across sites). */
export const tmeicAlarmCountsSql = `SELECT e.site,
       count(*) FILTER (WHERE e.severity = 'ALARM')::int AS alarms,
       count(*) FILTER (WHERE e.severity = 'WARNING')::int AS warnings
  FROM events e
 WHERE e.map = 'pcs-tmeic' AND e.site IN (\${site:sqlstring})
   AND e.raised_at < $__timeTo()::timestamptz AND coalesce(e.cleared_at, 'infinity') > $__timeFrom()::timestamptz
 GROUP BY e.site
 ORDER BY e.site`;

/** Every SQL statement of the dashboards by name (the SQL test runs each one). */
export const ALL_SQL: Record<string, string> = {
  energyBySite: energyBySiteSql(),
  dailyRevenue: dailyRevenueSql,
  availabilityBySite: availabilityBySiteSql,
  revenueSla: revenueSlaSql,
  tmeicSites: tmeicSitesSql,
  tmeicTemperatures: tmeicMetricSeriesSql(PCS_TEMPERATURES),
  tmeicDcLink: tmeicMetricSeriesSql(['dcLinkVoltage']),
  tmeicLatest: tmeicLatestSql,
  tmeicAlarms: tmeicAlarmsSql,
  tmeicAlarmCounts: tmeicAlarmCountsSql,
};
