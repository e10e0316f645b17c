/**
 * The query contract of `POST /api/query` (issue 3, "Interfaces other parts rely on"): Grafana's own
 * `/api/ds/query` request shape `{ from, to, queries: [{ refId, queryType, maxDataPoints, intervalMs, … }] }`
 * (times in epoch ms as numbers or digit strings) answered with its response shape
 * `{ results: { <refId>: { frames: [...] } } }`, frames in Grafana's data-frame JSON (`schema` + `data.values`).
 *
 * Pure (zod + model vocabulary, no node APIs): shared by the API (collector) and the datasource plugin, which
 * imports the types only.
 */
import { z } from 'zod';
import { DEVICE_PROFILES, SITE_CODE } from '../deviceId';

/** Query types the API answers. */
export const QUERY_TYPES = [
  'timeseries',
  'latest',
  'tree',
  'catalog',
  'variable',
  'status',
  'scan',
  'events',
  'faults',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/** Most queries in one request. */
export const MAX_QUERIES = 20;
/** Most (device, metric) pairs in one `timeseries` query (issue 3: multi-select up to 8 series). */
export const MAX_SERIES = 8;
/** Upper bound for `maxDataPoints`. */
export const MAX_DATA_POINTS = 10000;
/** Earliest accepted time, 2000-01-01T00:00:00Z in epoch ms (guards against seconds sent as ms). */
export const MIN_TIME_MS = 946684800000;
/** Latest accepted time, 2100-01-01T00:00:00Z in epoch ms. */
export const MAX_TIME_MS = 4102444800000;

/** Epoch milliseconds given as a number or a string of digits (Grafana sends strings); parses to a number. */
export const epochMs = z
  .union([z.number(), z.string().regex(/^\d{1,16}$/)], {
    error: 'must be epoch milliseconds (a number or a string of digits)',
  })
  .transform(Number)
  .pipe(
    z
      .number()
      .int('must be an integer number of epoch milliseconds')
      .min(MIN_TIME_MS, 'must not be before 2000-01-01 (epoch milliseconds expected)')
      .max(MAX_TIME_MS, 'must not be after 2100-01-01')
  );

/** Device ids (deviceId.ts): site code followed by hierarchy segments, e.g. FI006ES1BK1BS3. */
export const deviceIdSchema = z
  .string()
  .max(40)
  .regex(/^[A-Z]{2}[0-9]{3}[A-Z0-9]*$/, 'device ids look like FI006ES1BK1BS3');
/** camelCase metric names (metrics.ts). */
export const metricNameSchema = z
  .string()
  .max(64)
  .regex(/^[a-z][A-Za-z0-9]*$/, 'metric names are camelCase');
/** Site codes such as FI006. */
export const siteCodeSchema = z.string().regex(SITE_CODE, 'site codes look like FI006');
const profileSchema = z.enum(DEVICE_PROFILES);

/** One value or a non-empty list of at most `max` values; parses to a list. */
const oneOrMany = <T extends z.ZodType>(s: T, max: number) =>
  z.union([s, z.array(s).min(1).max(max)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const base = {
  refId: z.string().min(1).max(64),
  maxDataPoints: z.number().int().min(1).max(MAX_DATA_POINTS).optional(),
  intervalMs: z.number().min(0).max(MAX_TIME_MS).optional(),
  hide: z.boolean().optional(),
};

/** One (device, metric) pair of a `timeseries` query. */
export const seriesRefSchema = z.object({ device: deviceIdSchema, metric: metricNameSchema });

/** `timeseries`: up to {@link MAX_SERIES} (device, metric) pairs over the request's range. */
export const timeseriesQuerySchema = z.object({
  ...base,
  queryType: z.literal('timeseries'),
  series: z.array(seriesRefSchema).min(1).max(MAX_SERIES),
});

/** `latest`: latest value per (device, metric), filtered by site(s), devices and metrics. */
export const latestQuerySchema = z.object({
  ...base,
  queryType: z.literal('latest'),
  site: oneOrMany(siteCodeSchema, 100).optional(),
  devices: z.array(deviceIdSchema).max(2000).optional(),
  metrics: z.array(metricNameSchema).max(200).optional(),
});

/** `tree`: the device tree of one site with inline values. */
export const treeQuerySchema = z.object({
  ...base,
  queryType: z.literal('tree'),
  site: siteCodeSchema,
});

/** `catalog`: metrics per profile with unit and source register. */
export const catalogQuerySchema = z.object({
  ...base,
  queryType: z.literal('catalog'),
  profile: profileSchema.optional(),
  site: siteCodeSchema.optional(),
  device: deviceIdSchema.optional(),
});

/** Lists the `variable` query type serves. */
export const VARIABLE_KINDS = ['sites', 'blocks', 'strings', 'devices', 'metrics'] as const;
export type VariableKind = (typeof VARIABLE_KINDS)[number];

/** `variable`: values for template variables (sites, blocks of sites, strings of blocks, devices, metrics). */
export const variableQuerySchema = z.object({
  ...base,
  queryType: z.literal('variable'),
  variable: z.enum(VARIABLE_KINDS),
  site: oneOrMany(siteCodeSchema, 100).optional(),
  block: oneOrMany(deviceIdSchema, 100).optional(),
  profile: profileSchema.optional(),
  device: oneOrMany(deviceIdSchema, 100).optional(),
});

/** Most devices one `status` query answers (the `large` site has 240 strings). */
export const MAX_STATUS_DEVICES = 2000;

/**
 * `status` (issue 4): every status register (bitfield point of the device's maps) of the devices, one row per
 * (device, register, bit) with raw value, hex, bit value, expected value and state. Devices are given by id
 * (`devices`) or as every device of a `profile` in a `site` (optionally one `block`); `registers` narrows to
 * some bitfield metrics.
 */
export const statusQuerySchema = z
  .object({
    ...base,
    queryType: z.literal('status'),
    devices: z.array(deviceIdSchema).min(1).max(MAX_STATUS_DEVICES).optional(),
    site: siteCodeSchema.optional(),
    block: deviceIdSchema.optional(),
    profile: profileSchema.optional(),
    registers: z.array(metricNameSchema).max(50).optional(),
  })
  .superRefine((q, ctx) => {
    if (!q.devices && !q.site && !q.block)
      ctx.addIssue({
        code: 'custom',
        path: ['devices'],
        message: 'give `devices`, or `site` (or `block`) and `profile`',
      });
    if (!q.devices && (q.site || q.block) && !q.profile)
      ctx.addIssue({
        code: 'custom',
        path: ['profile'],
        message: '`site`/`block` need a `profile` (e.g. batteryString)',
      });
  });

/** Scans of the `scan` query type. */
export const SCAN_KINDS = ['stringStatus', 'blockStatus', 'missingStrings', 'missingBlocks'] as const;
export type ScanKind = (typeof SCAN_KINDS)[number];

/** `scan` (issue 4): one row per battery string or block of the site(s), with a `status` column. */
export const scanQuerySchema = z.object({
  ...base,
  queryType: z.literal('scan'),
  site: oneOrMany(siteCodeSchema, 100),
  scan: z.enum(SCAN_KINDS),
});

/** Severities of status bits (model/src/maps/types.ts `Severity`). */
export const severitySchema = z.enum(['OK', 'INFO', 'WARNING', 'ALARM']);

/** Answer formats of `events`: Grafana annotations (time, timeEnd, title, text, tags) or a table. */
export const EVENT_FORMATS = ['annotations', 'table'] as const;

/**
 * `events` (issue 4): bit transitions recorded by the collector (raised → cleared) overlapping the request's
 * range, for sites and/or devices (all visible sites when neither is given); `minSeverity` (default INFO)
 * and `active` (only events still open) filter.
 */
export const eventsQuerySchema = z.object({
  ...base,
  queryType: z.literal('events'),
  site: oneOrMany(siteCodeSchema, 100).optional(),
  devices: z.array(deviceIdSchema).max(MAX_STATUS_DEVICES).optional(),
  format: z.enum(EVENT_FORMATS).default('annotations'),
  minSeverity: severitySchema.optional(),
  active: z.boolean().optional(),
  limit: z.number().int().min(1).max(10000).optional(),
});

/** Views of `faults`: the timeline, MTTR per device, MTTR per (register, bit), top offenders. */
export const FAULT_VIEWS = ['timeline', 'mttrByDevice', 'mttrByBit', 'topOffenders'] as const;
export type FaultView = (typeof FAULT_VIEWS)[number];

/**
 * `faults` (issue 4, Faults & trips): events of severity ≥ `minSeverity` (default WARNING) raised in the range,
 * as a timeline with durations, or aggregated: MTTR (mean time to repair = mean duration of cleared events)
 * per device or per bit, top offenders (most events).
 */
export const faultsQuerySchema = z.object({
  ...base,
  queryType: z.literal('faults'),
  site: oneOrMany(siteCodeSchema, 100).optional(),
  devices: z.array(deviceIdSchema).max(MAX_STATUS_DEVICES).optional(),
  view: z.enum(FAULT_VIEWS).default('timeline'),
  minSeverity: severitySchema.optional(),
  limit: z.number().int().min(1).max(10000).optional(),
});

/** One query, discriminated by `queryType`. */
export const querySchema = z.discriminatedUnion('queryType', [
  timeseriesQuerySchema,
  latestQuerySchema,
  treeQuerySchema,
  catalogQuerySchema,
  variableQuerySchema,
  statusQuerySchema,
  scanQuerySchema,
  eventsQuerySchema,
  faultsQuerySchema,
]);

/** Body of `POST /api/query`; `to` must be after `from`, refIds unique. */
export const queryRequestSchema = z
  .object({
    from: epochMs,
    to: epochMs,
    queries: z.array(querySchema).min(1).max(MAX_QUERIES),
  })
  .superRefine((r, ctx) => {
    if (r.from >= r.to) ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` must be after `from`' });
    const seen = new Set<string>();
    r.queries.forEach((q, i) => {
      if (seen.has(q.refId)) {
        ctx.addIssue({ code: 'custom', path: ['queries', i, 'refId'], message: `duplicate refId "${q.refId}"` });
      }
      seen.add(q.refId);
    });
  });

export type SeriesRef = z.infer<typeof seriesRefSchema>;
export type TimeseriesQuery = z.infer<typeof timeseriesQuerySchema>;
export type LatestQuery = z.infer<typeof latestQuerySchema>;
export type TreeQuery = z.infer<typeof treeQuerySchema>;
export type CatalogQuery = z.infer<typeof catalogQuerySchema>;
export type VariableQuery = z.infer<typeof variableQuerySchema>;
export type StatusQuery = z.infer<typeof statusQuerySchema>;
export type ScanQuery = z.infer<typeof scanQuerySchema>;
export type EventsQuery = z.infer<typeof eventsQuerySchema>;
export type FaultsQuery = z.infer<typeof faultsQuerySchema>;
/** One parsed query (times as numbers, one-or-many fields as arrays). */
export type Query = z.infer<typeof querySchema>;
/** Alias of {@link Query}. */
export type ApiQuery = Query;
/** A parsed request (times are numbers, site/block/device lists are arrays). */
export type QueryRequest = z.infer<typeof queryRequestSchema>;
/** A request as a client sends it (times may be digit strings, one value where a list is allowed). */
export type QueryRequestBody = z.input<typeof queryRequestSchema>;
/** Alias of {@link QueryRequestBody}. */
export type QueryRequestInput = QueryRequestBody;

/** Grafana field types used in frames. */
export type FieldType = 'time' | 'number' | 'string' | 'boolean' | 'other';

/** Schema of one field in Grafana's data-frame JSON. */
export interface FieldSchemaJSON {
  name: string;
  type: FieldType;
  /** Go/SDK type info, e.g. `{ frame: 'time.Time', nullable: true }`. */
  typeInfo?: { frame: string; nullable?: boolean };
  labels?: Record<string, string>;
  /** Grafana field config: `unit`, `displayNameFromDS`, `custom.axisPlacement` … */
  config?: FieldConfigJSON;
}

/** Field config (Grafana FieldConfig subset). `unit` is a Grafana unit id (kwatt, percent, celsius …). */
export interface FieldConfigJSON {
  unit?: string;
  displayNameFromDS?: string;
  decimals?: number;
  custom?: { axisPlacement?: 'left' | 'right' | 'auto' | 'hidden'; [k: string]: unknown };
  [k: string]: unknown;
}

/** A data frame in Grafana's JSON wire form: `data.values[i]` is the column of `schema.fields[i]`. */
export interface DataFrameJSON {
  schema: { name?: string; refId?: string; meta?: Record<string, unknown>; fields: FieldSchemaJSON[] };
  data: { values: unknown[][] };
}

/** The answer for one refId: frames, or an error with its HTTP-like status (Grafana's DataResponse). */
export interface QueryResult {
  status: number;
  frames?: DataFrameJSON[];
  error?: string;
}

/**
 * Body of a `POST /api/query` answer: frames (or an error) per refId. HTTP status: 200 when every
 * query succeeded; when all failed with one status, that status; otherwise 207 Multi-Status.
 */
export interface QueryResponse {
  results: Record<string, QueryResult>;
}
