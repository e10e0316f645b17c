/** @jest-environment node */
/**
 * Interaction with the built panel in headless Chromium: hover tooltip from raycasting the instanced bars, click →
 * the device detail dashboard with the device variable (Grafana's locationService changes the URL), double-click →
 * the cell view (416 cells, min / max / spread) and back with Escape or the Site button.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../plugin-config/browser';
import { barPosition, frames, openSite, probe, RESULTS } from './support';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

const KNOWN = 'FI006ES1BK2BS9'; // front row of block 2: nothing in front of it

it('shows the tooltip of a hovered string and opens its device dashboard on click', async () => {
  const { p } = await openSite(
    browser,
    { blocks: 2, strings: 12, faults: true },
    {
      options: { linkUrl: '/d/openbess-device-detail/device-detail?var-site=$site&var-device=${__device}' },
      variables: [{ name: 'site', current: 'FI006' }],
    }
  );
  try {
    const pos = await barPosition(p.page, KNOWN);
    expect(pos).not.toBeNull();
    await p.page.mouse.move(pos!.x, pos!.y);
    const tooltip = p.page.getByTestId('site3d-tooltip');
    await tooltip.waitFor({ timeout: 5000 });
    const text = await tooltip.innerText();
    expect(text).toContain(KNOWN);
    expect(text).toMatch(/\d+ kW/);
    expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await p.screenshot(path.join(RESULTS, 'demo-tooltip.png'));
    const before = await p.page.evaluate(() => window.location.pathname);
    expect(before).not.toContain('/d/');
    await p.page.mouse.click(pos!.x, pos!.y);
    await p.page.waitForURL(/\/d\/openbess-device-detail\//, { timeout: 5000 });
    const url = new URL(p.page.url());
    expect(url.pathname).toBe('/d/openbess-device-detail/device-detail');
    expect(url.searchParams.get('var-device')).toBe(KNOWN);
    expect(url.searchParams.get('var-site')).toBe('FI006'); // dashboard variable through replaceVariables
    expect(p.errors).toEqual([]);
  } finally {
    await p.close();
  }
}, 60_000);

it('prefers a data link on the id field and links blocks in block view', async () => {
  const now = Date.now();
  const { siteFrames } = await import('../fixtures/siteFrames');
  const frames0 = siteFrames({ blocks: 2, strings: 12, now });
  const id = frames0[0].fields.find((f) => f.name === 'id')!;
  id.config = { links: [{ title: 'Device', url: '/d/custom-device?var-device=${__value.raw}' }] };
  const { loadPluginInBrowser } = await import('../../../plugin-config/browser');
  const p = await loadPluginInBrowser({
    browser,
    pluginDir: path.resolve(__dirname, '../..'),
    render: 'panel',
    props: { data: { series: frames0 }, options: { mode: 'block' } },
    timeRange: { from: now - 3600_000, to: now },
    panelSize: { width: 1000, height: 560 },
    viewport: { width: 1040, height: 600 },
  });
  try {
    await p.waitForIdle();
    await frames(p.page, 3);
    const pos = await barPosition(p.page, 'FI006ES1BK1');
    expect(pos).not.toBeNull();
    await p.page.mouse.click(pos!.x, pos!.y);
    await p.page.waitForURL(/custom-device/, { timeout: 5000 });
    expect(new URL(p.page.url()).searchParams.get('var-device')).toBe('FI006ES1BK1');
  } finally {
    await p.close();
  }
}, 60_000);

it('opens the cells of a string on double-click and returns with Escape and the Site button', async () => {
  const { p } = await openSite(browser, { blocks: 2, strings: 12, faults: true, cells: true });
  const page = p.page;
  try {
    const site = await probe(page);
    const id = 'FI006ES1BK1BS3'; // has a weak cell (137) and a hot cell (301)
    const pos = await barPosition(page, id);
    await page.mouse.dblclick(pos!.x, pos!.y);
    await page.getByTestId('site3d-cell-stats').waitFor({ timeout: 5000 });
    await page.mouse.move(5, 5);
    await frames(page, 3);
    const cells = await probe(page);
    expect(cells.cells).toBe(true);
    expect(cells.frame.covered).toBeGreaterThan(0.08);
    expect(cells.frame.hues).toBeGreaterThanOrEqual(2);
    const stats = await page.getByTestId('site3d-cell-stats').innerText();
    expect(stats).toContain('min 3.180 (cell 138)');
    expect(stats).toContain('416 cells');
    expect(stats).toMatch(/spread \d+ mV/);
    expect(await page.locator('[data-kind="cellMin"]').innerText()).toContain('cell 138');
    expect(await page.locator('[data-kind="cellMax"]').count()).toBe(1);
    expect(await page.locator('[data-kind="module"]').count()).toBe(8);
    expect(page.url()).not.toContain('/d/'); // the double-click did not also navigate
    await p.screenshot(path.join(RESULTS, 'demo-cells-voltage.png'));

    await page.getByRole('radio', { name: 'Temperature', exact: true }).click();
    await page.mouse.move(5, 5);
    await frames(page, 3);
    expect(await page.getByTestId('site3d-cell-stats').innerText()).toContain('max 39.5 (cell 302)');
    await p.screenshot(path.join(RESULTS, 'demo-cells-temperature.png'));

    await page.keyboard.press('Escape');
    await page.getByTestId('site3d-legend').getByText('Power (kW)').waitFor({ timeout: 5000 });
    await frames(page, 2);
    const back = await probe(page);
    expect(back.cells).toBe(false);
    expect(back.bars?.count).toBe(24);
    // leaving the cell view freed its GPU resources (marker geometry, instance attributes)
    expect(back.stats.geometries).toBe(site.stats.geometries);
    expect(back.stats.textures).toBe(site.stats.textures);

    await page.mouse.dblclick(pos!.x, pos!.y);
    await page.getByTestId('site3d-cell-stats').waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: 'Back to site' }).click();
    await page.getByTestId('site3d-legend').getByText('Power (kW)').waitFor({ timeout: 5000 });
    expect(p.errors).toEqual([]);
  } finally {
    await p.close();
  }
}, 60_000);
