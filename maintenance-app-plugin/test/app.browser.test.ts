/**
 * @jest-environment node
 *
 * The built app (dist/module.js) loaded in headless Chromium through SystemJS + AMD with Grafana's shared modules,
 * as Grafana loads apps (plugin-config/browser, render 'app' under `/a/<id>/*`), against the REAL maintenance API:
 * collector createApiApp on a throwaway PostgreSQL database (test/support/api.ts), reached
 * through the emulated app plugin proxy route of plugin.json (bearer token added server-side, X-Grafana-User as
 * Grafana's send_user_header). Screenshots of the list and a detail go to test-results/ (not in git).
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, loadPluginInBrowser, type PluginPage } from '../../plugin-config/browser';
import { startRealApi, TOKEN, type RealApi } from './support/api';

jest.setTimeout(240_000);

const pluginDir = path.resolve(__dirname, '..');
const results = path.join(pluginDir, 'test-results');
const API_PREFIX = '/api/plugin-proxy/openbess-maintenance-app/maintenance/';

let f: RealApi;
let browser: Browser;
let page: PluginPage | undefined;
const ids: Record<string, number> = {};

const ok = <T = Record<string, unknown>>(as: string, method: string, p: string, body?: unknown): Promise<T> =>
  f.call<T>(as, method, p, body);

/** Moves a work order along the workflow as `as`. */
async function walk(as: string, id: number, to: string[]) {
  for (const status of to) {
    const wo = await ok<{ version: number }>(as, 'GET', `/work-orders/${id}`);
    await ok(as, 'POST', `/work-orders/${id}/transitions`, { to: status, version: wo.version });
  }
}

beforeAll(async () => {
  f = await startRealApi();
  await ok('ada', 'POST', '/team', { site: 'FI006', login: 'pat', teamRole: 'technician', company: 'CoolFix Oy' });
  await ok('ada', 'POST', '/team', { site: 'FI006', login: 'uma', teamRole: 'site lead' });
  const cat = await ok<{ id: number }>('ada', 'POST', '/categories', { name: 'HVAC' });
  const fan = await ok<{ id: number }>('uma', 'POST', '/work-orders', {
    site: 'FI006',
    title: 'Replace HVAC fan in container 1',
    categoryId: cat.id,
    priority: 'high',
    devices: ['FI006ES1BK1'],
    dueDate: '2026-12-01',
    description:
      '<p>Fan bearing is <strong>noisy</strong>; vibration above limit.</p><ul><li>Check bearing</li><li>Order spare</li></ul>',
  });
  ids.fan = fan.id;
  await ok('ada', 'PATCH', `/work-orders/${fan.id}`, { assignees: ['pat'], version: 1 });
  await walk('uma', fan.id, ['ACTIVE', 'IN_PROGRESS']);
  await ok('uma', 'POST', `/work-orders/${fan.id}/tasks`, { title: 'Isolate HVAC unit' });
  const t2 = await ok<{ id: number }>('uma', 'POST', `/work-orders/${fan.id}/tasks`, { title: 'Swap fan' });
  await ok('uma', 'POST', `/work-orders/${fan.id}/tasks`, { title: 'Test run 30 min' });
  await ok('pat', 'PATCH', `/work-orders/${fan.id}/tasks/${t2.id}`, { done: true });
  await ok('pat', 'POST', `/work-orders/${fan.id}/comments`, {
    body: 'Spare fan arrives Monday, @uma please confirm access.',
  });
  const form = new FormData();
  const pdf = '%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n';
  form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'fan-quote.pdf');
  await ok('pat', 'POST', `/work-orders/${fan.id}/attachments`, form);

  const req = await ok<{ id: number }>('vera', 'POST', '/work-orders', {
    site: 'FI006',
    title: 'String 3 fuse alarm keeps coming back',
    devices: ['FI006ES1BK1BS2'],
  });
  ids.request = req.id;
  const draft = await ok<{ id: number }>('uma', 'POST', '/work-orders', {
    site: 'FI006',
    title: 'Annual thermography of block 2',
    priority: 'low',
  });
  ids.draft = draft.id;
  const done = await ok<{ id: number }>('uma', 'POST', '/work-orders', {
    site: 'FI006',
    title: 'Clean PCS filters',
    priority: 'medium',
  });
  await walk('uma', done.id, ['ACTIVE', 'IN_PROGRESS', 'DONE']);
  const crit = await ok<{ id: number }>('uma', 'POST', '/work-orders', {
    site: 'FI006',
    title: 'Smoke detector fault in block 2',
    priority: 'critical',
  });
  await walk('uma', crit.id, ['ACTIVE']);
  const cancelled = await ok<{ id: number }>('uma', 'POST', '/work-orders', {
    site: 'FI006',
    title: 'Duplicate request',
  });
  await walk('uma', cancelled.id, ['CANCELLED']);
  await ok('uma', 'POST', '/devices/FI006ES1BK2/status', {
    offline: true,
    reason: 'Smoke detector fault',
    at: new Date(Date.now() - 6 * 3600_000).toISOString(),
  });
  browser = await launchChromium();
}, 240_000);

afterEach(async () => {
  await page?.close();
  page = undefined;
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

async function openApp(appPath: string, user = 'uma', theme: 'dark' | 'light' = 'dark'): Promise<PluginPage> {
  const p = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'app',
    appPath,
    theme,
    apiUrl: f.url,
    secureJsonData: { apiToken: TOKEN },
    grafanaUser: user,
    viewport: { width: 1400, height: 900 },
  });
  await p.page.waitForSelector('h2', { timeout: 60_000 });
  await p.waitForIdle(60_000);
  return p;
}

test('module.js exports an AppPlugin with a root page and a config page', async () => {
  page = await openApp('/work-orders');
  const state = await page.state();
  expect(state.pluginClass).toBe('AppPlugin');
  expect(state.moduleExports).toContain('plugin');
  const configPages = await page.page.evaluate(async () => {
    const sys = (
      window as unknown as {
        System: { import(u: string): Promise<{ plugin: { configPages?: Array<{ id: string }> } }> };
      }
    ).System;
    const mod = await sys.import('/public/plugins/openbess-maintenance-app/module.js');
    return (mod.plugin.configPages ?? []).map((c) => c.id);
  });
  expect(configPages).toEqual(['configuration']);
});

test('Work orders list renders against the API through the plugin proxy route; screenshot', async () => {
  page = await openApp('/work-orders');
  const p = page.page;
  const rows = p.getByTestId('work-order-row');
  // Open = REQUEST, DRAFT, ACTIVE, IN_PROGRESS: fan (IN_PROGRESS), request, draft, smoke (ACTIVE).
  await expect(rows.count()).resolves.toBe(4);
  await expect(p.getByRole('link', { name: 'Replace HVAC fan in container 1' }).isVisible()).resolves.toBe(true);
  await expect(p.getByTestId('summary-open-requests').textContent()).resolves.toBe('1');
  await expect(p.getByTestId('summary-active').textContent()).resolves.toBe('2');
  // Block 2 offline for 6 h of the last 30 days → FI006 below 100 %.
  const availability = await p.getByTestId('availability-FI006').textContent();
  expect(availability).toMatch(/^\d+\.\d\d %/);
  expect(Number.parseFloat(availability!)).toBeLessThan(100);
  await p.getByRole('tab', { name: /Notifications/ }).waitFor();

  const state = await page.state();
  expect(state.requests.length).toBeGreaterThan(3);
  expect(state.requests.every((r) => r.url.startsWith(API_PREFIX))).toBe(true);
  expect(JSON.stringify(state.requests)).not.toContain(TOKEN);
  await page.screenshot(path.join(results, 'work-orders.png'));

  // Status filter and search go to the API.
  await p.getByRole('button', { name: 'All', exact: true }).click();
  await page.waitForIdle();
  await expect(rows.count()).resolves.toBe(6);
  await p.getByRole('textbox', { name: 'Search work orders' }).fill('thermo');
  await p.waitForFunction(() => document.querySelectorAll('[data-testid="work-order-row"]').length === 1, undefined, {
    timeout: 30_000,
  });
  await expect(rows.first().textContent()).resolves.toContain('Annual thermography of block 2');
  expect(page.errors).toEqual([]);
});

test('Work order detail renders in two columns with rich text, tasks, comments and files; screenshot', async () => {
  page = await openApp(`/work-orders/${ids.fan}`);
  const p = page.page;
  await p.getByRole('heading', { name: `#${ids.fan} Replace HVAC fan in container 1` }).waitFor();
  const info = p.getByRole('region', { name: 'Details' });
  await expect(info.getByText('In progress').isVisible()).resolves.toBe(true);
  await expect(info.getByText('FI006ES1BK1').isVisible()).resolves.toBe(true);
  await expect(info.getByText('HVAC', { exact: true }).isVisible()).resolves.toBe(true);
  await expect(info.getByText('pat', { exact: true }).isVisible()).resolves.toBe(true);
  const description = p.getByRole('textbox', { name: 'Description' });
  await expect(description.locator('strong').textContent()).resolves.toBe('noisy');
  await expect(description.locator('li').count()).resolves.toBe(2);
  await expect(p.getByRole('checkbox', { name: 'Swap fan' }).isChecked()).resolves.toBe(true);
  await expect(p.getByRole('checkbox', { name: 'Isolate HVAC unit' }).isChecked()).resolves.toBe(false);
  await expect(p.getByText('@uma').isVisible()).resolves.toBe(true);
  const file = p.getByRole('link', { name: /fan-quote\.pdf/ });
  expect(await file.getAttribute('href')).toBe(`${API_PREFIX}work-orders/${ids.fan}/attachments/${await fileId()}`);
  // Columns: info left of the main column.
  const infoBox = await info.boundingBox();
  const descBox = await p.getByRole('region', { name: 'Description' }).boundingBox();
  expect(infoBox!.x + infoBox!.width).toBeLessThanOrEqual(descBox!.x);
  expect(page.errors).toEqual([]);
  await page.screenshot(path.join(results, 'work-order-detail.png'));

  // Audit history (collapsed): the workflow steps seeded through the API, who made them.
  await p.getByRole('button', { name: /History/ }).click();
  const history = p.getByRole('table', { name: 'History' });
  await history.getByText('ACTIVE → IN_PROGRESS').waitFor();
  await expect(history.getByText('DRAFT → ACTIVE').isVisible()).resolves.toBe(true);

  // The download goes through the proxy and comes back with Content-Disposition.
  const download = await p.evaluate(
    async (href) => {
      const r = await fetch(href!);
      return {
        status: r.status,
        disposition: r.headers.get('content-disposition'),
        type: r.headers.get('content-type'),
      };
    },
    await file.getAttribute('href')
  );
  expect(download.status).toBe(200);
  expect(download.disposition).toMatch(/attachment; filename="?fan-quote\.pdf/);
  expect(download.type).toMatch(/application\/pdf/);
});

async function fileId(): Promise<number> {
  const list = await ok<{ items: Array<{ id: number; name: string }> }>(
    'uma',
    'GET',
    `/work-orders/${ids.fan}/attachments`
  );
  return list.items.find((a) => a.name === 'fan-quote.pdf')!.id;
}

test('workflow, task, comment and upload from the page reach the database; a stale save gets the 409 message', async () => {
  page = await openApp(`/work-orders/${ids.draft}`);
  const p = page.page;
  await p.getByRole('button', { name: 'Release' }).click();
  await p.getByRole('button', { name: 'Start work' }).waitFor();
  await expect(ok<{ status: string }>('uma', 'GET', `/work-orders/${ids.draft}`).then((w) => w.status)).resolves.toBe(
    'ACTIVE'
  );

  await p.getByRole('textbox', { name: 'New task' }).fill('Scan block 2 with IR camera');
  await p.getByRole('button', { name: 'Add', exact: true }).click();
  await p.getByRole('checkbox', { name: 'Scan block 2 with IR camera' }).waitFor();

  await p.getByRole('textbox', { name: 'Comment' }).fill('Camera booked, @pa');
  await p.getByRole('listbox', { name: 'Mention suggestions' }).getByText('@pat').click();
  await p.getByRole('button', { name: 'Comment', exact: true }).click();
  await p.getByRole('list', { name: 'Comments' }).getByText('@pat').waitFor();
  const comments = await ok<{ items: Array<{ body: string; mentions: string[] }> }>(
    'uma',
    'GET',
    `/work-orders/${ids.draft}/comments`
  );
  expect(comments.items.at(-1)).toMatchObject({ body: 'Camera booked, @pat', mentions: ['pat'] });
  // pat got a mention notification.
  const patNotes = await ok<{ items: Array<{ kind: string; workOrderId: number }> }>('pat', 'GET', '/notifications');
  expect(patNotes.items).toContainEqual(expect.objectContaining({ kind: 'mention', workOrderId: ids.draft }));

  await p.getByLabel('Choose files to upload').setInputFiles({
    name: 'ir-scan.png',
    mimeType: 'image/png',
    buffer: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
  });
  await p.getByRole('link', { name: /ir-scan\.png/ }).waitFor();
  const files = await ok<{ items: Array<{ name: string; mediaType: string; uploadedBy: string }> }>(
    'uma',
    'GET',
    `/work-orders/${ids.draft}/attachments`
  );
  expect(files.items).toContainEqual(
    expect.objectContaining({ name: 'ir-scan.png', mediaType: 'image/png', uploadedBy: 'uma' })
  );

  // Someone else saves in between: the page's version is stale.
  await p.getByRole('button', { name: 'Edit' }).click();
  await p.getByLabel('Title').fill('Thermography of block 2 (IR)');
  const now = await ok<{ version: number }>('ada', 'GET', `/work-orders/${ids.draft}`);
  await ok('ada', 'PATCH', `/work-orders/${ids.draft}`, { priority: 'high', version: now.version });
  await p.getByRole('button', { name: 'Save', exact: true }).click();
  await p.getByText(/Someone else changed this work order/).waitFor();
  const after = await ok<{ title: string; priority: string }>('uma', 'GET', `/work-orders/${ids.draft}`);
  expect(after).toMatchObject({ title: 'Annual thermography of block 2', priority: 'high' });
  // The page reloaded the current version (priority high).
  await p.getByRole('region', { name: 'Details' }).getByText('high').waitFor();
  // The one expected failure: the stale PATCH answered 409.
  expect(page.errors.filter((e) => !/409/.test(e))).toEqual([]);
  expect(page.errors.filter((e) => /409/.test(e)).length).toBeGreaterThan(0);
});

test('a viewer sees the detail read-only; the alarm link opens a prefilled REQUEST that the API files', async () => {
  page = await openApp(`/work-orders/${ids.fan}`, 'vera', 'light');
  const p = page.page;
  await p.getByRole('heading', { name: /Replace HVAC fan/ }).waitFor();
  await expect(p.getByRole('button', { name: 'Edit' }).count()).resolves.toBe(0);
  await expect(p.getByRole('group', { name: 'Workflow' }).count()).resolves.toBe(0);
  await expect(p.getByRole('textbox', { name: 'Comment' }).count()).resolves.toBe(0);
  await page.screenshot(path.join(results, 'work-order-detail-viewer-light.png'));
  await page.close();

  page = await openApp(
    '/work-orders/from-alarm?site=FI006&device=FI006ES1BK1BS1&alarm=BMS_OVER_TEMP&severity=critical&eventId=ev-42',
    'vera'
  );
  const q = page.page;
  await expect(q.getByLabel('Title').inputValue()).resolves.toBe('BMS_OVER_TEMP on FI006ES1BK1BS1');
  await page.screenshot(path.join(results, 'request-from-alarm.png'));
  await q.getByRole('button', { name: 'File request' }).click();
  await q.getByRole('heading', { name: /#\d+ BMS_OVER_TEMP on FI006ES1BK1BS1/ }).waitFor();
  const list = await ok<{
    items: Array<{ title: string; status: string; priority: string; source: { eventId?: string } | null }>;
  }>('vera', 'GET', '/work-orders?q=BMS_OVER_TEMP');
  expect(list.items).toEqual([
    expect.objectContaining({
      status: 'REQUEST',
      priority: 'critical',
      source: expect.objectContaining({ eventId: 'ev-42' }),
    }),
  ]);
  expect(page.errors).toEqual([]);
});

test('Devices shows the offline block and its strings offline through the cascade; Notifications lists the mention', async () => {
  page = await openApp('/devices?site=FI006');
  const p = page.page;
  await p.getByRole('table', { name: 'Device status' }).waitFor();
  const block = p.getByTestId('device-row').filter({ hasText: 'FI006ES1BK2' }).first();
  await expect(block.getByText('Smoke detector fault').isVisible()).resolves.toBe(true);
  for (const string of ['FI006ES1BK2BS1', 'FI006ES1BK2BS2']) {
    const row = p.getByTestId('device-row').filter({ hasText: string });
    await expect(row.getByText('Offline via FI006ES1BK2').isVisible()).resolves.toBe(true);
  }
  // Block 1 and its strings stay online.
  await expect(
    p.getByTestId('device-row').filter({ hasText: 'FI006ES1BK1BS1' }).getByText('Online').isVisible()
  ).resolves.toBe(true);
  await page.screenshot(path.join(results, 'devices.png'));
  await page.close();

  page = await openApp('/notifications');
  const q = page.page;
  await q.getByTestId('notification').first().waitFor();
  await expect(
    q
      .getByText(/mentioned/)
      .first()
      .isVisible()
  ).resolves.toBe(true);
  await q.getByRole('button', { name: 'Mark all read' }).click();
  await q.getByRole('tab', { name: 'Notifications', exact: true }).waitFor();
  await expect(ok<{ unread: number }>('uma', 'GET', '/notifications/unread-count')).resolves.toEqual({ unread: 0 });
  expect(page.errors).toEqual([]);
});
