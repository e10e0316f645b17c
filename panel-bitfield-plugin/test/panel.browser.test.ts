/** @jest-environment node */
/**
 * The built panel (dist/module.js) loaded in headless Chromium the way Grafana loads plugins (SystemJS + AMD,
 * Grafana's shared modules), rendering the demo site's FI006 block 1 strings from the API's own `status` answers
 * (test/fixtures/apiStatus.ts: simulator → store writer → real PostgreSQL → `status` query, scheduled contactor
 * fault and over-temperature, one stale string, one register never read) in both views and both themes.
 * Screenshots go to test-results/*.png.
 */
import path from 'node:path';
import type { DataFrameJSON } from '@openbess/model';
import type { Browser } from 'playwright-core';
import { launchChromium, loadPluginInBrowser, type PluginPage } from '../../plugin-config/browser';
import { API_DEMO, apiStatus, type ApiStatus } from './fixtures/apiStatus';

const pluginDir = path.resolve(__dirname, '..');
const shot = (name: string) => path.join(pluginDir, 'test-results', `${name}.png`);
const T = Date.UTC(2025, 5, 1, 8, 30);
const id = (n: number) => `FI006ES1BK1BS${n}`;

let browser: Browser;
let api: ApiStatus;
const pages: PluginPage[] = [];

beforeAll(async () => {
  [browser, api] = await Promise.all([launchChromium(), apiStatus()]);
}, 180_000);

afterAll(async () => {
  await Promise.all(pages.map((p) => p.close()));
  await browser?.close();
});

/** The API's answer for one register of one device: its first row's raw, hex and stale, and its bits' states. */
function apiRegister(frames: DataFrameJSON[], device: string, register: string) {
  const f = frames[0];
  const names = f.schema!.fields.map((x) => x.name);
  const col = (n: string) => f.data!.values[names.indexOf(n)] as unknown[];
  const rows = col('device')
    .map((d, i) => i)
    .filter((i) => col('device')[i] === device && col('register')[i] === register);
  if (rows.length === 0) throw new Error(`the API answered no ${register} for ${device}`);
  return {
    raw: col('raw')[rows[0]] as number | null,
    hex: col('hex')[rows[0]] as string,
    stale: col('stale')[rows[0]] as boolean,
    states: new Map(rows.map((i) => [col('bitName')[i] as string, col('state')[i] as string])),
    bits: new Map(rows.map((i) => [col('bitName')[i] as string, col('bit')[i] as number])),
  };
}

async function open(
  theme: 'dark' | 'light',
  options: Record<string, unknown>,
  frames: DataFrameJSON[] = api.block,
  device: string = API_DEMO.hot
) {
  const p = await loadPluginInBrowser({
    pluginDir,
    browser,
    render: 'panel',
    theme,
    props: { data: { series: frames }, options, title: 'String status' },
    variables: [{ name: 'device', current: device, options: api.devices }],
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

const cells = (p: PluginPage, device: string) => p.page.getByTestId(`grid-row-${device}`).getByRole('gridcell');

describe("bitfield panel in Chromium (built module.js through SystemJS) on the API's status frames", () => {
  it("the API answered block 1's 12 strings × the 3 status registers of bms-string-803, with the faults", () => {
    expect(api.devices).toEqual(Array.from({ length: 12 }, (_, i) => id(i + 1)));
    const f = api.block[0];
    expect(f.schema!.name).toBe('status');
    expect(f.schema!.fields.map((x) => x.name)).toContain('stale');
    expect(apiRegister(api.block, API_DEMO.contactor, 'stringEvents').states.get('contactorError')).toBe('ALARM');
    expect(apiRegister(api.block, API_DEMO.hot, 'stringEvents').states.get('overTempAlarm')).toBe('ALARM');
    const stale = apiRegister(api.block, API_DEMO.stale, 'stringStatus');
    expect(stale.stale).toBe(true);
    expect(stale.raw).not.toBeNull();
    expect([...stale.states.values()].every((s) => s === 'NO_DATA')).toBe(true);
    expect(apiRegister(api.block, API_DEMO.unread, 'contactorState').raw).toBeNull();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`grid of the 12 strings, ${theme} theme: faulted strings ALARM, healthy OK, stale and unread "—"`, async () => {
      const p = await open(theme, {});
      const state = await p.state();
      expect(state.pluginClass).toBe('PanelPlugin');
      expect(state.moduleExports).toContain('plugin');
      expect(state.errors).toEqual([]);
      const worst: Record<string, string> = {
        [API_DEMO.contactor]: 'ALARM',
        [API_DEMO.hot]: 'ALARM',
        [API_DEMO.stale]: 'NO_DATA',
      };
      expect(await rowStates(p)).toEqual(api.devices.map((d) => [d, worst[d] ?? 'OK']));
      expect(await p.page.getByRole('columnheader').allTextContents()).toEqual([
        'Device',
        'Contactor status',
        'String event 1',
        'String status word',
      ]);
      // never read: grey dash, "No data", no value
      const unread = cells(p, API_DEMO.unread).first();
      expect(await unread.getAttribute('data-state')).toBe('NO_DATA');
      expect(await unread.textContent()).toBe('—No data');
      // stale (comms loss): grey dash, and the last known value the API still reports
      const staleStatus = apiRegister(api.block, API_DEMO.stale, 'stringStatus');
      const staleCell = cells(p, API_DEMO.stale).nth(2);
      expect(await staleCell.getAttribute('data-state')).toBe('NO_DATA');
      expect(await staleCell.textContent()).toBe(`—No recent data (stale)${staleStatus.hex}`);
      // a healthy string reads OK with its value
      const healthy = apiRegister(api.block, id(1), 'stringStatus');
      expect(await cells(p, id(1)).nth(2).textContent()).toBe(`OK${healthy.hex}`);
      await p.page.mouse.move(0, 0);
      await p.screenshot(shot(`grid-${theme}`));

      // keyboard: Tab into the grid, move to BS3's event register, Enter expands it
      const events = apiRegister(api.block, API_DEMO.contactor, 'stringEvents');
      await p.page.keyboard.press('Tab');
      for (const key of ['ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowRight']) {
        await p.page.keyboard.press(key);
      }
      const focused = await p.page.evaluate(() => [
        document.activeElement?.closest('[role="row"]')?.getAttribute('data-testid'),
        document.activeElement?.textContent,
      ]);
      expect(focused).toEqual([`grid-row-${API_DEMO.contactor}`, `ALARM${events.hex}`]);
      await p.page.keyboard.press('Enter');
      const bits = p.page.getByRole('table', { name: 'Bits of String event 1' });
      await bits.waitFor();
      const bit = (name: string) => bits.getByTestId(`bit-${events.bits.get(name)}`);
      expect(await bit('contactorError').textContent()).toContain('ALARM');
      expect(await bit('overTempAlarm').textContent()).toContain('OK');
      await p.page.mouse.move(0, 0);
      await p.screenshot(shot(`grid-expanded-${theme}`));
      expect(p.errors).toEqual([]);
    }, 90_000);

    it(`device view of ${API_DEMO.hot} (API \`devices\` query), ${theme} theme: hex, bits, next sibling`, async () => {
      const p = await open(theme, { displayMode: 'device' }, api.device);
      expect(await p.page.getByRole('heading').textContent()).toBe(API_DEMO.hot);
      const events = apiRegister(api.device, API_DEMO.hot, 'stringEvents');
      const status = apiRegister(api.device, API_DEMO.hot, 'stringStatus');
      expect(await p.page.getByTestId('register-stringEvents').getByTestId('hex').textContent()).toBe(events.hex);
      expect(await p.page.getByTestId('register-stringStatus').getByTestId('hex').textContent()).toBe(status.hex);
      await p.page.getByRole('button', { name: new RegExp(`^String event 1, ${events.hex}, Alarm`) }).click();
      const eventBits = p.page.getByRole('table', { name: 'Bits of String event 1' });
      const bit = (name: string) => eventBits.getByTestId(`bit-${events.bits.get(name)}`);
      expect(await bit('overTempAlarm').textContent()).toContain('ALARM');
      expect(await bit('overTempWarning').textContent()).toContain('WARNING');
      expect(await bit('contactorError').textContent()).toContain('OK');
      // value / expected columns show the bits of the raw value
      expect((await bit('overTempAlarm').locator('td').allTextContents()).slice(2, 4)).toEqual(['1', '0']);
      await p.page.getByRole('button', { name: new RegExp(`^String status word, ${status.hex}, Alarm`) }).click();
      const statusBits = p.page.getByRole('table', { name: 'Bits of String status word' });
      expect(await statusBits.getByTestId(`bit-${status.bits.get('fault')}`).textContent()).toContain('ALARM');
      expect(await statusBits.getByTestId(`bit-${status.bits.get('connected')}`).textContent()).toContain('OK');
      await p.page.mouse.move(0, 0);
      await p.page.getByTestId('bitfield-panel').evaluate((el) => el.scrollTo(0, 0));
      await p.screenshot(shot(`device-${theme}`));

      await p.page.getByRole('button', { name: `Next device: ${id(10)}` }).click();
      expect(new URL(p.page.url()).searchParams.get('var-device')).toBe(id(10));
      expect(p.errors).toEqual([]);
    }, 90_000);
  }

  it('device view of the stale string: last known hex, every bit "—" no data', async () => {
    const p = await open('dark', { displayMode: 'device' }, api.block, API_DEMO.stale);
    expect(await p.page.getByRole('heading').textContent()).toBe(API_DEMO.stale);
    const status = apiRegister(api.block, API_DEMO.stale, 'stringStatus');
    const row = p.page.getByTestId('register-stringStatus');
    expect(await row.getAttribute('data-state')).toBe('NO_DATA');
    expect(await row.getByTestId('hex').textContent()).toBe(status.hex);
    await row.getByRole('button').click();
    const bits = row.getByRole('table', { name: 'Bits of String status word' });
    const states = await bits
      .locator('[data-testid^="bit-"] [data-state]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states).toEqual([...status.states.keys()].map(() => 'NO_DATA'));
    expect(await row.textContent()).toContain(`Last known raw ${status.raw} (${status.hex})`);
    await p.page.mouse.move(0, 0);
    await p.screenshot(shot('device-stale-dark'));
    expect(p.errors).toEqual([]);
  }, 90_000);

  it('"only non-OK" grid keeps the faulty, stale and unread strings', async () => {
    const p = await open('dark', { onlyNonOk: true });
    expect((await rowStates(p)).map(([d]) => d)).toEqual(
      [API_DEMO.contactor, API_DEMO.unread, API_DEMO.stale, API_DEMO.hot].sort((a, b) =>
        a.localeCompare(b, 'en', { numeric: true })
      )
    );
    await cells(p, API_DEMO.contactor).nth(1).click();
    const bits = p.page.getByRole('table', { name: 'Bits of String event 1' });
    const events = apiRegister(api.block, API_DEMO.contactor, 'stringEvents');
    const nonOk = [...events.states].filter(([, s]) => s !== 'OK').map(([n]) => `bit-${events.bits.get(n)}`);
    expect(nonOk).toEqual([`bit-${events.bits.get('contactorError')}`]);
    expect(await bits.getByTestId(/^bit-/).evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).toEqual(
      nonOk
    );
    await p.page.mouse.move(0, 0);
    await p.screenshot(shot('grid-only-non-ok-dark'));
  }, 90_000);

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
