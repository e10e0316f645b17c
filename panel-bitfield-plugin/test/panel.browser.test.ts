/** @jest-environment node */
/**
 * The built panel (dist/module.js) loaded in headless Chromium the way Grafana loads plugins (SystemJS + AMD,
 * Grafana's shared modules), rendering the demo site's FI006 block 1 strings (real register maps, a few bits
 * non-OK) in both views and both themes. Screenshots go to test-results/*.png.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, loadPluginInBrowser, type PluginPage } from '../../plugin-config/browser';
import { statusFrameInput } from '../src/testing/statusFrames';
import { demoBlockSamples } from './fixtures/demoSite';

const pluginDir = path.resolve(__dirname, '..');
const shot = (name: string) => path.join(pluginDir, 'test-results', `${name}.png`);
const T = Date.UTC(2025, 5, 1, 8, 30);
const demo = demoBlockSamples(T);
const frame = statusFrameInput(demo.samples);
const id = (n: number) => `FI006ES1BK1BS${n}`;

let browser: Browser;
const pages: PluginPage[] = [];

beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await Promise.all(pages.map((p) => p.close()));
  await browser?.close();
});

async function open(theme: 'dark' | 'light', options: Record<string, unknown>, device = id(9)) {
  const p = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'panel',
    theme,
    props: { data: { series: [frame] }, options, title: 'String status' },
    variables: [{ name: 'device', current: device, options: demo.devices }],
    viewport: { width: 1000, height: 640 },
    panelSize: { width: 960, height: 600 },
  });
  pages.push(p);
  await p.waitForIdle();
  return p;
}

const rowStates = (p: PluginPage) =>
  p.page.$$eval('[data-testid^="grid-row-"]', (rows) =>
    rows.map((r) => [r.getAttribute('data-testid')!.slice('grid-row-'.length), r.getAttribute('data-state')])
  );

describe('bitfield panel in Chromium (built module.js through SystemJS)', () => {
  it('the demo frame comes from the real maps: 12 strings × 3 bitfield registers', () => {
    expect(demo.devices).toEqual(Array.from({ length: 12 }, (_, i) => id(i + 1)));
    expect(demo.specs.map((s) => s.key).sort()).toEqual(['contactorState', 'stringEvents', 'stringStatus']);
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`grid of the 12 strings, ${theme} theme: worst state per cell, expand by click and keyboard`, async () => {
      const p = await open(theme, {});
      const state = await p.state();
      expect(state.pluginClass).toBe('PanelPlugin');
      expect(state.moduleExports).toContain('plugin');
      expect(state.errors).toEqual([]);
      expect(await rowStates(p)).toEqual(
        demo.devices.map((d) => [d, d === id(3) ? 'ALARM' : d === id(9) ? 'WARNING' : 'OK'])
      );
      const cell = p.page
        .getByTestId(`grid-row-${id(7)}`)
        .getByRole('gridcell')
        .first();
      expect(await cell.getAttribute('data-state')).toBe('NO_DATA');
      expect(await cell.textContent()).toBe('—No data');
      await p.screenshot(shot(`grid-${theme}`));

      // keyboard: Tab into the grid, move to BS3's status word, Enter expands it
      await p.page.keyboard.press('Tab');
      for (const key of ['ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowRight', 'ArrowRight']) {
        await p.page.keyboard.press(key);
      }
      const focused = await p.page.evaluate(() => [
        document.activeElement?.closest('[role="row"]')?.getAttribute('data-testid'),
        document.activeElement?.textContent,
      ]);
      expect(focused).toEqual([`grid-row-${id(3)}`, 'ALARM0x0121']);
      await p.page.keyboard.press('Enter');
      const bits = p.page.getByRole('table', { name: 'Bits of String status word' });
      await bits.waitFor();
      expect(await bits.getByTestId('bit-5').textContent()).toContain('ALARM');
      expect(await bits.getByTestId('bit-1').textContent()).toContain('ALARM');
      await p.screenshot(shot(`grid-expanded-${theme}`));
      expect(p.errors).toEqual([]);
    }, 60_000);

    it(`device view of BS9, ${theme} theme: registers, bits, next sibling BS10`, async () => {
      const p = await open(theme, { displayMode: 'device' });
      expect(await p.page.getByRole('heading').textContent()).toBe(id(9));
      await p.page.getByRole('button', { name: /^String status word, 0x0107, Info/ }).click();
      const status = p.page.getByRole('table', { name: 'Bits of String status word' });
      expect(await status.getByTestId('bit-2').textContent()).toContain('INFO');
      await p.page.mouse.move(0, 0);
      await p.page.getByTestId('bitfield-panel').evaluate((el) => el.scrollTo(0, 0));
      await p.screenshot(shot(`device-${theme}`));

      await p.page.getByRole('button', { name: /^String event 1, 0x00000004, Warning/ }).click();
      const events = p.page.getByRole('table', { name: 'Bits of String event 1' });
      expect(await events.getByTestId('bit-2').textContent()).toContain('WARNING');
      expect(await events.getByTestId('bit-1').textContent()).toContain('OK');

      await p.page.getByRole('button', { name: `Next device: ${id(10)}` }).click();
      expect(new URL(p.page.url()).searchParams.get('var-device')).toBe(id(10));
      expect(p.errors).toEqual([]);
    }, 60_000);
  }

  it('"only non-OK" grid keeps the faulty strings', async () => {
    const p = await open('dark', { onlyNonOk: true });
    expect((await rowStates(p)).map(([d]) => d)).toEqual([id(3), id(7), id(9)]);
    await p.page
      .getByTestId(`grid-row-${id(3)}`)
      .getByRole('gridcell')
      .nth(1)
      .click();
    const bits = p.page.getByRole('table', { name: 'Bits of String event 1' });
    expect(await bits.getByTestId(/^bit-/).count()).toBe(1); // contactorError; the 27 OK bits are hidden
    await p.page.mouse.move(0, 0);
    await p.screenshot(shot('grid-only-non-ok-dark'));
  }, 60_000);

  it('numeric-field mode with bit definitions from the options', async () => {
    const p = await loadPluginInBrowser({
      pluginDir,
      browser,
      render: 'panel',
      theme: 'light',
      props: {
        data: {
          series: [
            {
              name: 'PCS1',
              fields: [
                { name: 'time', type: 'time', values: [T - 60_000, T] },
                { name: 'status', type: 'number', values: [0x0003, 0x0009] },
              ],
            },
          ],
        },
        options: {
          definitions:
            'registers:\n  - field: status\n    label: PCS status\n    bits:\n' +
            '      - { bit: 0, name: running, expected: 1, severity: WARNING }\n' +
            '      - { bit: 1, name: gridConnected, expected: 1, severity: ALARM }\n' +
            '      - { bit: 3, name: fault, expected: 0, severity: ALARM }\n',
        },
      },
      panelSize: { width: 800, height: 300 },
    });
    pages.push(p);
    await p.waitForIdle();
    await p.page.getByRole('button', { name: /^PCS status, 0x0009, Alarm/ }).click();
    const bits = p.page.getByRole('table', { name: 'Bits of PCS status' });
    expect(await bits.getByTestId('bit-1').textContent()).toContain('ALARM');
    expect(await bits.getByTestId('bit-0').textContent()).toContain('OK');
    await p.screenshot(shot('numeric-light'));
    expect(p.errors).toEqual([]);
  }, 60_000);
});
