/** @jest-environment node */
/**
 * The built plugin in headless Chromium (SwiftShader WebGL), loaded through SystemJS like Grafana loads plugins.
 *
 * The demo site (FI006 of collector/config/demo.yaml, 2 blocks × 12 strings, simulated and stored on the real
 * PostgreSQL, answered by the API's own `tree` / `latest` handlers: test/fixtures/demoSite.ts), dark theme: one
 * screenshot per metric and view mode in test-results/ (git-ignored). Each frame must show the scene (not blank)
 * on the dark navy background, colours must vary across strings, the offline and the stale string must be drawn as
 * ghosts, and the legend must name metric, unit, min and max readably. A 20-block generated site in the light
 * theme checks the scene stays navy and the draw calls stay flat at 240 bars.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../plugin-config/browser';
import { demoSite, type DemoSite } from '../fixtures/demoSite';
import { frames, legendReadability, openFrames, openSite, PANEL, probe, RESULTS, type SceneProbe } from './support';
import type { PluginPage } from '../../../plugin-config/browser';

const METRICS = [
  // power: 0 to the block rating's string share (2500 kW / 12 strings) or the rating in block view
  { label: 'Power', key: 'power', unit: 'kW', max: { String: '208 kW', Block: '2500 kW' } },
  { label: 'SOC', key: 'soc', unit: '%', min: '0.0 %', max: '100.0 %' },
  { label: 'Temp max', key: 'tempMax', unit: '°C', min: '0.0 °C', max: '45.0 °C' },
  { label: 'Temp min', key: 'tempMin', unit: '°C', min: '0.0 °C', max: '45.0 °C' },
  { label: 'DC voltage', key: 'dcVoltage', unit: 'V', min: '1000 V', max: '1400 V' },
] as const;

let browser: Browser;
let demo: DemoSite;
beforeAll(async () => {
  [browser, demo] = await Promise.all([launchChromium(), demoSite()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

/** Shows a metric in a mode, takes the screenshot and probes the scene. */
async function view(p: PluginPage, label: string, mode: 'String' | 'Block', file: string) {
  const page = p.page;
  await page.getByRole('radio', { name: label, exact: true }).click();
  if (label !== 'DC voltage') await page.getByRole('radio', { name: mode, exact: true }).click();
  await page.mouse.move(PANEL.width - 20, 70); // no hover tooltip over the view
  await frames(page, 3);
  await p.screenshot(path.join(RESULTS, file));
  return { s: await probe(page), legend: await legendReadability(page) };
}

/** Checks shared by every view; returns failures as text. */
function common(tag: string, s: SceneProbe, legend: { text: string; contrast: number; fontPx: number }) {
  const failures: string[] = [];
  const check = (what: string, ok: boolean, got: unknown) => {
    if (!ok) failures.push(`${tag}: ${what} (got ${JSON.stringify(got)})`);
  };
  // not blank: containers, floor and bars cover a good part of the canvas
  check('covered > 30 %', s.frame.covered > 0.3, s.frame.covered);
  // dark navy in both themes: the corners show the navy floor / background (blue dominant, dark)
  const [r, g, b] = s.frame.corner;
  check('navy corners', b > r && b > g && r + g + b < 3 * 90, s.frame.corner);
  check('legend contrast >= 4.5', legend.contrast >= 4.5, legend.contrast);
  check('legend font >= 11 px', legend.fontPx >= 11, legend.fontPx);
  // draw calls do not depend on the number of bars
  check('draw calls < 20', s.stats.calls > 0 && s.stats.calls < 20, s.stats.calls);
  return { failures, check };
}

it('renders the demo site for every metric in both modes (dark theme)', async () => {
  const p = await openFrames(browser, demo.frames, demo.now);
  const failures: string[] = [];
  let views = 0;
  try {
    for (const mode of ['String', 'Block'] as const) {
      for (const m of METRICS) {
        const { s, legend } = await view(p, m.label, mode, `demo-${m.key}-${mode.toLowerCase()}.png`);
        const forcedString = m.key === 'dcVoltage' || mode === 'String';
        const shown = forcedString ? 'String' : 'Block';
        const c = common(`demo ${m.key} ${mode}`, s, legend);
        const check = c.check;
        check('metric', s.bars?.metric === m.key, s.bars?.metric);
        check('mode', s.bars?.mode === shown.toLowerCase(), s.bars?.mode);
        check('bar count', s.bars?.count === (forcedString ? 24 : 2), s.bars?.count);
        if (forcedString) {
          // the offline (maintenance) and the stale (no data) string are ghosts; the other 22 are coloured and
          // their colours vary (the tripped string, the hot module, SOC spread across strings)
          check('22 live + 2 ghost bars', s.instances.live === 22 && s.instances.ghost === 2, s.instances);
          check('>= 2 bar colours', s.instances.distinctColors >= 2, s.instances.distinctColors);
          // saturated hues in the rendered frame: the container edges plus the bars — except SOC, whose demo value
          // (~47 %) sits in the muted middle of the amber → blue blend
          const hues = m.key === 'soc' ? 1 : 2;
          check(`>= ${hues} hues on screen`, s.frame.hues >= hues, s.frame.hues);
        } else {
          check('2 live block bars', s.instances.live === 2 && s.instances.ghost === 0, s.instances);
        }
        // the legend names metric, unit, min and max
        check('legend title', legend.text.includes(`${m.label} (${m.unit})`), legend.text);
        const min = 'min' in m ? m.min : `0 ${m.unit}`;
        const max = typeof m.max === 'string' ? m.max : m.max[shown];
        check('legend min', legend.text.includes(min), legend.text);
        check('legend max', legend.text.includes(max), legend.text);
        failures.push(...c.failures);
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
}, 150_000);

it('keeps a 20-block site navy with flat draw calls in the light theme', async () => {
  const { p } = await openSite(browser, { blocks: 20, strings: 12, faults: true }, { theme: 'light' });
  try {
    const failures: string[] = [];
    const calls: number[] = [];
    for (const [label, mode] of [
      ['Temp max', 'String'],
      ['SOC', 'Block'],
    ] as const) {
      const { s, legend } = await view(p, label, mode, `site20-${label.replace(' ', '')}-${mode.toLowerCase()}.png`);
      const c = common(`site20 ${label} ${mode}`, s, legend);
      c.check('bar count', s.bars?.count === (mode === 'String' ? 240 : 20), s.bars?.count);
      const minColors = mode === 'String' ? 6 : 2;
      c.check(`>= ${minColors} bar colours`, s.instances.distinctColors >= minColors, s.instances.distinctColors);
      failures.push(...c.failures);
      calls.push(s.stats.calls);
    }
    expect(failures).toEqual([]);
    // 240 bars with ghosts vs 20 block bars without: the same meshes, the ghost mesh drawn only when used
    expect(calls[0] - calls[1]).toBeGreaterThanOrEqual(0);
    expect(calls[0] - calls[1]).toBeLessThanOrEqual(1);
    expect(p.errors).toEqual([]);
  } finally {
    await p.close();
  }
}, 120_000);
