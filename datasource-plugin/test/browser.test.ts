/**
 * @jest-environment node
 *
 * The built plugin (dist/module.js, built by the root `pretest`) loaded in headless Chromium through SystemJS +
 * its AMD extra with Grafana's shared modules, as Grafana loads it (plugin-config/browser). The query editor
 * renders against the real OpenBESS API (collector `createApiApp`) on a throwaway PostgreSQL database with the
 * API tests' sites and history (collector/test/api/support/fixture.ts), reached through the emulated data
 * proxy route of plugin.json.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, loadPluginInBrowser, type PluginPage } from '../../plugin-config/browser';
import { setupApi, TOKEN, type ApiFixture } from '../../collector/test/api/support/fixture';
import { startRecordingApi, type RecordingApi } from './support/realApi';

const pluginDir = path.resolve(__dirname, '..');
const results = path.join(pluginDir, 'test-results');
const HOUR = 3_600_000;
const variables = [
  { name: 'site', current: 'FI006', options: ['FI006', 'EE001'] },
  { name: 'string', current: ['FI006ES1BK1BS1', 'FI006ES1BK1BS2'], options: ['FI006ES1BK1BS1', 'FI006ES1BK1BS2'] },
];

let fixture: ApiFixture;
let api: RecordingApi;
let browser: Browser;
let page: PluginPage | undefined;
/** Dashboard time range covering the end of the history and the fixture's "current" batch. */
let timeRange: { from: number; to: number };

beforeAll(async () => {
  fixture = await setupApi(1, 'openbess_dsbrowser');
  api = await startRecordingApi(fixture);
  timeRange = { from: fixture.to - 6 * HOUR, to: fixture.now + 60_000 };
  browser = await launchChromium();
}, 240_000);

afterEach(async () => {
  await page?.close();
  page = undefined;
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await fixture?.close();
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

test('query editor renders against the real API through the data proxy route, pickers work, screenshot', async () => {
  page = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'queryEditor',
    theme: 'dark',
    apiUrl: api.url,
    secureJsonData: { apiToken: TOKEN },
    variables,
    timeRange,
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
  // Device names and metric units come from the database the API reads (device table, series units).
  await expect(p.getByText('FI006ES1BK1 (Block 1)').isVisible()).resolves.toBe(true);
  await expect(p.getByText('activePower (kW)').isVisible()).resolves.toBe(true);
  await expect(p.getByText('stateOfCharge (%)').first().isVisible()).resolves.toBe(true);

  // The route added the bearer token server-side; the page itself never had it.
  const queries = api.requests.filter((r) => r.path === '/api/query');
  expect(queries.length).toBeGreaterThanOrEqual(2);
  expect(queries.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  expect(queries.every((r) => r.status === 200)).toBe(true);
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

  // Add a metric through the real react-select in Chromium: the options are the block's metrics in the database.
  await p.locator('#openbess-series-metrics').click();
  await p.getByText('frequency (Hz)', { exact: true }).click();
  const after = await page.state();
  expect(after.current).toMatchObject({
    series: expect.arrayContaining([{ device: 'FI006ES1BK1', metric: 'frequency' }]),
  });
  expect((after.current as { series: unknown[] }).series).toHaveLength(4);
  expect(page.errors).toEqual([]);
});

test('the datasource queries the real API from the page: multi-value $string expands, health check passes', async () => {
  page = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'queryEditor',
    apiUrl: api.url,
    secureJsonData: { apiToken: TOKEN },
    variables,
    timeRange,
  });
  const res = await page.runQuery([
    { refId: 'B', queryType: 'timeseries', series: [{ device: '$string', metric: 'activePower' }] },
  ]);
  expect(res.state).toBe('Done');
  const frames = res.frames as Array<{
    schema: { refId: string; fields: Array<{ config?: { displayNameFromDS?: string; unit?: string } }> };
    data: { values: unknown[][] };
  }>;
  expect(frames.map((f) => f.schema.fields[1].config?.displayNameFromDS)).toEqual([
    'FI006ES1BK1BS1 activePower',
    'FI006ES1BK1BS2 activePower',
  ]);
  expect(frames.every((f) => f.schema.refId === 'B' && f.schema.fields[1].config?.unit === 'kwatt')).toBe(true);
  // The fixture's "current" batch wrote 42 kW for every FI006 scalar at `now`: it is the last point of each.
  for (const f of frames) {
    expect(f.data.values[0].at(-1)).toBe(fixture.now);
    expect(f.data.values[1].at(-1)).toBe(42);
  }

  // History of a series with 1-minute data: the values are the fixture's signal, not made up.
  const soc = await page.runQuery([
    { refId: 'C', queryType: 'timeseries', series: [{ device: '${string}', metric: 'stateOfCharge' }] },
  ]);
  const bs1 = (soc.frames as typeof frames).find(
    (f) => f.schema.fields[1].config?.displayNameFromDS === 'FI006ES1BK1BS1 stateOfCharge'
  )!;
  const raw = fixture.raw.get('FI006ES1BK1BS1 stateOfCharge')!;
  const [t0, v0] = [bs1.data.values[0][0] as number, bs1.data.values[1][0] as number];
  expect(raw.v[raw.t.indexOf(t0)]).toBeCloseTo(v0, 6);

  await expect(page.testDatasource()).resolves.toMatchObject({
    status: 'success',
    message: expect.stringMatching(/OpenBESS API OK: 2 site\(s\) \((FI006, EE001|EE001, FI006)\)/),
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
  // The real API answered 401 (the emulated Grafana proxy turns it into 400, as Grafana does).
  expect(api.requests.filter((r) => r.path === '/api/health').at(-1)?.status).toBe(401);
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
