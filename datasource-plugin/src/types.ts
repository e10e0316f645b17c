import type { DataQuery, DataSourceJsonData } from '@grafana/data';
import type { FaultView, ScanKind, VariableKind } from '@openbess/model/src/api/query';

/**
 * Query types of the OpenBESS API (`POST /api/query`, model/src/api/query.ts) the query editor offers.
 * `events` also feeds annotations; `status` feeds the bitfield panel; `scan` and `faults` the site scans and the
 * Faults & trips dashboard (issue 4).
 */
export type BessQueryType = 'timeseries' | 'latest' | 'tree' | 'catalog' | 'events' | 'status' | 'scan' | 'faults';

/** One (device, metric) pair of a time-series query; both may contain template variables (`$string`). */
export interface SeriesSelection {
  device: string;
  metric: string;
}

/**
 * The datasource's query model (saved in dashboards). Every string field may contain template variables
 * (`$site`, `$block`, `$string`, multi-value included); multi-value variables expand to several series/devices.
 */
export interface BessQuery extends DataQuery {
  queryType?: BessQueryType;
  /** Site code (or `$site`): context of the device pickers; the scope of tree/latest/events queries. */
  site?: string;
  /** timeseries: up to {@link MAX_PICKED_SERIES} pairs. */
  series?: SeriesSelection[];
  /** latest / events: device ids. */
  devices?: string[];
  /** latest: metric names (all when empty). */
  metrics?: string[];
  /** catalog: device profile (e.g. batteryString) or one device; status: profile of the devices of `site`/`block`. */
  profile?: string;
  device?: string;
  /** status: every device of `profile` in this block (or `$block`). */
  block?: string;
  /** status: only these bitfield metrics (registers). */
  registers?: string[];
  /** scan: which scan (one row per string or block). */
  scan?: ScanKind;
  /** faults: timeline, MTTR by device / by bit, top offenders. */
  view?: FaultView;
  /** events: Grafana annotations (default) or a table. */
  format?: 'annotations' | 'table';
  /** events / faults: lowest severity listed (events default INFO, faults WARNING). */
  minSeverity?: 'INFO' | 'WARNING' | 'ALARM';
  /** events: only events still active. */
  active?: boolean;
  /** events / faults: most rows. */
  limit?: number;
  /** Live mode (timeseries, latest): poll `latest` every `liveIntervalSec` seconds and stream. */
  live?: boolean;
  /** Live poll interval in seconds (default {@link DEFAULT_LIVE_INTERVAL_SEC}). */
  liveIntervalSec?: number;
}

/** Query of a template variable (variable query editor). */
export interface BessVariableQuery extends DataQuery {
  variable: VariableKind;
  site?: string;
  block?: string;
  profile?: string;
  device?: string;
}

/** jsonData of the datasource: the API's base URL (the plugin.json route appends `/api`). */
export interface BessDataSourceOptions extends DataSourceJsonData {
  apiUrl?: string;
}

/** secureJsonData: the API bearer token (sent by Grafana's data proxy route, never to the browser). */
export interface BessSecureJsonData {
  apiToken?: string;
}

/** Issue 3: the query editor picks at most 8 series per query (the API's MAX_SERIES). */
export const MAX_PICKED_SERIES = 8;
/** Default live poll interval, seconds (issue 3: "polls `latest` every N s, default 5"). */
export const DEFAULT_LIVE_INTERVAL_SEC = 5;
/** Shortest live poll interval accepted, seconds. */
export const MIN_LIVE_INTERVAL_SEC = 1;

export const DEFAULT_QUERY: Partial<BessQuery> = {
  queryType: 'timeseries',
  series: [],
  live: false,
  liveIntervalSec: DEFAULT_LIVE_INTERVAL_SEC,
};

export const DEFAULT_VARIABLE_QUERY: Partial<BessVariableQuery> = { variable: 'sites' };
