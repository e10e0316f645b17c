import type { SiteModel } from '../types';
import { emptyValues } from '../types';
import {
  cssGradient,
  effectiveMode,
  hexToRgb,
  interpolateStops,
  linearLut,
  linearToSrgb,
  LUT_SIZE,
  metricDef,
  metricRange,
  normalize,
  PALETTE,
  rgbToHex,
  scaleColor,
  SCALE_STOPS,
  srgbToLinear,
} from './colorScales';

describe('colour scales', () => {
  it('run through the colours the issue names, low to high', () => {
    const P = PALETTE;
    expect(SCALE_STOPS.power).toEqual([P.darkBlue, P.cyan, P.green, P.amber]);
    expect(SCALE_STOPS.soc).toEqual([P.red, P.amber, P.blue, P.green]);
    expect(SCALE_STOPS.tempMax).toEqual([P.cyan, P.green, P.amber, P.red]);
    expect(SCALE_STOPS.tempMin).toEqual([P.blue, P.cyan, P.green, P.amber]);
    expect(SCALE_STOPS.dcVoltage).toEqual([P.red, P.amber, P.green, P.cyan]);
  });

  it('hit every stop exactly at 0, 1/3, 2/3 and 1', () => {
    for (const [metric, stops] of Object.entries(SCALE_STOPS)) {
      stops.forEach((hex, i) => {
        expect(rgbToHex(scaleColor(metric as keyof typeof SCALE_STOPS, i / (stops.length - 1)))).toBe(hex);
      });
    }
  });

  it('interpolate linearly between stops and clamp outside 0..1', () => {
    const stops = [hexToRgb('#000000'), hexToRgb('#ff0000'), hexToRgb('#ffffff')];
    expect(rgbToHex(interpolateStops(stops, 0.25))).toBe('#800000');
    expect(rgbToHex(interpolateStops(stops, 0.75))).toBe('#ff8080');
    expect(rgbToHex(interpolateStops(stops, -3))).toBe('#000000');
    expect(rgbToHex(interpolateStops(stops, 7))).toBe('#ffffff');
    // midway between cyan and green on the power scale: blended in linear light
    const mid = scaleColor('power', 0.5);
    const c = hexToRgb(PALETTE.cyan);
    const g = hexToRgb(PALETTE.green);
    for (const k of [0, 1, 2]) {
      expect(srgbToLinear(mid[k])).toBeCloseTo((srgbToLinear(c[k]) + srgbToLinear(g[k])) / 2, 6);
      expect(linearToSrgb(srgbToLinear(c[k]))).toBeCloseTo(c[k], 9);
    }
    expect(() => interpolateStops([], 0)).toThrow(/at least one stop/);
    expect(() => hexToRgb('blue')).toThrow(/"blue" is not #rrggbb/);
  });

  it('builds linear-RGB lookup tables whose ends are the first and last stop', () => {
    const lut = linearLut('soc');
    expect(lut).toHaveLength(LUT_SIZE * 3);
    const red = hexToRgb(PALETTE.red);
    const green = hexToRgb(PALETTE.green);
    expect(lut[0]).toBeCloseTo(srgbToLinear(red[0]), 6);
    expect(lut[(LUT_SIZE - 1) * 3 + 1]).toBeCloseTo(srgbToLinear(green[1]), 6);
    expect(srgbToLinear(0)).toBe(0);
    expect(srgbToLinear(1)).toBeCloseTo(1, 9);
    expect(srgbToLinear(0.5)).toBeCloseTo(0.214, 3);
  });

  it('keeps mid SOC (amber → blue) coloured, not the grey of a stale bar', () => {
    // HSL saturation of an sRGB colour
    const sat = (c: readonly number[]) => {
      const max = Math.max(...c);
      const min = Math.min(...c);
      const l = (max + min) / 2;
      return max === min ? 0 : (max - min) / (1 - Math.abs(2 * l - 1));
    };
    const a = hexToRgb(PALETTE.amber);
    const b = hexToRgb(PALETTE.blue);
    const srgbMid = [0, 1, 2].map((k) => (a[k] + b[k]) / 2);
    const mid = scaleColor('soc', 0.5);
    expect(sat(srgbMid)).toBeLessThan(0.12); // what an sRGB blend would show: nearly grey
    expect(sat(mid)).toBeGreaterThan(2 * sat(srgbMid));
    // the lookup table holds the same colour in linear RGB
    const i = Math.round(0.5 * (LUT_SIZE - 1)) * 3;
    const lut = linearLut('soc');
    const at = scaleColor('soc', Math.round(0.5 * (LUT_SIZE - 1)) / (LUT_SIZE - 1));
    for (const k of [0, 1, 2]) expect(lut[i + k]).toBeCloseTo(srgbToLinear(at[k]), 6);
  });

  it('writes a CSS gradient for the legend through the stops of the issue', () => {
    const g = cssGradient('tempMax');
    expect(g.startsWith('linear-gradient(90deg, ')).toBe(true);
    const stops = g.slice('linear-gradient(90deg, '.length, -1).split(', ');
    expect(stops).toHaveLength(13);
    expect(stops[0]).toBe(`${PALETTE.cyan} 0%`);
    expect(stops[4]).toBe(`${PALETTE.green} 33.3%`);
    expect(stops[8]).toBe(`${PALETTE.amber} 66.7%`);
    expect(stops[12]).toBe(`${PALETTE.red} 100%`);
  });
});

describe('metric ranges', () => {
  const site = (rated: number | null, powers: number[][]): SiteModel => ({
    site: 'FI006',
    transformerId: null,
    blocks: powers.map((ps, b) => ({
      id: `B${b}`,
      name: `Block ${b + 1}`,
      block: b + 1,
      ratedPowerKw: rated,
      capacityKwh: null,
      values: emptyValues(),
      time: null,
      offline: false,
      strings: ps.map((p, s) => ({
        id: `B${b}S${s}`,
        name: '',
        string: s + 1,
        capacityKwh: null,
        values: { ...emptyValues(), power: p },
        time: null,
        offline: false,
      })),
    })),
  });

  it('uses the fixed ranges of SOC, temperatures and DC voltage', () => {
    const s = site(2000, [[1]]);
    expect(metricRange('soc', 'string', s)).toEqual([0, 100]);
    expect(metricRange('tempMax', 'block', s)).toEqual([0, 45]);
    expect(metricRange('tempMin', 'string', s)).toEqual([0, 45]);
    expect(metricRange('dcVoltage', 'string', s)).toEqual([1000, 1400]);
  });

  it('runs power from 0 to the block rating, the string share of it in string mode', () => {
    const s = site(2400, [new Array(12).fill(100)]);
    expect(metricRange('power', 'block', s)).toEqual([0, 2400]);
    expect(metricRange('power', 'string', s)).toEqual([0, 200]);
    expect(metricRange('power', 'string', s, 500)).toEqual([0, 500]);
  });

  it('falls back to the largest |power| in the data without ratings', () => {
    const s = site(null, [
      [-300, 50],
      [120, 10],
    ]);
    expect(metricRange('power', 'string', s)).toEqual([0, 300]);
    expect(metricRange('power', 'block', s)).toEqual([0, 250]); // |−300 + 50|
  });

  it('forces string view for DC voltage only', () => {
    expect(effectiveMode('dcVoltage', 'block')).toBe('string');
    expect(effectiveMode('soc', 'block')).toBe('block');
    expect(metricDef('dcVoltage').stringOnly).toBe(true);
    expect(() => metricDef('nope' as never)).toThrow(/unknown metric "nope"/);
  });

  it('normalizes with clamping and handles degenerate ranges', () => {
    expect(normalize(1200, 1000, 1400)).toBe(0.5);
    expect(normalize(900, 1000, 1400)).toBe(0);
    expect(normalize(2000, 1000, 1400)).toBe(1);
    expect(normalize(5, 3, 3)).toBe(0);
    expect(normalize(NaN, 0, 1)).toBe(0);
  });
});
