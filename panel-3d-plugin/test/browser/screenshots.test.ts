/** @jest-environment node */
/**
 * The built plugin in headless Chromium (SwiftShader WebGL), loaded through SystemJS like Grafana loads plugins:
 * the demo-sized site (2 blocks × 12 strings, dark theme) and a 20-block site (light theme), one screenshot per
 * metric and view mode in test-results/. Each frame must show the scene (not blank), on the dark navy background,
 * with colours varying across bars, and a readable legend naming metric, unit, min and max.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../plugin-config/browser';
import { frames, legendReadability, openSite, PANEL, probe, RESULTS } from './support';

const METRICS = [
  { label: 'Power', key: 'power', unit: 'kW' },
  { label: 'SOC', key: 'soc', unit: '%', min: '0.0 %', max: '100.0 %' },
  { label: 'Temp max', key: 'tempMax', unit: '°C', min: '0.0 °C', max: '45.0 °C' },
  { label: 'Temp min', key: 'tempMin', unit: '°C', min: '0.0 °C', max: '45.0 °C' },
  { label: 'DC voltage', key: 'dcVoltage', unit: 'V', min: '1000 V', max: '1400 V' },
];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

async function screenshotAll(site: { blocks: number; strings: number }, theme: 'dark' | 'light', prefix: string) {
  const { p } = await openSite(browser, { ...site, faults: true }, { theme });
  const page = p.page;
  const failures: string[] = [];
  let views = 0;
  try {
    for (const mode of ['String', 'Block']) {
      for (const m of METRICS) {
        await page.getByRole('radio', { name: m.label, exact: true }).click();
        if (m.key !== 'dcVoltage') await page.getByRole('radio', { name: mode, exact: true }).click();
        await page.mouse.move(PANEL.width - 20, 70); // no hover tooltip over the view
        await frames(page, 3);
        const file = path.join(RESULTS, `${prefix}-${m.key}-${mode.toLowerCase()}.png`);
        await p.screenshot(file);
        const s = await probe(page);
        const legend = await legendReadability(page);
        const forcedString = m.key === 'dcVoltage' || mode === 'String';
        const tag = `${prefix} ${m.key} ${mode}`;
        const check = (what: string, ok: boolean, got: unknown) => {
          if (!ok) failures.push(`${tag}: ${what} (got ${JSON.stringify(got)})`);
        };
        // the view: one bar per string, or per block (DC voltage forces strings)
        check('metric', s.bars?.metric === m.key, s.bars?.metric);
        check('mode', s.bars?.mode === (forcedString ? 'string' : 'block'), s.bars?.mode);
        check('bar count', s.bars?.count === (forcedString ? site.blocks * site.strings : site.blocks), s.bars?.count);
        // not blank: containers, floor and bars cover a good part of the canvas
        check('covered > 30 %', s.frame.covered > 0.3, s.frame.covered);
        // dark navy in both themes: the corners show the navy floor / background (blue dominant, dark)
        const [r, g, b] = s.frame.corner;
        check('navy corners', b > r && b > g && r + g + b < 3 * 90, s.frame.corner);
        // colours vary across bars (block 1 has an offline and a stale string drawn as ghosts in string view)
        const minColors = forcedString ? 6 : Math.min(2, site.blocks);
        check(`>= ${minColors} bar colours`, s.instances.distinctColors >= minColors, s.instances.distinctColors);
        if (forcedString) check('2 ghost bars', s.instances.ghost === 2, s.instances.ghost);
        if (forcedString) check('>= 2 hues on screen', s.frame.hues >= 2, s.frame.hues);
        // the legend names metric, unit, min and max, with readable contrast
        check('legend title', legend.text.includes(`${m.label} (${m.unit})`), legend.text);
        if (m.min) check('legend min', legend.text.includes(m.min), legend.text);
        if (m.max) check('legend max', legend.text.includes(m.max), legend.text);
        check('legend contrast >= 4.5', legend.contrast >= 4.5, legend.contrast);
        check('legend font >= 11 px', legend.fontPx >= 11, legend.fontPx);
        // draw calls do not depend on the number of bars
        check('draw calls < 20', s.stats.calls > 0 && s.stats.calls < 20, s.stats.calls);
        views++;
      }
    }
    expect(failures).toEqual([]);
    expect(views).toBe(10);
    expect(p.errors).toEqual([]);
    expect((await p.state()).errors).toEqual([]);
  } finally {
    await p.close();
  }
}

it('renders the demo site (2 × 12) for every metric and both modes, dark theme', async () => {
  await screenshotAll({ blocks: 2, strings: 12 }, 'dark', 'demo');
}, 60_000);

it('renders a 20-block site for every metric and both modes, light theme', async () => {
  await screenshotAll({ blocks: 20, strings: 12 }, 'light', 'site20');
}, 60_000);
