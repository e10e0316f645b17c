/**
 * Page side of the harness: sets up Grafana's runtime services (backendSrv on fetch, a real template service,
 * a datasource service holding the plugin's datasource, app events, theme), imports module.js through SystemJS
 * (as Grafana's plugin loader does) and mounts the requested component.
 */
import React, { Suspense, type ComponentType } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import {
  CoreApp,
  createTheme,
  dataFrameToJSON,
  dateTime,
  EventBusSrv,
  ThemeContext,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type GrafanaTheme2,
  type TimeRange,
} from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';
import {
  config,
  locationService,
  setAppEvents,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  type BackendSrv,
  type DataSourceSrv,
  type TemplateSrv,
} from '@grafana/runtime';
import { firstValueFrom, isObservable, from as rxFrom, filter, take, timeout, type Observable } from 'rxjs';
import { SimpleBackendSrv } from '../runtime/backendSrv';
import { SimpleTemplateSrv, type SimpleVariable } from '../runtime/templateSrv';
import type { HarnessState, MountConfig } from '../types';
import { Route, Routes } from 'react-router';
import { ConfigEditorHost, ErrorBoundary, HistoryRouter, PanelHost, QueryEditorHost } from './hosts';
import { registerStandardEditors } from './optionEditors';

/** SystemJS as the page has it. */
export interface SystemLike {
  import(id: string): Promise<Record<string, unknown>>;
}

type AnyProps = Record<string, unknown>;
/** The plugin classes' members the harness uses (DataSourcePlugin / PanelPlugin / AppPlugin). */
interface LoadedPlugin {
  meta?: unknown;
  init?: (meta: unknown) => void;
  DataSourceClass?: new (settings: DataSourceInstanceSettings) => HarnessDatasourceApi;
  components: Record<string, ComponentType<AnyProps> | undefined>;
  panel?: ComponentType<AnyProps>;
  root?: ComponentType<AnyProps>;
  fieldConfigRegistry: unknown;
  defaults?: object;
  fieldConfigDefaults?: { defaults: object; overrides: unknown[] };
}
interface HarnessDatasourceApi {
  components?: unknown;
  meta?: unknown;
  variables?: { editor?: ComponentType<AnyProps>; getDefaultQuery?: () => AnyProps };
  getDefaultQuery?: (app: CoreApp) => AnyProps;
  query(request: DataQueryRequest): unknown;
  testDatasource?: () => Promise<unknown>;
  metricFindQuery?: (query: unknown, options?: unknown) => Promise<unknown>;
}

export const state: HarnessState = {
  mounted: false,
  errors: [],
  changes: [],
  current: undefined,
  runs: 0,
  requests: [],
  pending: 0,
  moduleExports: [],
  pluginClass: '',
};

let templateSrv = new SimpleTemplateSrv();
let datasource: HarnessDatasourceApi | undefined;
let range: TimeRange;
let root: Root | undefined;

function timeRangeOf(r: { from: number; to: number }): TimeRange {
  const from = dateTime(r.from);
  const to = dateTime(r.to);
  return { from, to, raw: { from, to } };
}

function datasourceSettings(cfg: MountConfig, meta: AnyProps): DataSourceInstanceSettings {
  return {
    id: 1,
    uid: cfg.datasource.uid,
    type: cfg.pluginMeta.id,
    name: cfg.datasource.name,
    meta: meta as never,
    jsonData: cfg.datasource.jsonData,
    // Grafana's data proxy URL for this datasource; the harness server emulates the proxy and its routes.
    url: `/api/datasources/proxy/uid/${cfg.datasource.uid}`,
    access: 'proxy',
    readOnly: false,
  } as DataSourceInstanceSettings;
}

function renderTarget(
  cfg: MountConfig,
  plugin: LoadedPlugin,
  meta: AnyProps,
  theme: GrafanaTheme2
): React.ReactElement {
  const props = cfg.props;
  const extra = (props.editorProps as AnyProps) ?? {};
  switch (cfg.render) {
    case 'queryEditor': {
      const editor = plugin.components.QueryEditor;
      if (!editor || !datasource) {
        throw new Error('plugin has no components.QueryEditor (not a DataSourcePlugin with setQueryEditor?)');
      }
      const initial = {
        refId: 'A',
        ...(datasource.getDefaultQuery?.(CoreApp.PanelEditor) ?? {}),
        ...(props.query as AnyProps),
      };
      return (
        <QueryEditorHost
          editor={editor}
          datasource={datasource}
          initial={initial}
          range={range}
          extra={extra}
          state={state}
        />
      );
    }
    case 'variableEditor': {
      const editor = datasource?.variables?.editor;
      if (!editor || !datasource) {
        throw new Error('datasource has no variables.editor (CustomVariableSupport)');
      }
      const initial = {
        refId: 'variable-query',
        ...(datasource.variables?.getDefaultQuery?.() ?? {}),
        ...(props.query as AnyProps),
      };
      return (
        <QueryEditorHost
          editor={editor}
          datasource={datasource}
          initial={initial}
          range={range}
          extra={extra}
          state={state}
        />
      );
    }
    case 'configEditor': {
      const editor = plugin.components.ConfigEditor;
      if (!editor) {
        throw new Error('plugin has no components.ConfigEditor');
      }
      const initial = {
        id: 1,
        uid: cfg.datasource.uid,
        orgId: 1,
        name: cfg.datasource.name,
        type: cfg.pluginMeta.id,
        typeName: cfg.pluginMeta.name,
        typeLogoUrl: `public/plugins/${cfg.pluginMeta.id}/img/logo.svg`,
        access: 'proxy',
        url: '',
        user: '',
        database: '',
        basicAuth: false,
        basicAuthUser: '',
        isDefault: true,
        jsonData: cfg.datasource.jsonData,
        secureJsonFields: cfg.datasource.secureJsonFields,
        readOnly: false,
        withCredentials: false,
        version: 1,
        ...(props.options as AnyProps),
      };
      return <ConfigEditorHost editor={editor} initial={initial} state={state} />;
    }
    case 'panel': {
      if (!plugin.panel) {
        throw new Error('plugin has no panel component (not a PanelPlugin?)');
      }
      const data = props.data as { series?: unknown[] } | undefined;
      return (
        <PanelHost
          panel={plugin.panel}
          plugin={plugin}
          frames={(data?.series ?? (props.series as unknown[]) ?? []) as never}
          options={(props.options as AnyProps) ?? {}}
          fieldConfig={props.fieldConfig as never}
          range={range}
          theme={theme}
          width={cfg.width}
          height={cfg.height}
          title={String(props.title ?? 'Panel')}
          replaceVariables={(v, sv, f) => templateSrv.replace(v, sv as never, f as never)}
          state={state}
        />
      );
    }
    case 'app': {
      const Root = plugin.root;
      if (!Root) {
        throw new Error('plugin has no root page (AppPlugin.setRootPage)');
      }
      const base = `/a/${cfg.pluginMeta.id}`;
      locationService.push(`${base}${cfg.appPath}`);
      return (
        <HistoryRouter>
          {/* Grafana 12 mounts app roots under the route `/a/:pluginId/*`, so the app's <Routes> are relative. */}
          <Routes>
            <Route
              path={`${base}/*`}
              element={
                <Root
                  {...props}
                  meta={meta}
                  basename={base}
                  onNavChanged={() => {}}
                  query={{}}
                  path={`${base}${cfg.appPath}`}
                />
              }
            />
          </Routes>
        </HistoryRouter>
      );
    }
    default:
      throw new Error(`unknown render target ${String(cfg.render)}`);
  }
}

/** Sets up Grafana's services, imports module.js through SystemJS and renders `cfg.render` into #root. */
export async function mount(cfg: MountConfig, system: SystemLike): Promise<void> {
  registerStandardEditors();
  const theme = createTheme({ colors: { mode: cfg.theme } });
  config.theme2 = theme;
  config.theme = theme.v1;
  range = timeRangeOf(cfg.timeRange);

  const backendSrv = new SimpleBackendSrv();
  state.requests = backendSrv.requests;
  Object.defineProperty(state, 'pending', { get: () => backendSrv.pending, enumerable: true, configurable: true });
  setBackendSrv(backendSrv as unknown as BackendSrv);
  templateSrv = new SimpleTemplateSrv(cfg.variables);
  templateSrv.updateTimeRange(range);
  setTemplateSrv(templateSrv as unknown as TemplateSrv);
  setAppEvents(new EventBusSrv());

  let mod: Record<string, unknown>;
  try {
    mod = await system.import(cfg.moduleUrl);
  } catch (e) {
    state.errors.push(`import ${cfg.moduleUrl}: ${(e as Error).message ?? e}`);
    throw e;
  }
  state.moduleExports = Object.keys(mod);
  const plugin = mod.plugin as LoadedPlugin;
  state.pluginClass = (plugin as object | undefined)?.constructor?.name ?? '';
  const id = cfg.pluginMeta.id;
  const meta: AnyProps = {
    ...cfg.pluginMeta,
    module: cfg.moduleUrl,
    baseUrl: `public/plugins/${id}`,
    enabled: true,
    jsonData: cfg.datasource.jsonData,
    secureJsonFields: cfg.datasource.secureJsonFields,
  };
  plugin.meta = meta;
  if (cfg.pluginMeta.type === 'app' && typeof plugin.init === 'function') {
    plugin.init(meta);
  }

  const settings = datasourceSettings(cfg, meta);
  if (cfg.pluginMeta.type === 'datasource' && plugin.DataSourceClass) {
    datasource = new plugin.DataSourceClass(settings);
    datasource.components = plugin.components;
    datasource.meta = meta;
  }
  const dsSrv = {
    get: async () => datasource,
    getInstanceSettings: () => settings,
    getList: () => [settings],
    reload: () => {},
    registerRuntimeDataSource: () => {},
  };
  setDataSourceSrv(dsSrv as unknown as DataSourceSrv);

  const element = renderTarget(cfg, plugin, meta, theme);
  const container = document.getElementById('root')!;
  root = createRoot(container);
  root.render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <ErrorBoundary state={state}>
        <Suspense fallback={<div>Loading…</div>}>
          <div style={{ padding: 16 }}>{element}</div>
        </Suspense>
      </ErrorBoundary>
    </ThemeContext.Provider>
  );
  state.mounted = true;
}

/** Runs `datasource.query()` with the given targets; returns the first response (frames as JSON). */
export async function runQuery(targets: AnyProps[], options: { maxDataPoints?: number; intervalMs?: number } = {}) {
  if (!datasource) {
    throw new Error('no datasource mounted');
  }
  const request = {
    requestId: 'harness',
    interval: `${options.intervalMs ?? 60000}ms`,
    intervalMs: options.intervalMs ?? 60000,
    maxDataPoints: options.maxDataPoints ?? 1000,
    range,
    rangeRaw: range.raw,
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: CoreApp.Dashboard,
    startTime: Date.now(),
  } as unknown as DataQueryRequest;
  const result = datasource.query(request);
  const response: DataQueryResponse = await firstValueFrom(
    (isObservable(result)
      ? (result as Observable<DataQueryResponse>)
      : rxFrom(result as Promise<DataQueryResponse>)
    ).pipe(
      filter((r) => Boolean(r)),
      take(1),
      timeout(20000)
    )
  );
  return {
    state: response.state,
    key: response.key,
    error: response.error ? { message: response.error.message, status: response.error.status } : undefined,
    frames: (response.data ?? []).map((f: DataFrame) => dataFrameToJSON(f)),
  };
}

/** `datasource.testDatasource()` (the health check behind "Save & test"). */
export async function testDatasource() {
  if (!datasource?.testDatasource) {
    throw new Error('datasource has no testDatasource()');
  }
  return datasource.testDatasource();
}

/** `datasource.metricFindQuery()` (variable values). */
export async function metricFindQuery(query: unknown) {
  if (!datasource?.metricFindQuery) {
    throw new Error('datasource has no metricFindQuery()');
  }
  return datasource.metricFindQuery(query, { range });
}

/** Replaces the dashboard variables (e.g. to test another selection). */
export function setVariables(variables: SimpleVariable[]) {
  templateSrv.setVariables(variables);
}
