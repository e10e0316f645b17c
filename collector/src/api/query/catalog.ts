import type { CatalogQuery, DataFrameJSON } from '@openbess/model';
import { column, frame } from './frames';
import { assertDevices, assertSites, siteFilter, type QueryContext } from './context';

interface CatalogRow {
  profile: string;
  metric: string;
  unit: string;
  kind: string;
  map: string | null;
  fn: string | null;
  address: number | null;
  type: string | null;
  scale: number | null;
  sf: string | null;
  sign: number | null;
  name: string | null;
  count: number | null;
  unit_id_min: number | null;
  unit_id_max: number | null;
  base_min: number | null;
  base_max: number | null;
  devices: number;
}

/**
 * `catalog`: the metrics of each device profile with unit and their source register — register-true
 * provenance from `series.source` as registered from the maps: map, Modbus unit id, base, address
 * (0-based wire address relative to the base), absolute wire address, function (holding/input),
 * type, scale, SunSpec scale-factor point, sign (vendor raw sign → generator convention) and point
 * name (SunSpec name where derived from SunSpec). One row per (profile, metric, source point); unit id
 * and base are given when all devices of the row share them (always for a `device` query), else
 * null with `unitIds` showing the range. Only series of visible sites are counted.
 * @throws HttpError 404/403 for a named site or device that is unknown or not granted
 */
export async function catalogQuery(ctx: QueryContext, q: CatalogQuery): Promise<DataFrameJSON[]> {
  if (q.site) await assertSites(ctx, [q.site]);
  if (q.device) await assertDevices(ctx, [q.device]);
  const r = await ctx.pool.query<CatalogRow>(
    `SELECT d.profile, s.metric, s.unit, s.kind,
            s.source->>'map' AS map, s.source->>'fn' AS fn, (s.source->>'address')::int AS address,
            s.source->>'type' AS type, (s.source->>'scale')::float8 AS scale, s.source->>'sf' AS sf,
            (s.source->>'sign')::int AS sign, s.source->>'name' AS name, (s.source->>'count')::int AS count,
            min((s.source->>'unitId')::int) AS unit_id_min, max((s.source->>'unitId')::int) AS unit_id_max,
            min((s.source->>'base')::int) AS base_min, max((s.source->>'base')::int) AS base_max,
            count(*)::int AS devices
       FROM series s
       JOIN device d ON d.id = s.device
      WHERE ($1::text[] IS NULL OR d.site = ANY($1::text[]))
        AND ($2::text IS NULL OR d.site = $2)
        AND ($3::text IS NULL OR d.profile = $3)
        AND ($4::text IS NULL OR d.id = $4)
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
      ORDER BY 1, 5 NULLS LAST, 7 NULLS LAST, 2`,
    [siteFilter(ctx.access), q.site ?? null, q.profile ?? null, q.device ?? null]
  );
  const rows = r.rows;
  const same = <T>(a: T | null, b: T | null): T | null => (a !== null && a === b ? a : null);
  const col = <K extends keyof CatalogRow>(k: K) => rows.map((x) => x[k]);
  return [
    frame(
      'catalog',
      q.refId,
      [
        column('profile', 'string', col('profile')),
        column('metric', 'string', col('metric')),
        column('unit', 'string', col('unit')),
        column('kind', 'string', col('kind')),
        column('map', 'string', col('map')),
        column(
          'unitId',
          'number',
          rows.map((x) => same(x.unit_id_min, x.unit_id_max))
        ),
        column(
          'unitIds',
          'string',
          rows.map((x) =>
            x.unit_id_min === null
              ? null
              : x.unit_id_min === x.unit_id_max
                ? `${x.unit_id_min}`
                : `${x.unit_id_min}–${x.unit_id_max}`
          )
        ),
        column(
          'base',
          'number',
          rows.map((x) => same(x.base_min, x.base_max))
        ),
        column('address', 'number', col('address')),
        column(
          'wireAddress',
          'number',
          rows.map((x) => {
            const b = same(x.base_min, x.base_max);
            return b === null || x.address === null ? null : b + x.address;
          })
        ),
        column('fn', 'string', col('fn')),
        column('type', 'string', col('type')),
        column('scale', 'number', col('scale')),
        column('sf', 'string', col('sf')),
        column('sign', 'number', col('sign')),
        column('name', 'string', col('name')),
        column('count', 'number', col('count')),
        column('devices', 'number', col('devices')),
      ],
      { preferredVisualisationType: 'table' }
    ),
  ];
}
