/**
 * Page side of the harness: the small "Grafana hosts" that render a plugin's components with the props Grafana
 * gives them — query editor, variable editor, datasource config editor, panel (with applyFieldOverrides like
 * Grafana's PanelQueryRunner), app root (under a router bound to locationService's history).
 */
import { Component, useLayoutEffect, useState, type ComponentType, type ReactNode } from 'react';
import {
  applyFieldOverrides,
  CoreApp,
  dataFrameFromJSON,
  EventBusSrv,
  LoadingState,
  toDataFrame,
  type DataFrame,
  type DataFrameJSON,
  type GrafanaTheme2,
  type TimeRange,
} from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { Router } from 'react-router';
import type { FrameInput, HarnessState } from '../types';

/** Records render errors in the harness state and shows them on the page. */
export class ErrorBoundary extends Component<{ state: HarnessState; children?: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error) {
    this.props.state.errors.push(`render: ${error.message}\n${error.stack ?? ''}`);
  }

  override render() {
    if (this.state.error) {
      return <pre data-testid="harness-error">{String(this.state.error.stack ?? this.state.error)}</pre>;
    }
    return this.props.children;
  }
}

/** Test frames → DataFrames (JSON wire form or `{ fields }` form). */
export function toFrame(f: FrameInput): DataFrame {
  return 'schema' in f ? dataFrameFromJSON(f as unknown as DataFrameJSON) : toDataFrame(f);
}

type AnyProps = Record<string, unknown>;

/** Query editor (or variable editor) with Grafana's onChange/onRunQuery round trip. */
export function QueryEditorHost(props: {
  editor: ComponentType<AnyProps>;
  datasource: unknown;
  initial: AnyProps;
  range: TimeRange;
  extra: AnyProps;
  state: HarnessState;
}) {
  const { editor: Editor, datasource, initial, range, extra, state } = props;
  const [query, setQuery] = useState(initial);
  state.current = query;
  return (
    <Editor
      {...extra}
      datasource={datasource}
      query={query}
      queries={[query]}
      range={range}
      app={CoreApp.PanelEditor}
      onChange={(q: AnyProps) => {
        state.changes.push(q);
        state.current = q;
        setQuery(q);
      }}
      onRunQuery={() => {
        state.runs++;
      }}
    />
  );
}

/** Datasource config editor with Grafana's options/onOptionsChange round trip. */
export function ConfigEditorHost(props: { editor: ComponentType<AnyProps>; initial: AnyProps; state: HarnessState }) {
  const { editor: Editor, initial, state } = props;
  const [options, setOptions] = useState(initial);
  state.current = options;
  return (
    <Editor
      options={options}
      onOptionsChange={(o: AnyProps) => {
        state.changes.push(o);
        state.current = o;
        setOptions(o);
      }}
    />
  );
}

/** Panel inside a fixed-size box, frames processed by applyFieldOverrides as Grafana does. */
export function PanelHost(props: {
  panel: ComponentType<AnyProps>;
  plugin: {
    fieldConfigRegistry: unknown;
    defaults?: object;
    fieldConfigDefaults?: { defaults: object; overrides: unknown[] };
  };
  frames: FrameInput[];
  options: AnyProps;
  fieldConfig?: { defaults: object; overrides: unknown[] };
  range: TimeRange;
  theme: GrafanaTheme2;
  width: number;
  height: number;
  title: string;
  replaceVariables: (value: string, scopedVars?: object, format?: unknown) => string;
  state: HarnessState;
}) {
  const { panel: Panel, plugin, theme, width, height, range, state } = props;
  const [options, setOptions] = useState<AnyProps>({ ...(plugin.defaults ?? {}), ...props.options });
  const [fieldConfig, setFieldConfig] = useState(
    props.fieldConfig ?? plugin.fieldConfigDefaults ?? { defaults: {}, overrides: [] }
  );
  const [eventBus] = useState(() => new EventBusSrv());
  state.current = options;
  const series = applyFieldOverrides({
    data: props.frames.map(toFrame),
    fieldConfig: fieldConfig as never,
    fieldConfigRegistry: plugin.fieldConfigRegistry as never,
    replaceVariables: props.replaceVariables as never,
    theme,
    timeZone: 'utc',
  });
  return (
    <div style={{ width, height, position: 'relative', overflow: 'hidden' }} data-testid="harness-panel">
      <Panel
        id={1}
        data={{ state: LoadingState.Done, series, timeRange: range, annotations: [] }}
        timeRange={range}
        timeZone="utc"
        options={options}
        fieldConfig={fieldConfig}
        transparent={false}
        width={width}
        height={height}
        renderCounter={0}
        title={props.title}
        eventBus={eventBus}
        onOptionsChange={(o: AnyProps) => {
          state.changes.push(o);
          setOptions(o);
        }}
        onFieldConfigChange={(c: typeof fieldConfig) => setFieldConfig(c)}
        replaceVariables={props.replaceVariables}
        onChangeTimeRange={() => {}}
      />
    </div>
  );
}

/** react-router v6 Router driven by Grafana's locationService history (what Grafana 12 renders apps in). */
export function HistoryRouter({ children }: { children?: ReactNode }) {
  const history = locationService.getHistory();
  const [location, setLocation] = useState(history.location);
  useLayoutEffect(() => history.listen((l: typeof history.location) => setLocation(l)), [history]);
  return (
    <Router location={location} navigator={history as never}>
      {children}
    </Router>
  );
}
