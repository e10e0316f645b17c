/** @jest-environment node */
/**
 * Interaction with the built panel in headless Chromium on the demo site (test/fixtures/demoSite.ts: FI006 from
 * the demo config, simulated, stored on the real PostgreSQL and answered by the API's `tree` / `latest` handlers,
 * plus the cell arrays from `latest_array`): hover tooltip from raycasting the instanced bars, click → the device
 * detail dashboard with the device variable (Grafana's locationService changes the URL), double-click → the cell
 * view (416 cells of the stored arrays, min / max / spread) and back with Escape or the Site button.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, type PluginPage } from '../../../plugin-config/browser';
import { demoSite, DEMO, type DemoSite } from '../fixtures/demoSite';
import { barPosition, cameraState, frames, openFrames, probe, RESULTS } from './support';

let browser: Browser;
let demo: DemoSite;
beforeAll(async () => {
  [browser, demo] = await Promise.all([launchChromium(), demoSite()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

const KNOWN = DEMO.front; // front row of block 2: nothing in front of it
/** Panel size of these tests: smaller than the screenshots' (SwiftShader renders every pixel on the CPU). */
const SIZE = { width: 720, height: 400 };

/** Hovers a bar and returns the tooltip text. */
async function hover(p: PluginPage, id: string): Promise<string> {
  await p.page.mouse.move(5, 5);
  const pos = await barPosition(p.page, id);
  expect(pos).not.toBeNull();
  await p.page.mouse.move(pos!.x, pos!.y);
  const tooltip = p.page.getByTestId('site3d-tooltip').filter({ hasText: id });
  await tooltip.waitFor({ timeout: 10_000 });
  return tooltip.innerText();
}

/** Draw calls of a frame of the demo site with shadows on (measured on the shared page). */
let callsWithShadows = 0;

describe('on the demo site (one page: cells first, the click navigates last)', () => {
  let shared: PluginPage;
  beforeAll(async () => {
    shared = await openFrames(browser, demo.frames, demo.now, {
      size: SIZE,
      options: { linkUrl: '/d/openbess-device-detail/device-detail?var-site=$site&var-device=${__device}' },
      variables: [{ name: 'site', current: 'FI006' }],
    });
    const c = await cameraState(shared.page);
    expect(c.shadows).toBe(true);
    callsWithShadows = c.calls;
  }, 120_000);
  afterAll(async () => {
    await shared?.close();
  });

  it('opens the cells of a string on double-click and returns with Escape and the Site button', async () => {
    const p = shared;
    const page = p.page;
    // what the database holds for the drifting string
    const stored = demo.cells.get(DEMO.drifting)!;
    const extreme = (a: number[], pick: (x: number, y: number) => boolean) =>
      a.reduce((best, v, i) => (pick(v, a[best]) ? i : best), 0);
    const vMin = extreme(stored.cellVoltages, (x, y) => x < y);
    const tMax = extreme(stored.cellTemperatures, (x, y) => x > y);
    const site = await probe(page);
    const id = DEMO.drifting;
    const pos = await barPosition(page, id);
    await page.mouse.dblclick(pos!.x, pos!.y);
    await page.getByTestId('site3d-cell-stats').waitFor({ timeout: 15_000 });
    await page.mouse.move(5, 5);
    await frames(page, 3);
    const cells = await probe(page);
    expect(cells.cells).toBe(true);
    expect(cells.frame.covered).toBeGreaterThan(0.08);
    expect(cells.frame.hues).toBeGreaterThanOrEqual(2);
    const stats = await page.getByTestId('site3d-cell-stats').innerText();
    expect(stored.cellVoltages).toHaveLength(416);
    expect(stats).toContain(`min ${stored.cellVoltages[vMin].toFixed(3)} (cell ${vMin + 1})`);
    expect(stats).toContain('416 cells');
    const spread = Math.max(...stored.cellVoltages) - Math.min(...stored.cellVoltages);
    expect(stats).toContain(`spread ${(spread * 1000).toFixed(0)} mV`);
    expect(await page.locator('[data-kind="cellMin"]').innerText()).toContain(`cell ${vMin + 1}`);
    expect(await page.locator('[data-kind="cellMax"]').count()).toBe(1);
    expect(await page.locator('[data-kind="module"]').count()).toBe(8);
    expect(page.url()).not.toContain('/d/'); // the double-click did not also navigate
    await p.screenshot(path.join(RESULTS, 'demo-cells-voltage.png'));

    await page.getByRole('radio', { name: 'Temperature', exact: true }).click();
    await page.mouse.move(5, 5);
    await frames(page, 3);
    expect(await page.getByTestId('site3d-cell-stats').innerText()).toContain(
      `max ${stored.cellTemperatures[tMax].toFixed(1)} (cell ${tMax + 1})`
    );
    await p.screenshot(path.join(RESULTS, 'demo-cells-temperature.png'));

    await page.keyboard.press('Escape');
    await page.getByTestId('site3d-legend').getByText('Power (kW)').waitFor({ timeout: 15_000 });
    await frames(page, 2);
    const back = await probe(page);
    expect(back.cells).toBe(false);
    expect(back.bars?.count).toBe(24);
    expect(back.bars?.metric).toBe('power');
    // leaving the cell view freed its GPU resources (marker geometry, instance attributes)
    expect(back.stats.geometries).toBe(site.stats.geometries);
    expect(back.stats.textures).toBe(site.stats.textures);

    await page.mouse.dblclick(pos!.x, pos!.y);
    await page.getByTestId('site3d-cell-stats').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Back to site' }).click();
    await page.getByTestId('site3d-legend').getByText('Power (kW)').waitFor({ timeout: 15_000 });
    expect(p.errors).toEqual([]);
  }, 120_000);

  it('shows the tooltip of a hovered string and opens its device dashboard on click', async () => {
    const p = shared;
    // device id, |value| with unit, timestamp; the offline and the stale string say so, with the API's reason
    expect(await hover(p, DEMO.offline)).toMatch(/offline \(maintenance\)/);
    expect(await hover(p, DEMO.stale)).toMatch(/stale \(no data\)/);
    const text = await hover(p, KNOWN);
    expect(text).toMatch(/\d+ kW/);
    expect(text).toContain('discharging');
    expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    expect(text).not.toMatch(/stale|offline/);
    await p.screenshot(path.join(RESULTS, 'demo-tooltip.png'));
    const pos = await barPosition(p.page, KNOWN);
    const before = await p.page.evaluate(() => window.location.pathname);
    expect(before).not.toContain('/d/');
    await p.page.mouse.click(pos!.x, pos!.y);
    await p.page.waitForURL(/\/d\/openbess-device-detail\//, { timeout: 15_000 });
    const url = new URL(p.page.url());
    expect(url.pathname).toBe('/d/openbess-device-detail/device-detail');
    expect(url.searchParams.get('var-device')).toBe(KNOWN);
    expect(url.searchParams.get('var-site')).toBe('FI006'); // dashboard variable through replaceVariables
    expect(p.errors).toEqual([]);
  }, 120_000);
});

it('prefers a data link on the id field and links blocks in block view', async () => {
  // the tree frame with a data link on its id field (field config, as a dashboard author sets it)
  const [tree, ...rest] = demo.frames;
  const withLink = {
    ...tree,
    schema: {
      ...tree.schema,
      fields: tree.schema.fields.map((f) =>
        f.name === 'id'
          ? { ...f, config: { links: [{ title: 'Device', url: '/d/custom-device?var-device=${__value.raw}' }] } }
          : f
      ),
    },
  };
  const p = await openFrames(browser, [withLink, ...rest], demo.now, { size: SIZE, options: { mode: 'block' } });
  try {
    const pos = await barPosition(p.page, 'FI006ES1BK1');
    expect(pos).not.toBeNull();
    await p.page.mouse.click(pos!.x, pos!.y);
    await p.page.waitForURL(/custom-device/, { timeout: 15_000 });
    expect(new URL(p.page.url()).searchParams.get('var-device')).toBe('FI006ES1BK1');
  } finally {
    await p.close();
  }
}, 120_000);

it('orbits on drag, zooms on the wheel, auto-rotates on the toggle, and runs without shadows', async () => {
  // shadows off (the option for slow machines): no shadow map, no shadow pass — fewer draw calls than the same
  // demo site with shadows (the shared page above), and the scene still renders. A smaller panel, too: every
  // frame renders while the camera moves, and SwiftShader draws every pixel on the CPU.
  const size = { width: 480, height: 300 };
  const p = await openFrames(browser, demo.frames, demo.now, { size, options: { shadows: false } });
  const page = p.page;
  try {
    const c0 = await cameraState(page);
    expect(c0.shadows).toBe(false);
    expect(c0.autoRotate).toBe(false);
    expect(c0.calls).toBeGreaterThan(0);
    expect(callsWithShadows).toBeGreaterThan(0);
    expect(c0.calls).toBeLessThan(callsWithShadows);
    const s = await probe(page);
    expect(s.frame.covered).toBeGreaterThan(0.3);
    expect(s.instances.live).toBe(22);
    await p.screenshot(path.join(RESULTS, 'demo-power-string-no-shadows.png'));
    // drag on empty floor near the bottom right: the camera swings around the target, nothing navigates
    await page.mouse.move(450, 285);
    await page.mouse.down();
    for (let i = 1; i <= 3; i++) await page.mouse.move(450 - i * 40, 285, { steps: 1 });
    await page.mouse.up();
    await frames(page, 4);
    const c1 = await cameraState(page);
    expect(Math.abs(c1.azimuth - c0.azimuth)).toBeGreaterThan(0.2);
    expect(c1.distance).toBeCloseTo(c0.distance, 0);
    expect(page.url()).not.toContain('/d/');
    // wheel: zoom in
    await page.mouse.move(240, 150);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -300);
    await frames(page, 4);
    const c2 = await cameraState(page);
    expect(c2.distance).toBeLessThan(c1.distance * 0.9);
    // auto-rotate: the camera turns by itself while on, and stops when off
    await page.getByRole('button', { name: /Rotate/ }).click();
    const a = await cameraState(page);
    expect(a.autoRotate).toBe(true);
    // OrbitControls turns 2π / 60 / 60 × autoRotateSpeed (0.8) = 0.0014 rad per frame, eased in by the
    // damping: on a loaded machine 4 frames may not be enough, so up to 60 are waited for
    let b = a;
    for (let i = 0; i < 15 && Math.abs(b.azimuth - a.azimuth) <= 0.001; i++) {
      await frames(page, 4);
      b = await cameraState(page);
    }
    expect(Math.abs(b.azimuth - a.azimuth)).toBeGreaterThan(0.001);
    await page.getByRole('button', { name: /Rotate/ }).click();
    // only the damping's decaying remainder moves the camera now: it comes to rest (while on, it never does)
    let c = await cameraState(page);
    let d = c;
    for (let i = 0; i < 30; i++) {
      await frames(page, 4);
      d = await cameraState(page);
      if (Math.abs(d.azimuth - c.azimuth) < 1e-4) break;
      c = d;
    }
    expect(d.autoRotate).toBe(false);
    expect(Math.abs(d.azimuth - c.azimuth)).toBeLessThan(1e-4);
    expect(p.errors).toEqual([]);
  } finally {
    await p.close();
  }
}, 120_000);
