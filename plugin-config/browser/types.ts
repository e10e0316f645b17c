/**
 * Types shared by the node side of the browser harness (harness.ts) and the page side (page/*.tsx). Everything
 * that crosses the page boundary is JSON.
 */
import type { SimpleVariable } from './runtime/templateSrv';

/** What to render from the loaded plugin module. */
export type RenderTarget = 'queryEditor' | 'configEditor' | 'variableEditor' | 'panel' | 'app';

/** A data frame as tests write it: Grafana data-frame JSON (`schema` + `data`) or `{ name?, fields: [...] }`. */
export type FrameInput =
  | { schema: { fields: unknown[]; [k: string]: unknown }; data?: { values: unknown[][] } }
  | {
      name?: string;
      refId?: string;
      fields: Array<{ name: string; type?: string; values: unknown[]; config?: object }>;
    };

/** Instance settings of the datasource under test (the page never sees secureJsonData, as in Grafana). */
export interface HarnessDatasource {
  uid: string;
  name: string;
  jsonData: Record<string, unknown>;
  /** Names of secure fields that are set (`secureJsonFields`). */
  secureJsonFields: Record<string, boolean>;
}

/** Everything the page needs to mount a plugin (JSON). */
export interface MountConfig {
  /** URL of module.js, e.g. `public/plugins/<id>/module.js`. */
  moduleUrl: string;
  /** dist/plugin.json of the plugin. */
  pluginMeta: { id: string; type: string; name: string; [k: string]: unknown };
  render: RenderTarget;
  theme: 'dark' | 'light';
  /** Props for the rendered component; functions are supplied by the harness (onChange …). */
  props: Record<string, unknown>;
  datasource: HarnessDatasource;
  variables: SimpleVariable[];
  /** Dashboard time range, epoch ms. */
  timeRange: { from: number; to: number };
  /** Panel size in px (render 'panel'). */
  width: number;
  height: number;
  /** App route under `/a/<id>` (render 'app'), e.g. `/workorders`. */
  appPath: string;
}

/** What the page records for tests (read with `pluginPage.state()`). */
export interface HarnessState {
  mounted: boolean;
  /** Uncaught render errors (error boundary) and failed imports. */
  errors: string[];
  /** Every value passed to onChange (query editors) / onOptionsChange (config editor) / onOptionsChange (panel). */
  changes: unknown[];
  /** Current query (query/variable editor) or options (config editor, panel). */
  current: unknown;
  /** How often onRunQuery was called. */
  runs: number;
  /** HTTP requests made through getBackendSrv() (method, url, data). */
  requests: Array<{ method: string; url: string; data?: unknown }>;
  /** Requests still in flight. */
  pending: number;
  /** Exports of module.js (names only). */
  moduleExports: string[];
  /** Constructor name of `plugin` export (DataSourcePlugin, PanelPlugin, AppPlugin). */
  pluginClass: string;
}
