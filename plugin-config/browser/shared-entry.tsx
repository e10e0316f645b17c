/**
 * Entry of the harness's "Grafana shared modules" bundle (built by build-shared.js). It bundles the real packages
 * Grafana hands to plugins and registers them in SystemJS the way Grafana's plugin loader does
 * (public/app/features/plugins/loader/systemjs.ts + sharedDependencies.ts): each module is `System.set` under
 * `package:<name>` as `{ ...module, default: module, __useDefault: true }` and an import map sends the bare name
 * (what the AMD `define([...])` of module.js lists) there.
 *
 * The page loads this bundle BEFORE SystemJS's AMD extra (so UMD code in it never sees a global `define`), then
 * calls `window.__openbess.registerSharedModules(System)`.
 */
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaDataUnstable from '@grafana/data/unstable';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaRuntimeUnstable from '@grafana/runtime/unstable';
import * as grafanaUi from '@grafana/ui';
import * as grafanaUiUnstable from '@grafana/ui/unstable';
import * as i18next from 'i18next';
import * as lodash from 'lodash';
import * as moment from 'moment';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as jsxDevRuntime from 'react/jsx-dev-runtime';
import * as reactRedux from 'react-redux';
import * as reactRouter from 'react-router';
import * as reactRouterDom from 'react-router-dom';
import * as redux from 'redux';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import { metricFindQuery, mount, runQuery, setVariables, state, testDatasource, type SystemLike } from './page/mount';
import type { MountConfig } from './types';

/** Module name (as plugins import it) → module. */
export const SHARED_MODULES: Record<string, unknown> = {
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/data/unstable': grafanaDataUnstable,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/runtime/unstable': grafanaRuntimeUnstable,
  '@grafana/ui': grafanaUi,
  '@grafana/ui/unstable': grafanaUiUnstable,
  i18next,
  lodash,
  moment,
  react: React,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react/jsx-runtime': jsxRuntime,
  'react/jsx-dev-runtime': jsxDevRuntime,
  'react-redux': reactRedux,
  'react-router': reactRouter,
  'react-router-dom': reactRouterDom,
  redux,
  rxjs,
  'rxjs/operators': rxjsOperators,
};

interface SystemWithRegistry extends SystemLike {
  set(id: string, module: object): void;
  addImportMap(map: { imports: Record<string, string> }, base?: string): void;
}

/** Registers every shared module in SystemJS under `package:<name>` plus the import map for the bare names. */
function registerSharedModules(system: SystemWithRegistry): void {
  const imports: Record<string, string> = {};
  for (const [name, mod] of Object.entries(SHARED_MODULES)) {
    const id = `package:${name}`;
    // CommonJS packages (react, lodash, moment…) have their exports object as `default` in webpack's namespace
    // object; ES modules without a default export (@grafana/*, rxjs…) are passed as the namespace itself.
    const exportsObject = (mod as { default?: unknown }).default ?? mod;
    system.set(id, { ...(mod as object), default: exportsObject, __useDefault: true });
    imports[name] = id;
  }
  system.addImportMap({ imports });
}

declare global {
  interface Window {
    System: SystemWithRegistry;
    __openbess: unknown;
  }
}

window.__openbess = {
  registerSharedModules,
  mount: (cfg: MountConfig) => mount(cfg, window.System),
  state,
  runQuery,
  testDatasource,
  metricFindQuery,
  setVariables,
  sharedModuleNames: Object.keys(SHARED_MODULES),
};
