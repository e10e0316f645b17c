/**
 * `npm run bench -w openbess-bitfield-panel`: renders the built panel (dist/module.js, loaded through SystemJS by
 * the browser harness) with the `large` site's 240 strings × 4 status registers in headless Chromium and prints
 * how long the first render takes: performance.now() around a synchronous React render (flushSync) plus one
 * requestAnimationFrame and a forced layout. Also prints the median of warm re-mounts. Prints, never asserts
 * (issue 4 target: < 100 ms).
 */
import path from 'node:path';
import { loadPluginInBrowser } from '../../plugin-config/browser';
import { statusFrameInput } from '../src/testing/statusFrames';
import { largeSiteSamples } from '../test/fixtures/demoSite';

const WARM_RUNS = 5;

interface Timing {
  /** React render + commit (flushSync). */
  renderMs: number;
  /** Wait for the next animation frame callback. */
  rafMs: number;
  /** Forced style + layout in that frame callback. */
  layoutMs: number;
  totalMs: number;
  rows: number;
  cells: number;
}

async function main() {
  const pluginDir = path.resolve(__dirname, '..');
  const samples = largeSiteSamples(Date.now());
  const frame = statusFrameInput(samples);
  const devices = new Set(samples.map((s) => s.device)).size;
  const registers = new Set(samples.map((s) => s.register.key)).size;
  const p = await loadPluginInBrowser({
    pluginDir,
    render: 'panel',
    theme: 'dark',
    props: { data: { series: [] } },
    viewport: { width: 1400, height: 900 },
  });
  try {
    await p.waitForIdle();
    // tsx (esbuild keepNames) wraps named functions in `__name(...)`; the page function below is serialised
    // into the browser, which has no such helper.
    await p.page.evaluate('globalThis.__name = (fn) => fn');
    const timings = await p.page.evaluate(
      async ({ frameInput, warmRuns }) => {
        type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const System = (window as unknown as { System: { import(id: string): Promise<Any> } }).System;
        const React = await System.import('react');
        const ReactDOM = await System.import('react-dom');
        const ReactDOMClient = await System.import('react-dom/client');
        const data = await System.import('@grafana/data');
        const mod = await System.import('/public/plugins/openbess-bitfield-panel/module.js');
        const Panel = mod.plugin.panel;
        const theme = data.createTheme({ colors: { mode: 'dark' } });
        const timeRange = data.getDefaultTimeRange();
        const series = [data.toDataFrame(frameInput)];
        const props = {
          id: 1,
          data: { state: 'Done', series, timeRange },
          timeRange,
          timeZone: 'utc',
          options: {
            displayMode: 'grid',
            onlyNonOk: false,
            showNavigation: true,
            deviceVariable: 'device',
            deviceField: 'device',
            definitions: '',
          },
          fieldConfig: { defaults: {}, overrides: [] },
          transparent: false,
          width: 1300,
          height: 800,
          renderCounter: 0,
          title: 'bench',
          eventBus: new data.EventBusSrv(),
          onOptionsChange: () => {},
          onFieldConfigChange: () => {},
          replaceVariables: (s: string) => s,
          onChangeTimeRange: () => {},
        };
        const once = async (): Promise<Timing> => {
          const container = document.createElement('div');
          container.style.cssText = 'width:1300px;height:800px;position:relative';
          document.body.appendChild(container);
          const root = ReactDOMClient.createRoot(container);
          // Fresh props object each run so the panel's memoised parsing is part of the measurement.
          const element = React.createElement(
            data.ThemeContext.Provider,
            { value: theme },
            React.createElement(Panel, { ...props, data: { ...props.data, series: [...series] } })
          );
          const t0 = performance.now();
          ReactDOM.flushSync(() => root.render(element));
          const t1 = performance.now();
          await new Promise<void>((r) => requestAnimationFrame(() => r()));
          const tRaf = performance.now();
          container.getBoundingClientRect(); // force style + layout of what was rendered
          const t2 = performance.now();
          const result = {
            renderMs: t1 - t0,
            rafMs: tRaf - t1,
            layoutMs: t2 - tRaf,
            totalMs: t2 - t0,
            rows: container.querySelectorAll('[role="rowheader"]').length,
            cells: container.querySelectorAll('[role="gridcell"]').length,
          };
          root.unmount();
          container.remove();
          // Let the browser finish the frame of the removal (and collect garbage) before the next run.
          await new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 100)));
          return result;
        };
        // Start from a settled page (module import and frame building above done, their frame drawn).
        await new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 100)));
        const first = await once();
        const warm: Timing[] = [];
        for (let i = 0; i < warmRuns; i++) {
          warm.push(await once());
        }
        return { first, warm };
      },
      { frameInput: frame as unknown, warmRuns: WARM_RUNS }
    );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const f = timings.first;
    console.log(
      `bitfield panel, Chromium: ${devices} devices × ${registers} registers (${frame.fields[0].values.length} status rows)`
    );
    console.log(`  grid: ${f.rows} of ${devices} device rows in the DOM (row windowing), ${f.cells} cells`);
    const parts = (t: Pick<Timing, 'renderMs' | 'rafMs' | 'layoutMs'>) =>
      `React render+commit ${t.renderMs.toFixed(1)} ms, rAF ${t.rafMs.toFixed(1)} ms, layout ${t.layoutMs.toFixed(1)} ms`;
    console.log(`  first render + rAF:       ${f.totalMs.toFixed(1)} ms   target < 100 ms   (${parts(f)})`);
    const med = (k: keyof Timing) => median(timings.warm.map((t) => t[k]));
    console.log(
      `  warm re-mount (median/${WARM_RUNS}): ${med('totalMs').toFixed(1)} ms   ` +
        `(${parts({ renderMs: med('renderMs'), rafMs: med('rafMs'), layoutMs: med('layoutMs') })})`
    );
    if (p.errors.length > 0) {
      console.log(`  page errors: ${p.errors.join('; ')}`);
    }
  } finally {
    await p.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
