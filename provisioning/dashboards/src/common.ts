/**
 * Building blocks of the provisioned dashboards: datasource references (the uids of
 * provisioning/datasources/openbess.yaml), typed query builders for the OpenBESS datasource and Grafana's
 * PostgreSQL datasource, template variables, status colours and links between dashboards.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { QueryRequestBody } from '../../../model/src/api/query';

/** The OpenBESS API datasource (`openbess-telemetry-datasource`, uid in provisioning/datasources/openbess.yaml). */
export const OPENBESS_DS: common.DataSourceRef = { type: 'openbess-telemetry-datasource', uid: 'openbess-api' };
/** The same TimescaleDB through Grafana's PostgreSQL datasource (backend; SQL panels and alerting). */
export const POSTGRES_DS: common.DataSourceRef = { type: 'grafana-postgresql-datasource', uid: 'openbess-tsdb' };

/** Dashboard uids (stable: data links and deep links use them). */
export const UID = {
  siteOverview: 'openbess-site-overview',
  deviceDetail: 'openbess-device-detail',
  commissioning: 'openbess-commissioning',
  faults: 'openbess-faults',
  revenueSla: 'openbess-revenue-sla',
  enkaPortfolio: 'openbess-enka-portfolio',
  tmeicPcs: 'openbess-tmeic-pcs',
} as const;

/** Tag every OpenBESS dashboard carries (the dashboards' link menu lists them by it). */
export const TAG = 'openbess';

type Distribute<T> = T extends unknown ? Omit<T, 'refId'> : never;

/**
 * A target of the OpenBESS datasource: one `POST /api/query` query (model/src/api/query.ts) without its refId,
 * in its input form (one value where a list is allowed), with template variables allowed in every string, plus
 * the datasource's own fields (live mode).
 */
export type BessTarget = Distribute<QueryRequestBody['queries'][number]> & {
  /** Live mode: poll `latest` every `liveIntervalSec` seconds and stream (datasource-plugin/src/live.ts). */
  live?: boolean;
  liveIntervalSec?: number;
};

/** Builds one target of the OpenBESS datasource. */
export class BessQuery implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly refId: string,
    private readonly target: BessTarget
  ) {}

  build(): cog.Dataquery {
    return { refId: this.refId, datasource: OPENBESS_DS, ...this.target } as unknown as cog.Dataquery;
  }
}

/** `bess('A', { queryType: 'latest', … })`: shorthand for {@link BessQuery}. */
export const bess = (refId: string, target: BessTarget): BessQuery => new BessQuery(refId, target);

/** Answer format of a Grafana SQL query. */
export type SqlFormat = 'time_series' | 'table';

/** Builds one raw-SQL target of Grafana's PostgreSQL datasource (code editor mode). */
export class SqlQuery implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly refId: string,
    private readonly rawSql: string,
    private readonly format: SqlFormat
  ) {}

  build(): cog.Dataquery {
    return {
      refId: this.refId,
      datasource: POSTGRES_DS,
      editorMode: 'code',
      rawQuery: true,
      format: this.format,
      rawSql: this.rawSql,
    } as unknown as cog.Dataquery;
  }
}

/** `sql('A', 'SELECT …', 'table')`: shorthand for {@link SqlQuery}. */
export const sql = (refId: string, rawSql: string, format: SqlFormat = 'table'): SqlQuery =>
  new SqlQuery(refId, rawSql, format);

/**
 * `site` from the OpenBESS datasource's `variable` query: the API lists only the sites the Grafana user is
 * granted (collector/src/api/query/variable.ts), so the picker never offers another owner's site.
 */
export function siteVariable(
  opts: { multi?: boolean; name?: string; hide?: boolean } = {}
): dashboard.QueryVariableBuilder {
  const v = new dashboard.QueryVariableBuilder(opts.name ?? 'site')
    .label('Site')
    .description('Sites you may see (listed by the OpenBESS API from your grants)')
    .datasource(OPENBESS_DS)
    .query({ refId: 'site', variable: 'sites' })
    .definition('sites')
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .allowCustomValue(false);
  if (opts.multi) v.multi(true).includeAll(true);
  if (opts.hide) v.hide(dashboard.VariableHide.HideVariable);
  return v;
}

/** A variable listing devices of `$site` (optionally of one profile), from the OpenBESS datasource. */
export function deviceVariable(
  name: string,
  opts: { label: string; profile?: string; regex?: string; multi?: boolean; hide?: boolean }
): dashboard.QueryVariableBuilder {
  const v = new dashboard.QueryVariableBuilder(name)
    .label(opts.label)
    .datasource(OPENBESS_DS)
    .query({ refId: name, variable: 'devices', site: '$site', ...(opts.profile ? { profile: opts.profile } : {}) })
    .definition(`devices of $site${opts.profile ? ` (${opts.profile})` : ''}`)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .allowCustomValue(false);
  if (opts.regex) v.regex(opts.regex);
  if (opts.multi) v.multi(true).includeAll(true);
  if (opts.hide) v.hide(dashboard.VariableHide.HideVariable);
  return v;
}

/** A free-text number variable (price, target) with a default. */
export const numberVariable = (name: string, label: string, value: string, description: string) =>
  new dashboard.TextBoxVariableBuilder(name)
    .label(label)
    .description(description)
    .defaultValue(value)
    .current({ text: value, value });

/** Grafana theme colours of the bit / scan states (red alarm, amber warning, green OK — issue 4 §2). */
export const STATE_COLOURS: Record<string, string> = {
  OK: 'green',
  INFO: 'blue',
  WARNING: 'orange',
  ALARM: 'red',
  NO_DATA: 'text',
};

/** Value mappings colouring a state column: OK/INFO/WARNING/ALARM/NO_DATA and the scans' missing/offline states. */
export function stateMappings(): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  let i = 0;
  const add = (value: string, color: string, text?: string) =>
    (options[value] = { color, index: i++, ...(text ? { text } : {}) });
  for (const [state, color] of Object.entries(STATE_COLOURS))
    add(state, color, state === 'NO_DATA' ? 'no data' : state);
  add('MISSING', 'red');
  add('STALE', 'orange');
  add('OFFLINE', 'purple');
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

/** Table cell display: background coloured by the value mapping (the state column of scans and events). */
export const colouredCell = { type: 'color-background', mode: 'basic' };

/** Severity column overrides: coloured background with the state mappings. */
export const stateColumn = (name: string) => ({
  matcher: { id: 'byName', options: name },
  properties: [
    { id: 'mappings', value: stateMappings() },
    { id: 'custom.cellOptions', value: colouredCell },
  ],
});

/** Data link to the Device detail dashboard for the row's device (`${__data.fields.<field>}`), time kept. */
export function deviceDetailLink(deviceField: string, siteExpr = '${site}'): dashboard.DashboardLink {
  return {
    title: 'Device detail ${__data.fields.' + deviceField + '}',
    type: dashboard.DashboardLinkType.Link,
    url: `/d/${UID.deviceDetail}/device-detail?var-site=${siteExpr}&var-device=\${__data.fields.${deviceField}}&\${__url_time_range}`,
    icon: 'external link',
    tooltip: 'Open the device',
    tags: [],
    asDropdown: false,
    targetBlank: false,
    includeVars: false,
    keepTime: true,
  };
}

/**
 * Data link to the maintenance app's "request from alarm" page (issue 6 §7) for an events-table row: opens a REQUEST
 * prefilled with the row's site, device, alarm (bit name), severity, raise time and event id.
 */
export function workOrderFromEventLink(): dashboard.DashboardLink {
  const f = (name: string) => '${__data.fields.' + name + ':percentencode}';
  return {
    title: 'Create work order',
    type: dashboard.DashboardLinkType.Link,
    url:
      '/a/openbess-maintenance-app/work-orders/from-alarm?site=' +
      f('site') +
      '&device=' +
      f('device') +
      '&alarm=' +
      f('bitName') +
      '&severity=' +
      f('severity') +
      '&eventId=' +
      f('id') +
      '&time=' +
      f('raisedAt'),
    icon: 'external link',
    tooltip: 'File a maintenance request for this alarm',
    tags: [],
    asDropdown: false,
    targetBlank: false,
    includeVars: false,
    keepTime: false,
  };
}

/** Dashboard link menu: every OpenBESS dashboard, variables and time range carried over. */
export const dashboardsMenu = () =>
  new dashboard.DashboardLinkBuilder('OpenBESS')
    .type(dashboard.DashboardLinkType.Dashboards)
    .tags([TAG])
    .asDropdown(true)
    .includeVars(true)
    .keepTime(true);

/** Transformation: keep rows whose `field` matches `regex`. */
export const filterRows = (field: string, regex: string): dashboard.DataTransformerConfig => ({
  id: 'filterByValue',
  options: {
    type: 'include',
    match: 'any',
    filters: [{ fieldName: field, config: { id: 'regex', options: { value: regex } } }],
  },
});

/** Transformation: keep, order and rename fields (Grafana's `organize`). */
export const organize = (
  order: string[],
  rename: Record<string, string> = {},
  exclude: string[] = []
): dashboard.DataTransformerConfig => ({
  id: 'organize',
  options: {
    indexByName: Object.fromEntries(order.map((f, i) => [f, i])),
    renameByName: rename,
    excludeByName: Object.fromEntries(exclude.map((f) => [f, true])),
  },
});

/** Thresholds: one base colour. */
export const single = (color: string) =>
  new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null as unknown as number, color }]);

/** Thresholds: red below `target`, green from it (availability against the contract target). */
export const targetThresholds = (target: number) =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null as unknown as number, color: 'red' },
    { value: target - 0.5, color: 'orange' },
    { value: target, color: 'green' },
  ]);

/** A text panel (notes about what a panel computes and where from). */
export const note = (title: string, content: string, h = 3, w = 24) =>
  new dashboard.PanelBuilder()
    .type('text')
    .title(title)
    .height(h)
    .span(w)
    .options({
      mode: 'markdown',
      content,
      code: { language: 'plaintext', showLineNumbers: false, showMiniMap: false },
    });

/** Table sort state: by a field's display name. */
export const sortBy = (displayName: string, desc = false) =>
  new common.TableSortByFieldStateBuilder().displayName(displayName).desc(desc);
