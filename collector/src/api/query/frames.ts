import { axisOf, type DataFrameJSON, type FieldSchemaJSON, type FieldType } from '@openbess/model';

/**
 * Engineering unit (model/src/metrics.ts) → Grafana unit id (packages/grafana-data valueFormats
 * categories, as listed in @grafana/grafana-foundation-sdk `units`): kW `kwatt`, kVAr `kvoltampreact`,
 * kVA `kvoltamp`, kWh `kwatth`, Hz `hertz`, % `percent`, V `volt`, A `amp`, °C `celsius`, ppm `ppm`,
 * m/s `velocityms`, W/m² `Wm2`; dimensionless `none`.
 */
const GRAFANA_UNITS: Record<string, string> = {
  kW: 'kwatt',
  kVAr: 'kvoltampreact',
  kVA: 'kvoltamp',
  kWh: 'kwatth',
  Hz: 'hertz',
  '%': 'percent',
  V: 'volt',
  A: 'amp',
  '°C': 'celsius',
  ppm: 'ppm',
  'm/s': 'velocityms',
  'W/m²': 'Wm2',
  '': 'none',
};

/** Grafana unit id for an engineering unit; unknown units become Grafana's custom `suffix:<unit>`. */
export function grafanaUnit(unit: string): string {
  return GRAFANA_UNITS[unit] ?? `suffix:${unit}`;
}

/** A column of a frame: schema and values together while building. */
export interface Column {
  field: FieldSchemaJSON;
  values: unknown[];
}

/** A time column (epoch ms). */
export const timeColumn = (name: string, values: (number | null)[]): Column => ({
  field: { name, type: 'time', typeInfo: { frame: 'time.Time', nullable: true }, config: {} },
  values,
});

/** A plain column of a type. */
export const column = (
  name: string,
  type: FieldType,
  values: unknown[],
  config: FieldSchemaJSON['config'] = {}
): Column => ({
  field: { name, type, config },
  values,
});

/**
 * A numeric value field of one series, with Grafana field config: unit (Grafana id), display name
 * "<device> <metric>", axis placement (power left, everything else right — `axisOf`, issue 3) and
 * labels {site, device, metric}.
 */
export function seriesValueColumn(
  s: { site: string; device: string; metric: string; unit: string },
  values: (number | null)[]
): Column {
  return {
    field: {
      name: 'value',
      type: 'number',
      typeInfo: { frame: 'float64', nullable: true },
      labels: { site: s.site, device: s.device, metric: s.metric },
      config: {
        unit: grafanaUnit(s.unit),
        displayNameFromDS: `${s.device} ${s.metric}`,
        custom: { axisPlacement: axisOf(s.unit) },
      },
    },
    values,
  };
}

/** Assembles a data frame in Grafana's JSON wire form from columns of equal length. */
export function frame(
  name: string,
  refId: string,
  columns: Column[],
  meta?: DataFrameJSON['schema']['meta']
): DataFrameJSON {
  return {
    schema: { name, refId, ...(meta ? { meta } : {}), fields: columns.map((c) => c.field) },
    data: { values: columns.map((c) => c.values) },
  };
}
