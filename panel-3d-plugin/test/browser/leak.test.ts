/** @jest-environment node */
/**
 * GPU leak test in headless Chromium (real WebGL through SwiftShader): the built panel, loaded through SystemJS by
 * the harness, is mounted in its own React root and fed 100 data updates (values change every time, the topology
 * every 25 updates: 2 × 12 → 3 × 8 → 20 × 12 → 2 × 12), then unmounted and remounted 10 times.
 * `renderer.info.memory` geometries / textures must stay flat, each disposed scene must have released every
 * geometry and texture before letting go of its renderer, and the WebGL buffers / textures it created must all be
 * deleted (counted by wrapping the WebGL2 context's create / delete calls).
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../plugin-config/browser';
import { siteFrames } from '../fixtures/siteFrames';
import { MODULE_URL, openSite } from './support';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

interface LeakReport {
  updates: Array<{ geometries: number; textures: number; calls: number }>;
  remounts: Array<{ geometries: number; textures: number }>;
  disposed: Array<{ geometries: number; textures: number }>;
  glLeft: Array<Record<string, number>>;
  contextLost: boolean[];
  liveAfterUnmount: number[];
  scenesBefore: number;
}

it('keeps GPU memory flat over 100 data updates and 10 unmount / remount cycles', async () => {
  const now = Date.now();
  const sizes = [
    { blocks: 2, strings: 12 },
    { blocks: 3, strings: 8 },
    { blocks: 20, strings: 12 },
    { blocks: 2, strings: 12 },
  ];
  const updates = Array.from({ length: 100 }, (_, tick) =>
    siteFrames({ ...sizes[Math.floor(tick / 25)], now, tick, faults: tick % 2 === 0 })
  );
  // small canvases: every update renders a frame, and SwiftShader's cost grows with the pixels
  const { p } = await openSite(browser, { blocks: 1, strings: 4 }, { size: { width: 160, height: 100 } });
  try {
    const report: LeakReport = await p.page.evaluate(
      async ({ url, updates, now }) => {
        type Stats = { geometries: number; textures: number; calls: number };
        type Scene = { stats(): Stats; lastRendered: { count: number } | null };
        const w = window as unknown as {
          System: { import(u: string): Promise<Record<string, unknown>> };
          WebGL2RenderingContext: { prototype: Record<string, unknown> };
        };
        // count live WebGL objects per context
        const live = new Map<unknown, Record<string, number>>();
        const kinds = ['Buffer', 'Texture', 'Framebuffer', 'Renderbuffer', 'Program', 'Shader', 'VertexArray'];
        const proto = w.WebGL2RenderingContext.prototype;
        for (const kind of kinds) {
          const create = proto[`create${kind}`] as (...a: unknown[]) => unknown;
          const del = proto[`delete${kind}`] as (...a: unknown[]) => unknown;
          const count = (ctx: unknown, d: number) => {
            const c = live.get(ctx) ?? {};
            c[kind] = (c[kind] ?? 0) + d;
            live.set(ctx, c);
          };
          proto[`create${kind}`] = function (this: unknown, ...a: unknown[]) {
            const o = create.apply(this, a);
            if (o) count(this, 1);
            return o;
          };
          proto[`delete${kind}`] = function (this: unknown, ...a: unknown[]) {
            if (a[0]) count(this, -1);
            return del.apply(this, a);
          };
        }
        const unwrap = <T>(m: Record<string, unknown>) => (m.default ?? m) as T;
        const React = unwrap<{ createElement: (...a: unknown[]) => unknown }>(await w.System.import('react'));
        const ReactDOM = unwrap<{ createRoot(el: Element): { render(e: unknown): void; unmount(): void } }>(
          await w.System.import('react-dom/client')
        );
        const gd = (await w.System.import('@grafana/data')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const mod = (await w.System.import(url)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const inst = mod.site3dInstrumentation as { liveScenes(): Scene[]; disposedStats(): Stats[] };
        const theme = gd.createTheme({ colors: { mode: 'dark' } });
        const range = { from: gd.dateTime(now - 3600_000), to: gd.dateTime(now), raw: { from: 'now-1h', to: 'now' } };
        const eventBus = new gd.EventBusSrv();
        const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        // waits until our scene has rendered a frame showing the new data (`bars` bars; at most 200 frames)
        const rendered = async (bars: number) => {
          const before = ours()[0]?.lastRendered ?? null;
          for (let i = 0; i < 200; i++) {
            await frame();
            const s = ours()[0];
            if (s && s.lastRendered && s.lastRendered !== before && s.lastRendered.count === bars) return s;
          }
          throw new Error(`the panel did not render ${bars} bars`);
        };
        const barsOf = (frames: Array<{ fields: Array<{ name: string; values: unknown[] }> }>) =>
          frames[0].fields.find((f) => f.name === 'profile')!.values.filter((v) => v === 'batteryString').length;
        const element = (frames: unknown[]) =>
          React.createElement(
            gd.ThemeContext.Provider,
            { value: theme },
            React.createElement(mod.plugin.panel, {
              id: 2,
              data: { state: 'Done', series: frames.map((f) => gd.toDataFrame(f)), timeRange: range },
              timeRange: range,
              timeZone: 'utc',
              options: { ...mod.plugin.defaults },
              fieldConfig: { defaults: {}, overrides: [] },
              transparent: false,
              width: 240,
              height: 150,
              renderCounter: 0,
              title: 'leak',
              eventBus,
              onOptionsChange: () => {},
              onFieldConfigChange: () => {},
              replaceVariables: (s: string) => s,
              onChangeTimeRange: () => {},
            })
          );
        const scenesBefore = inst.liveScenes().length;
        const ours = () => inst.liveScenes().slice(scenesBefore);
        const host = document.createElement('div');
        host.style.cssText = 'position:fixed;left:0;top:0;width:240px;height:150px;';
        document.body.appendChild(host);
        const out: LeakReport = {
          updates: [],
          remounts: [],
          disposed: [],
          glLeft: [],
          contextLost: [],
          liveAfterUnmount: [],
          scenesBefore,
        };
        let root = ReactDOM.createRoot(host);
        for (const frames of updates) {
          root.render(element(frames));
          const s = (await rendered(barsOf(frames))).stats();
          out.updates.push({ geometries: s.geometries, textures: s.textures, calls: s.calls });
        }
        for (let cycle = 0; cycle < 10; cycle++) {
          const contextsBefore = new Set(live.keys());
          root.unmount();
          await frame();
          out.liveAfterUnmount.push(ours().length);
          out.disposed.push(inst.disposedStats().slice(-1)[0]);
          // the context of the scene just disposed: the newest one that was not the harness's
          const ctx = [...contextsBefore].slice(-1)[0] as { isContextLost(): boolean };
          out.glLeft.push({ ...live.get(ctx)! });
          out.contextLost.push(ctx.isContextLost());
          root = ReactDOM.createRoot(host);
          root.render(element(updates[cycle]));
          const s = (await rendered(barsOf(updates[cycle]))).stats();
          out.remounts.push({ geometries: s.geometries, textures: s.textures });
        }
        root.unmount();
        return out;
      },
      { url: MODULE_URL, updates, now }
    );

    expect(report.updates).toHaveLength(100);
    const first = report.updates[0];
    expect(first.geometries).toBeGreaterThan(0);
    expect(first.textures).toBeGreaterThan(0);
    // flat: every update (including 3 topology changes) leaves the same number of geometries and textures
    expect(report.updates.map((u) => [u.geometries, u.textures])).toEqual(
      report.updates.map(() => [first.geometries, first.textures])
    );
    // draw calls do not grow with the bars (24, 24, 240, 24): one more only while ghost bars are shown (faults)
    const callsWithGhosts = new Set(report.updates.filter((_, i) => i % 2 === 0).map((u) => u.calls));
    const callsWithout = new Set(report.updates.filter((_, i) => i % 2 === 1).map((u) => u.calls));
    expect([callsWithGhosts.size, callsWithout.size]).toEqual([1, 1]);
    expect([...callsWithGhosts][0]).toBe([...callsWithout][0] + 1);
    // each unmount released the scene, its geometries, textures and WebGL buffers / textures
    expect(report.liveAfterUnmount).toEqual(new Array(10).fill(0));
    expect(report.disposed).toEqual(new Array(10).fill({ geometries: 0, textures: 0, calls: 0, triangles: 0 }));
    for (const left of report.glLeft) {
      // all geometry buffers deleted; the 4 textures left are three's WebGLState placeholders (empty 2D, cube,
      // 2D-array and 3D textures, renderers/webgl/WebGLState.js), released with the context below
      expect({ Buffer: left.Buffer ?? 0, VertexArray: left.VertexArray ?? 0, Texture: left.Texture }).toEqual({
        Buffer: 0,
        VertexArray: 0,
        Texture: 4,
      });
    }
    // the context itself is released at once (WEBGL_lose_context), not when the garbage collector gets to it
    expect(report.contextLost).toEqual(new Array(10).fill(true));
    // every remount starts from the same GPU footprint: the first mount's, minus the hatch texture when the data
    // has no stale / offline string (odd cycles: textures upload on first use)
    expect(report.remounts).toEqual(
      report.remounts.map((_, c) => ({ geometries: first.geometries, textures: first.textures - (c % 2) }))
    );
    expect(p.errors).toEqual([]);
    console.log(
      `leak test: ${first.geometries} geometries, ${first.textures} textures, ${first.calls} draw calls per frame; ` +
        `WebGL objects left per disposed context: ${JSON.stringify(report.glLeft[0])}`
    );
  } finally {
    await p.close();
  }
}, 150_000);
