/**
 * Helpers of the browser tests: open the built panel through the shared harness (SystemJS + AMD, Grafana's shared
 * modules) with a generated site, and read the live scene's state from the page through the module's test exports.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadPluginInBrowser, type PluginPage } from '../../../plugin-config/browser';
import { siteFrames, type SiteFrameOptions } from '../fixtures/siteFrames';

export const PLUGIN_DIR = path.resolve(__dirname, '../..');
export const RESULTS = path.join(PLUGIN_DIR, 'test-results');
export const MODULE_URL = '/public/plugins/openbess-site3d-panel/module.js';
export const PANEL = { width: 1000, height: 560 };

/** Extra settings of a panel page. */
export interface OpenExtra {
  theme?: 'dark' | 'light';
  options?: Record<string, unknown>;
  variables?: Array<{ name: string; current: string }>;
  /** Panel size, CSS px (default {@link PANEL}). */
  size?: { width: number; height: number };
}

/** Opens the panel with a generated site. */
export async function openSite(
  browser: Browser,
  site: Omit<SiteFrameOptions, 'now'>,
  extra: OpenExtra = {}
): Promise<{ p: PluginPage; now: number }> {
  const now = Date.now();
  return { p: await openFrames(browser, siteFrames({ ...site, now }), now, extra), now };
}

/**
 * Opens the panel on the given frames (data-frame JSON or plain frames, e.g. the demo site's `tree`, `latest` and
 * cell frames) with the dashboard time range ending at `now`.
 */
export async function openFrames(browser: Browser, series: unknown[], now: number, extra: OpenExtra = {}) {
  const p = await loadPluginInBrowser({
    browser,
    pluginDir: PLUGIN_DIR,
    render: 'panel',
    theme: extra.theme ?? 'dark',
    props: { data: { series }, options: extra.options ?? {}, title: 'Site' },
    timeRange: { from: now - 3600_000, to: now },
    panelSize: extra.size ?? PANEL,
    viewport: { width: (extra.size ?? PANEL).width + 40, height: (extra.size ?? PANEL).height + 40 },
    variables: extra.variables as never,
  });
  await p.waitForIdle();
  await frames(p.page, 3);
  return p;
}

/** Waits n animation frames in the page. */
export function frames(page: Page, n = 2): Promise<void> {
  return page.evaluate(
    (count) =>
      new Promise<void>((resolve) => {
        let left = count;
        const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
        requestAnimationFrame(tick);
      }),
    n
  );
}

/** What the live scene shows (the most recently created one). */
export interface SceneProbe {
  liveScenes: number;
  stats: { geometries: number; textures: number; calls: number; triangles: number };
  bars: { count: number; mode: string; metric: string; ids: string[]; range: [number, number] } | null;
  instances: { live: number; ghost: number; distinctColors: number };
  frame: { covered: number; hues: number; corner: [number, number, number] };
  cells: boolean;
}

/** Probes the live scene: counters, bars, instance colours and the rendered frame. */
export function probe(page: Page): Promise<SceneProbe> {
  return page.evaluate(async (url) => {
    type Scene = {
      stats(): SceneProbe['stats'];
      currentBars: { count: number; mode: string; metric: string; ids: string[]; range: [number, number] } | null;
      barInstances(): { colors: Float32Array; live: number; ghost: number };
      readFrame(): SceneProbe['frame'];
      showingCells: boolean;
    };
    const w = window as unknown as { System: { import(u: string): Promise<Record<string, unknown>> } };
    const mod = (await w.System.import(url)) as { site3dInstrumentation: { liveScenes(): Scene[] } };
    const scenes = mod.site3dInstrumentation.liveScenes();
    const s = scenes[scenes.length - 1];
    const inst = s.barInstances();
    const colors = new Set<string>();
    for (let i = 0; i < inst.live; i++) {
      colors.add(
        Array.from(inst.colors.subarray(i * 3, i * 3 + 3))
          .map((v) => v.toFixed(3))
          .join(',')
      );
    }
    const frame = s.readFrame();
    const b = s.currentBars;
    return {
      liveScenes: scenes.length,
      stats: s.stats(),
      bars: b ? { count: b.count, mode: b.mode, metric: b.metric, ids: b.ids.slice(), range: b.range } : null,
      instances: { live: inst.live, ghost: inst.ghost, distinctColors: colors.size },
      frame,
      cells: s.showingCells,
    };
  }, MODULE_URL);
}

/** Client coordinates of a bar (by device id) in the live scene, or null. */
export function barPosition(page: Page, id: string): Promise<{ x: number; y: number } | null> {
  return page.evaluate(
    async ([url, device]) => {
      type Scene = {
        currentBars: { ids: string[] } | null;
        barScreenPosition(i: number): { x: number; y: number } | null;
      };
      const w = window as unknown as { System: { import(u: string): Promise<Record<string, unknown>> } };
      const mod = (await w.System.import(url)) as { site3dInstrumentation: { liveScenes(): Scene[] } };
      const scenes = mod.site3dInstrumentation.liveScenes();
      const s = scenes[scenes.length - 1];
      const i = s.currentBars?.ids.indexOf(device) ?? -1;
      return i < 0 ? null : s.barScreenPosition(i);
    },
    [MODULE_URL, id] as const
  );
}

/** WCAG 2.x contrast ratio of the legend's text against its background, and its font size. */
export function legendReadability(page: Page): Promise<{ text: string; contrast: number; fontPx: number }> {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid="site3d-legend"]') as HTMLElement | null;
    if (!el) return { text: '', contrast: 0, fontPx: 0 };
    const cs = getComputedStyle(el);
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const a = lum(rgb(cs.color));
    const b = lum(rgb(cs.backgroundColor));
    return {
      text: el.innerText,
      contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
      fontPx: parseFloat(cs.fontSize),
    };
  });
}

/** Camera, orbit target, auto-rotate and shadow state of the live scene. */
export interface CameraProbe {
  position: [number, number, number];
  target: [number, number, number];
  /** Camera distance from the orbit target, m. */
  distance: number;
  /** Azimuth around the target, radians. */
  azimuth: number;
  autoRotate: boolean;
  shadows: boolean;
  calls: number;
}

/** Reads the live scene's camera and renderer state (renders one frame first, for the draw calls). */
export function cameraState(page: Page): Promise<CameraProbe> {
  return page.evaluate(async (url) => {
    type V3 = { x: number; y: number; z: number };
    type Scene = {
      camera: { position: V3 };
      controls: { target: V3; autoRotate: boolean };
      renderer: { shadowMap: { enabled: boolean } };
      renderNow(): void;
      stats(): { calls: number };
    };
    const w = window as unknown as { System: { import(u: string): Promise<Record<string, unknown>> } };
    const mod = (await w.System.import(url)) as { site3dInstrumentation: { liveScenes(): Scene[] } };
    const scenes = mod.site3dInstrumentation.liveScenes();
    const s = scenes[scenes.length - 1];
    s.renderNow();
    const p = s.camera.position;
    const t = s.controls.target;
    return {
      position: [p.x, p.y, p.z],
      target: [t.x, t.y, t.z],
      distance: Math.hypot(p.x - t.x, p.y - t.y, p.z - t.z),
      azimuth: Math.atan2(p.x - t.x, p.z - t.z),
      autoRotate: s.controls.autoRotate,
      shadows: s.renderer.shadowMap.enabled,
      calls: s.stats().calls,
    };
  }, MODULE_URL);
}
