/**
 * Panel options and the scene model of the 3D site panel. The scene model is what the data frames are
 * converted into (`data.ts`) and what the pure layout / colour / aggregation modules work on; nothing in
 * here touches WebGL.
 */

/** The five metrics of the 3D view (toggle buttons), keyed by a short id. */
export type MetricKey = 'power' | 'soc' | 'tempMax' | 'tempMin' | 'dcVoltage';

/** Bar per battery string, or one aggregated bar per block. */
export type ViewMode = 'string' | 'block';

/** Metric values of one device; `null` = no value in the data. Power follows the generator sign (+ discharge). */
export type MetricValues = Record<MetricKey, number | null>;

/** A battery string of the site tree with its latest values. */
export interface StringModel {
  /** Device id, e.g. `FI006ES1BK1BS3`. */
  id: string;
  name: string;
  /** String number within its block (1-based). */
  string: number;
  /** Nameplate energy, kWh (weights the SOC mean of its block). */
  capacityKwh: number | null;
  values: MetricValues;
  /** Time of the latest value, epoch ms, or null when unknown. */
  time: number | null;
  /** Offline flag from the data (the API's `isOffline`: maintenance status, or no data — see `stale`). */
  offline: boolean;
  /**
   * Flagged stale by the data: the API's `isOffline` with reason `no data` (no value for 3 poll intervals,
   * collector/src/api/query/tree.ts). Drawn as stale (values known but old), not as offline.
   */
  stale?: boolean;
  /** Why the device is offline / stale (`offlineReason`), when the data says. */
  reason?: string | null;
}

/** A BESS block (container) with its strings. */
export interface BlockModel {
  id: string;
  name: string;
  /** Block number (1-based). */
  block: number;
  /** Rated AC power, kW: top of the power colour scale. */
  ratedPowerKw: number | null;
  capacityKwh: number | null;
  /** The block device's own values (used when it has no strings in the data). */
  values: MetricValues;
  time: number | null;
  offline: boolean;
  /** See {@link StringModel.stale}. */
  stale?: boolean;
  reason?: string | null;
  strings: StringModel[];
}

/** The site as the panel shows it. */
export interface SiteModel {
  /** Site code or name shown on the transformer. */
  site: string;
  /** Device id of the BESS controller / point of connection (the transformer), if present. */
  transformerId: string | null;
  blocks: BlockModel[];
}

/** Cell arrays of one battery string (SunSpec 805-style `cellVoltages` / `cellTemperatures`). */
export interface CellData {
  device: string;
  voltages: number[] | null;
  temperatures: number[] | null;
  time: number | null;
}

/** Which frame fields drive what; any frame with these fields works, not only our datasource's `tree`. */
export interface FieldMapping {
  idField: string;
  parentField: string;
  profileField: string;
  nameField: string;
  blockField: string;
  stringField: string;
  powerField: string;
  socField: string;
  tempMaxField: string;
  tempMinField: string;
  dcVoltageField: string;
  offlineField: string;
  offlineReasonField: string;
  timeField: string;
  capacityField: string;
  ratedPowerField: string;
  cellVoltagesField: string;
  cellTemperaturesField: string;
}

/** Options of the panel (panel editor). */
export interface Site3DOptions extends FieldMapping {
  metric: MetricKey;
  mode: ViewMode;
  autoRotate: boolean;
  /** Soft shadows and contact ambient occlusion; off for slow machines. */
  shadows: boolean;
  /** Link opened by a click on a bar; `${__device}`, `${__site}`, `${__profile}` and dashboard variables are replaced. */
  linkUrl: string;
  /** Expected update interval of the data, seconds (the collector's poll interval). */
  expectedIntervalSeconds: number;
  /** A value is stale when older than this many expected intervals. */
  staleIntervals: number;
  /** Top of the power scale, kW; 0 = from the block rating (string share in string mode). */
  powerMaxKw: number;
}

/** Defaults: the field names of the datasource's `tree` frame and of the `latest` cell frame. */
export const DEFAULT_FIELDS: FieldMapping = {
  idField: 'id',
  parentField: 'parent',
  profileField: 'profile',
  nameField: 'name',
  blockField: 'block',
  stringField: 'string',
  powerField: 'activePower',
  socField: 'stateOfCharge',
  tempMaxField: 'maxCellTemperature',
  tempMinField: 'minCellTemperature',
  dcVoltageField: 'dcVoltage',
  offlineField: 'isOffline',
  offlineReasonField: 'offlineReason',
  timeField: 'time',
  capacityField: 'capacityKwh',
  ratedPowerField: 'ratedPowerKw',
  cellVoltagesField: 'cellVoltages',
  cellTemperaturesField: 'cellTemperatures',
};

/** Default panel options. */
export const DEFAULT_OPTIONS: Site3DOptions = {
  ...DEFAULT_FIELDS,
  metric: 'power',
  mode: 'string',
  autoRotate: false,
  shadows: true,
  linkUrl: '/d/openbess-device-detail/device-detail?var-site=${__site}&var-device=${__device}',
  expectedIntervalSeconds: 5,
  staleIntervals: 3,
  powerMaxKw: 0,
};

/** An empty value record. */
export const emptyValues = (): MetricValues => ({
  power: null,
  soc: null,
  tempMax: null,
  tempMin: null,
  dcVoltage: null,
});
