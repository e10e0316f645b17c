/**
 * @jest-environment node
 *
 * The built plugin (dist/module.js, built by the root `pretest`) loaded in headless Chromium through SystemJS +
 * its AMD extra with Grafana's shared modules, as Grafana loads it (plugin-config/browser). The query editor
 * renders against an API reached through the emulated data proxy route of plugin.json.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, loadPluginInBrowser, type PluginPage } from '../../plugin-config/browser';
import { startFakeApi, type FakeApi } from './support/fakeApi';

// TEMPORARY: a stand-in API speaking the /api/query contract. The lead swaps this one line for the real API
// (collector/src/api createApiApp on a test database) — everything below only needs `url` and `requests`.
const startApi = (token: string): Promise<FakeApi> => startFakeApi(token);

const pluginDir = path.resolve(__dirname, '..');
const results = path.join(pluginDir, 'test-results');
const TOKEN = 'browser-test-token';
const variables = [
  { name: 'site', current: 'FI006', options: ['FI006', 'EE001'] },
  { name: 'string', current: ['FI006ES1BK1BS1', 'FI006ES1BK1BS2'], options: ['FI006ES1BK1BS1', 'FI006ES1BK1BS2'] },
];

let api: FakeApi;
let browser: Browser;
let page: PluginPage | undefined;

beforeAll(async () => {
  api = await startApi(TOKEN);
  browser = await launchChromium();
}, 240_000);

afterEach(async () => {
  await page?.close();
  page = undefined;
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

test('module.js loads through SystemJS/AMD and exports a DataSourcePlugin with a query editor', async () => {
  page = await loadPluginInBrowser({ pluginDir, browser, render: 'configEditor', apiUrl: api.url });
  const state = await page.state();
  expect(state.moduleExports).toContain('plugin');
  expect(state.pluginClass).toBe('DataSourcePlugin');
  const components = await page.page.evaluate(async () => {
    const sys = (
      window as unknown as {
        System: { import(u: string): Promise<{ plugin: { components: Record<string, unknown> } }> };
      }
    ).System;
    const mod = await sys.import('/public/plugins/openbess-telemetry-datasource/module.js');
    return Object.keys(mod.plugin.components).filter((k) => mod.plugin.components[k] !== undefined);
  });
  expect(components).toEqual(expect.arrayContaining(['QueryEditor', 'ConfigEditor']));
  expect(page.errors).toEqual([]);
});

test('query editor renders against the API through the data proxy route, pickers work, screenshot', async () => {
  page = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'queryEditor',
    theme: 'dark',
    apiUrl: api.url,
    secureJsonData: { apiToken: TOKEN },
    variables,
    viewport: { width: 1100, height: 320 },
    props: {
      query: {
        refId: 'A',
        queryType: 'timeseries',
        site: '$site',
        series: [
          { device: 'FI006ES1BK1', metric: 'activePower' },
          { device: 'FI006ES1BK1', metric: 'stateOfCharge' },
          { device: '$string', metric: 'stateOfCharge' },
        ],
      },
    },
  });
  await page.waitForIdle();
  const p = page.page;
  await expect(p.getByText('Series 3/8').isVisible()).resolves.toBe(true);
  await expect(p.getByText('FI006ES1BK1 (Block 1)').isVisible()).resolves.toBe(true);
  await expect(p.getByText('activePower (kW)').isVisible()).resolves.toBe(true);

  // The route added the bearer token server-side; the page itself never had it.
  const queries = api.requests.filter((r) => r.path === '/api/query');
  expect(queries.length).toBeGreaterThanOrEqual(2);
  expect(queries.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  const state = await page.state();
  expect(state.requests.every((r) => r.url === '/api/datasources/proxy/uid/harness-ds/api/query')).toBe(true);
  expect(JSON.stringify(state.requests)).not.toContain(TOKEN);
  // The device picker asked for the devices of the interpolated $site.
  expect(queries.map((r) => r.body)).toContainEqual(
    expect.objectContaining({
      queries: [expect.objectContaining({ queryType: 'variable', variable: 'devices', site: ['FI006'] })],
    })
  );

  await page.screenshot(path.join(results, 'query-editor.png'));

  // Add a metric through the real react-select in Chromium.
  await p.locator('#openbess-series-metrics').click();
  await p.getByText('frequency (Hz)', { exact: true }).click();
  const after = await page.state();
  expect(after.current).toMatchObject({
    series: expect.arrayContaining([{ device: 'FI006ES1BK1', metric: 'frequency' }]),
  });
  expect((after.current as { series: unknown[] }).series).toHaveLength(4);
  expect(page.errors).toEqual([]);
});

test('the datasource queries the API from the page: multi-value $string expands, health check passes', async () => {
  page = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'queryEditor',
    apiUrl: api.url,
    secureJsonData: { apiToken: TOKEN },
    variables,
  });
  const res = await page.runQuery([
    { refId: 'B', queryType: 'timeseries', series: [{ device: '$string', metric: 'activePower' }] },
  ]);
  expect(res.state).toBe('Done');
  const frames = res.frames as Array<{
    schema: { refId: string; fields: Array<{ config?: { displayNameFromDS?: string; unit?: string } }> };
  }>;
  expect(frames.map((f) => f.schema.fields[1].config?.displayNameFromDS)).toEqual([
    'FI006ES1BK1BS1 activePower',
    'FI006ES1BK1BS2 activePower',
  ]);
  expect(frames.every((f) => f.schema.refId === 'B' && f.schema.fields[1].config?.unit === 'kwatt')).toBe(true);
  await expect(page.testDatasource()).resolves.toMatchObject({
    status: 'success',
    message: expect.stringContaining('FI006'),
  });
});

test('a wrong token fails the health check with a message about the token', async () => {
  page = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'configEditor',
    apiUrl: api.url,
    secureJsonData: { apiToken: 'wrong' },
  });
  const health = await page.testDatasource();
  expect(health.status).toBe('error');
  expect(health.message).toMatch(/HTTP 400.*check the API token/);
});

test('config editor renders in the light theme with the token shown as configured, screenshot', async () => {
  page = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'configEditor',
    theme: 'light',
    apiUrl: api.url,
    secureJsonData: { apiToken: TOKEN },
    viewport: { width: 900, height: 360 },
  });
  await page.waitForIdle();
  await expect(page.page.getByLabel('API URL').inputValue()).resolves.toBe(api.url);
  await expect(page.page.getByLabel('API token').inputValue()).resolves.toBe('configured');
  const background = await page.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).not.toBe('rgb(17, 18, 23)'); // not the dark theme's canvas
  await page.screenshot(path.join(results, 'config-editor.png'));
  expect(page.errors).toEqual([]);
});
