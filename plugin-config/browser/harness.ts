/**
 * Browser harness: loads a plugin's built `dist/module.js` in headless Chromium the way Grafana does (SystemJS +
 * AMD extra, Grafana's shared modules registered by name, runtime services set up) and renders one of its
 * components. Use from jest test files running in the node environment (`@jest-environment node` docblock):
 *
 * ```ts
 * const p = await loadPluginInBrowser({ pluginDir, render: 'queryEditor', apiUrl, secureJsonData: { apiToken } });
 * await p.screenshot(path.join(pluginDir, 'test-results/query-editor.png'));
 * await p.close();
 * ```
 *
 * See plugin-config/README.md for every option.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHarnessServer, type HarnessServer, type PluginRoute } from './server';
import type { SimpleVariable } from './runtime/templateSrv';
import type { HarnessState, MountConfig, RenderTarget } from './types';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureSharedBundle, resolveShared } = require('./build-shared.js') as {
  ensureSharedBundle: (o?: object) => Promise<string>;
  resolveShared: () => Record<string, string>;
};

/** Chromium installed by apt (Debian `chromium`). Override with OPENBESS_CHROMIUM. */
export const CHROMIUM_PATH = process.env.OPENBESS_CHROMIUM ?? '/usr/bin/chromium';
/** Launch flags: headless, no sandbox (root in CI), no GPU but WebGL through SwiftShader. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export interface LoadPluginOptions {
  /** Plugin folder (with a built dist/). */
  pluginDir: string;
  render: RenderTarget;
  /**
   * Props for the rendered component. queryEditor/variableEditor: `{ query }` (merged over getDefaultQuery()) and
   * `editorProps`; configEditor: `{ options }` (merged over DataSourceSettings); panel: `{ data: { series: frames },
   * options, fieldConfig, title }` (frames as data-frame JSON or `{ fields: [{ name, type, values }] }`);
   * app: extra props for the root page.
   */
  props?: Record<string, unknown>;
  theme?: 'dark' | 'light';
  /** Upstream API base URL: `jsonData.apiUrl` (what plugin.json routes interpolate) unless jsonData gives one. */
  apiUrl?: string;
  /** Datasource/app jsonData (page-visible). */
  jsonData?: Record<string, unknown>;
  /** Secure values used by route templates on the server side only (never sent to the page, as in Grafana). */
  secureJsonData?: Record<string, string>;
  /** Dashboard variables for getTemplateSrv(). */
  variables?: SimpleVariable[];
  /** Dashboard time range, epoch ms. Default: the last 6 hours. */
  timeRange?: { from: number; to: number };
  /** Viewport (default 1200×800) and panel size (default 800×400). */
  viewport?: { width: number; height: number };
  panelSize?: { width: number; height: number };
  /** App route under /a/<id> (render 'app'). */
  appPath?: string;
  /** `X-Grafana-User` the emulated proxy adds. */
  grafanaUser?: string;
  /** Reuse a browser (e.g. one per test file); otherwise one is launched and closed by close(). */
  browser?: Browser;
  /** Extra Chromium flags. */
  launchArgs?: string[];
}

export interface PluginPage {
  page: Page;
  browser: Browser;
  /** Base URL of the harness server. */
  url: string;
  /** Console errors, page errors and failed requests seen so far. */
  errors: string[];
  /** Harness state (see types.ts HarnessState): changes, current query/options, requests, runs, exports. */
  state(): Promise<HarnessState>;
  /** Waits until no getBackendSrv() request is in flight (and the page has painted). */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Full-page PNG screenshot (parent folders are created). */
  screenshot(file: string): Promise<void>;
  /** Runs `datasource.query()` in the page; frames come back as data-frame JSON. */
  runQuery(
    targets: Array<Record<string, unknown>>,
    options?: { maxDataPoints?: number; intervalMs?: number }
  ): Promise<{ state?: string; key?: string; error?: { message?: string; status?: number }; frames: unknown[] }>;
  /** `datasource.testDatasource()` in the page. */
  testDatasource(): Promise<{ status: string; message: string }>;
  /** `datasource.metricFindQuery(query)` in the page. */
  metricFindQuery(query: unknown): Promise<Array<{ text: string; value?: string | number }>>;
  close(): Promise<void>;
}

/** Launches the apt Chromium through playwright-core. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`browser harness: ${CHROMIUM_PATH} not found — install Debian's chromium (see .ci/run)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

function pageHtml(theme: 'dark' | 'light'): string {
  const bootData = {
    settings: { buildInfo: { version: '12.4.10', env: 'production' }, featureToggles: {}, appSubUrl: '', appUrl: '/' },
    user: {
      id: 1,
      uid: 'harness',
      login: 'harness',
      name: 'Harness',
      orgId: 1,
      orgRole: 'Admin',
      isSignedIn: true,
      theme,
      timezone: 'utc',
      regionalFormat: 'en-US',
      language: 'en-US',
    },
    navTree: [],
    assets: { dark: '', light: '' },
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>OpenBESS plugin harness</title>
<script>window.grafanaBootData = ${JSON.stringify(bootData)}; window.__grafana_public_path__ = '/public/';</script>
<script src="/harness/shared.js"></script>
<script src="/systemjs/system.js"></script>
<script src="/systemjs/amd.js"></script>
<script>window.__openbess.registerSharedModules(window.System);</script>
</head>
<body class="theme-${theme}">
<div id="root"></div>
<div id="grafana-portal-container"></div>
</body>
</html>`;
}

/** Loads `<pluginDir>/dist/module.js` in Chromium through SystemJS and renders `render`. */
export async function loadPluginInBrowser(options: LoadPluginOptions): Promise<PluginPage> {
  const pluginDir = path.resolve(options.pluginDir);
  const distModule = path.join(pluginDir, 'dist', 'module.js');
  const distPluginJson = path.join(pluginDir, 'dist', 'plugin.json');
  if (!fs.existsSync(distModule) || !fs.existsSync(distPluginJson)) {
    throw new Error(`browser harness: ${distModule} not built — run \`npm run build:plugins\` (root) first`);
  }
  const pluginMeta = JSON.parse(fs.readFileSync(distPluginJson, 'utf8'));
  const theme = options.theme ?? 'dark';
  const jsonData = { ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}), ...(options.jsonData ?? {}) };
  const secureJsonData = options.secureJsonData ?? {};
  const datasourceUid = 'harness-ds';
  const sharedDir = await ensureSharedBundle({ log: (m: string) => console.log(m) });

  const server: HarnessServer = await startHarnessServer({
    pluginDir,
    pluginId: pluginMeta.id,
    sharedDir,
    html: pageHtml(theme),
    datasourceUid,
    routes: (pluginMeta.routes ?? []) as PluginRoute[],
    jsonData,
    secureJsonData,
    grafanaUser: options.grafanaUser,
    grafanaUiPublicDir: path.join(resolveShared()['@grafana/ui'], 'dist', 'public'),
  });
  const ownBrowser = !options.browser;
  const browser = options.browser ?? (await launchChromium(options.launchArgs));
  const viewport = options.viewport ?? { width: 1200, height: 800 };
  const context = await browser.newContext({ viewport, colorScheme: theme });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      errors.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) {
      errors.push(`http ${res.status()}: ${res.url()}`);
    }
  });
  page.on('requestfailed', (req) => errors.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`));

  const close = async () => {
    await context.close().catch(() => {});
    if (ownBrowser) {
      await browser.close().catch(() => {});
    }
    await server.close();
  };

  const now = Date.now();
  const cfg: MountConfig = {
    moduleUrl: `/public/plugins/${pluginMeta.id}/module.js`,
    pluginMeta,
    render: options.render,
    theme,
    props: options.props ?? {},
    datasource: {
      uid: datasourceUid,
      name: pluginMeta.name,
      jsonData,
      secureJsonFields: Object.fromEntries(Object.keys(secureJsonData).map((k) => [k, true])),
    },
    variables: options.variables ?? [],
    timeRange: options.timeRange ?? { from: now - 6 * 3600_000, to: now },
    width: options.panelSize?.width ?? 800,
    height: options.panelSize?.height ?? 400,
    appPath: options.appPath ?? '',
  };

  try {
    await page.goto(`${server.url}/`, { waitUntil: 'load' });
    await page.evaluate(
      (c) => (window as unknown as { __openbess: { mount(c: unknown): Promise<void> } }).__openbess.mount(c),
      cfg as never
    );
  } catch (e) {
    const detail = errors.length ? `\n${errors.join('\n')}` : '';
    await close();
    throw new Error(
      `browser harness: mounting ${pluginMeta.id} (${options.render}) failed: ${(e as Error).message}${detail}`
    );
  }

  const inPage = <T>(fn: string, arg?: unknown): Promise<T> =>
    page.evaluate(
      ([f, a]) =>
        (window as unknown as { __openbess: Record<string, (x: unknown) => unknown> }).__openbess[f as string](a),
      [fn, arg] as const
    ) as Promise<T>;

  const pluginPage: PluginPage = {
    page,
    browser,
    url: server.url,
    errors,
    state: () =>
      page.evaluate(() =>
        JSON.parse(JSON.stringify((window as unknown as { __openbess: { state: unknown } }).__openbess.state))
      ) as Promise<HarnessState>,
    async waitForIdle(timeoutMs = 15000) {
      await page.waitForFunction(
        () => {
          const s = (window as unknown as { __openbess: { state: HarnessState } }).__openbess.state;
          return s.mounted && s.pending === 0;
        },
        undefined,
        { timeout: timeoutMs, polling: 50 }
      );
      // Let React commit what the last responses triggered, then two frames for layout and paint.
      await page.evaluate(
        () =>
          new Promise<void>((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => r())), 50))
      );
    },
    async screenshot(file: string) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
    },
    runQuery: (targets, opts) =>
      page.evaluate(
        ([t, o]) =>
          (
            window as unknown as { __openbess: { runQuery: (t: unknown, o: unknown) => Promise<never> } }
          ).__openbess.runQuery(t, o),
        [targets, opts ?? {}] as const
      ),
    testDatasource: () => inPage('testDatasource'),
    metricFindQuery: (query) => inPage('metricFindQuery', query),
    close,
  };
  return pluginPage;
}
