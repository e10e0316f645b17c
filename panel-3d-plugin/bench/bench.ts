/**
 * Bench of the 3D site panel, in headless Chromium (WebGL through SwiftShader: a software GPU, so frame times
 * are pessimistic; the CPU-side figures are what the targets are about). Runs the built dist/module.js loaded
 * through the shared harness (SystemJS, as Grafana loads plugins) and prints:
 *
 * - update of 100,000 bar instances (colours + heights, `SiteScene.setBars`): CPU ms per update, target < 16 ms;
 * - draw calls (`renderer.info.render.calls`) for 240 bars and for 100,000 bars: the same small number;
 * - building the scene for 20 blocks × 12 strings (frames → model → layout → bars → meshes), target < 50 ms.
 *
 * Usage: `npm run bench -w openbess-site3d-panel` (needs `npm run build -w openbess-site3d-panel` first).
 */
import path from 'node:path';
import { launchChromium, loadPluginInBrowser } from '../../plugin-config/browser';
import { siteFrames } from '../test/fixtures/siteFrames';

const MODULE_URL = '/public/plugins/openbess-site3d-panel/module.js';

/** Figures measured in the page. */
interface Figures {
  build: { medianMs: number; samples: number[]; firstFrameMs: number; rendererMs: number };
  update100k: { medianMs: number; p95Ms: number; renderMs: number; updates: number };
  calls: { bars240: number; bars100k: number; shadows: boolean };
}

// Runs in the page (plain JS after transpilation; no helpers from node).
const PAGE_BENCH = `async ({ url, frames20 }) => {
  const mod = await window.System.import(url);
  const { SiteScene, framesToScene, layoutSite, buildBars } = mod.site3dInternals;
  const gd = await window.System.import('@grafana/data');
  const opts = { idField: 'id', parentField: 'parent', profileField: 'profile', nameField: 'name', blockField: 'block',
    stringField: 'string', powerField: 'activePower', socField: 'stateOfCharge', tempMaxField: 'maxCellTemperature',
    tempMinField: 'minCellTemperature', dcVoltageField: 'dcVoltage', offlineField: 'isOffline', offlineReasonField: 'offlineReason', timeField: 'time',
    capacityField: 'capacityKwh', ratedPowerField: 'ratedPowerKw', cellVoltagesField: 'cellVoltages',
    cellTemperaturesField: 'cellTemperatures' };
  const host = document.createElement('div');
  host.style.cssText = 'position:fixed;left:0;top:0;width:800px;height:450px;';
  document.body.appendChild(host);
  const median = (a) => { const s = a.slice().sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
  const p95 = (a) => { const s = a.slice().sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };
  const rule = { now: Date.now(), intervalMs: 5000, intervals: 3 };
  const series = frames20.map((f) => gd.toDataFrame(f));

  // 1. build the 20 x 12 scene: frames -> model -> layout -> bars -> meshes (renderer already there)
  const r0 = performance.now();
  const scene = new SiteScene(host, { shadows: true });
  const rendererMs = performance.now() - r0;
  const samples = [];
  let firstFrameMs = 0;
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const { site } = framesToScene(series, opts);
    const layout = layoutSite(site.blocks.map((b) => b.strings.length));
    const bars = buildBars(site, layout, 'power', 'string', rule);
    scene.setLayout(layout, site.blocks.map((b) => b.name), 'Transformer');
    scene.setBars(bars);
    samples.push(performance.now() - t0);
    if (i === 0) { const f0 = performance.now(); scene.renderNow(); firstFrameMs = performance.now() - f0; }
  }
  scene.renderNow();
  const calls240 = scene.stats().calls;

  // 2. 100,000 bars: 400 blocks x 250 strings, then colour + height updates
  const blocks = [];
  const n = 400, per = 250;
  for (let b = 1; b <= n; b++) {
    const strings = [];
    for (let s = 1; s <= per; s++) strings.push({ id: 'B' + b + 'S' + s, name: '', string: s, capacityKwh: 20, time: rule.now,
      offline: false, values: { power: 0, soc: 50, tempMax: 25, tempMin: 20, dcVoltage: 1200 } });
    blocks.push({ id: 'B' + b, name: 'Block ' + b, block: b, ratedPowerKw: 2500, capacityKwh: 5000,
      values: { power: null, soc: null, tempMax: null, tempMin: null, dcVoltage: null }, time: rule.now, offline: false, strings });
  }
  const big = { site: 'XX000', transformerId: null, blocks };
  const bigLayout = layoutSite(blocks.map((b) => b.strings.length));
  const bigBars = buildBars(big, bigLayout, 'soc', 'string', rule);
  scene.setLayout(bigLayout, blocks.map((b) => b.name), 'Transformer');
  scene.setBars(bigBars);
  scene.renderNow();
  const calls100k = scene.stats().calls;
  const updates = [];
  const renders = [];
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let k = 0; k < 40; k++) {
    for (let i = 0; i < bigBars.count; i++) bigBars.values[i] = 100 * rnd();
    const t0 = performance.now();
    scene.setBars(bigBars);
    updates.push(performance.now() - t0);
    if (k < 5) { const f0 = performance.now(); scene.renderNow(); renders.push(performance.now() - f0); }
  }
  scene.dispose();
  host.remove();
  return {
    build: { medianMs: median(samples), samples, firstFrameMs, rendererMs },
    update100k: { medianMs: median(updates), p95Ms: p95(updates), renderMs: median(renders), updates: updates.length },
    calls: { bars240: calls240, bars100k: calls100k, shadows: true },
  };
}`;

async function main(): Promise<void> {
  const browser = await launchChromium();
  const now = Date.now();
  const p = await loadPluginInBrowser({
    browser,
    pluginDir: path.resolve(__dirname, '..'),
    render: 'panel',
    props: { data: { series: siteFrames({ blocks: 1, strings: 2, now }) } },
    timeRange: { from: now - 3600_000, to: now },
  });
  try {
    await p.waitForIdle();
    // all strings fresh, as in the 100,000-bar scene (stale / offline strings add the ghost mesh: one more call)
    const frames20 = siteFrames({ blocks: 20, strings: 12, now });
    const f: Figures = await p.page.evaluate(`(${PAGE_BENCH})(${JSON.stringify({ url: MODULE_URL, frames20 })})`);
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    console.log('openbess-site3d-panel bench (headless Chromium, SwiftShader WebGL)');
    console.log(
      `  update 100,000 instances (colours + heights): median ${ms(f.update100k.medianMs)}, p95 ${ms(f.update100k.p95Ms)} CPU per update over ${f.update100k.updates} updates (target < 16 ms) ${f.update100k.p95Ms < 16 ? 'OK' : 'OVER'}`
    );
    console.log(`    next frame incl. buffer upload (software GPU): ${ms(f.update100k.renderMs)}`);
    console.log(
      `  draw calls (renderer.info.render.calls, shadows on): 240 bars ${f.calls.bars240}, 100,000 bars ${f.calls.bars100k} ${f.calls.bars240 === f.calls.bars100k ? 'same' : 'DIFFERENT'}`
    );
    console.log(
      `  build scene 20 blocks × 12 strings (frames → model → layout → bars → meshes): median ${ms(f.build.medianMs)} over ${f.build.samples.length} builds (target < 50 ms) ${f.build.medianMs < 50 ? 'OK' : 'OVER'}`
    );
    console.log(
      `    WebGL renderer creation ${ms(f.build.rendererMs)}, first frame incl. shader compilation ${ms(f.build.firstFrameMs)}`
    );
    if (p.errors.length) console.log(`  page errors: ${p.errors.join('; ')}`);
  } finally {
    await p.close();
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
