/**
 * Colour scales and value ranges of the five metrics (issue 5, "Metrics"; the same scales users know from
 * the BESS Monitor 3D view). Each scale has four evenly spaced stops, interpolated in linear light (the space
 * three.js shades in): between near-complementary stops such as SOC's amber → blue an sRGB blend passes through a
 * flat grey-beige that reads like a stale bar, the linear-light blend keeps twice the saturation. A 256-entry
 * lookup table in linear RGB (what three.js instance colours hold) makes colouring 100,000 bars cheap.
 */
import type { MetricKey, SiteModel, ViewMode } from '../types';

/** An sRGB colour, each channel 0..1. */
export type Rgb = readonly [number, number, number];

/** The named colours of the scales (sRGB hex). */
export const PALETTE = {
  darkBlue: '#1e3a8a',
  blue: '#3b82f6',
  cyan: '#22d3ee',
  green: '#22c55e',
  amber: '#f59e0b',
  red: '#ef4444',
} as const;

const P = PALETTE;

/** Stop colours per metric, low → high (issue 5). */
export const SCALE_STOPS: Record<MetricKey, readonly string[]> = {
  power: [P.darkBlue, P.cyan, P.green, P.amber],
  soc: [P.red, P.amber, P.blue, P.green],
  tempMax: [P.cyan, P.green, P.amber, P.red],
  tempMin: [P.blue, P.cyan, P.green, P.amber],
  dcVoltage: [P.red, P.amber, P.green, P.cyan],
};

/** Display definition of a metric. */
export interface MetricDefinition {
  key: MetricKey;
  /** Toggle button label. */
  label: string;
  /** Engineering unit (model/src/metrics.ts). */
  unit: string;
  /** Metric name in the data (model/src/metrics.ts vocabulary). */
  metric: string;
  /** Fixed range, or null when it comes from the data (power: 0 to block max). */
  range: readonly [number, number] | null;
  /** Only strings carry the value: the metric forces string view. */
  stringOnly: boolean;
  decimals: number;
}

/** The metrics in toggle order. */
export const METRIC_DEFS: readonly MetricDefinition[] = [
  { key: 'power', label: 'Power', unit: 'kW', metric: 'activePower', range: null, stringOnly: false, decimals: 0 },
  { key: 'soc', label: 'SOC', unit: '%', metric: 'stateOfCharge', range: [0, 100], stringOnly: false, decimals: 1 },
  {
    key: 'tempMax',
    label: 'Temp max',
    unit: '°C',
    metric: 'maxCellTemperature',
    range: [0, 45],
    stringOnly: false,
    decimals: 1,
  },
  {
    key: 'tempMin',
    label: 'Temp min',
    unit: '°C',
    metric: 'minCellTemperature',
    range: [0, 45],
    stringOnly: false,
    decimals: 1,
  },
  {
    key: 'dcVoltage',
    label: 'DC voltage',
    unit: 'V',
    metric: 'dcVoltage',
    range: [1000, 1400],
    stringOnly: true,
    decimals: 0,
  },
];

/** The definition of a metric key. */
export function metricDef(key: MetricKey): MetricDefinition {
  const d = METRIC_DEFS.find((m) => m.key === key);
  if (!d) throw new Error(`unknown metric "${key}": expected one of ${METRIC_DEFS.map((m) => m.key).join(', ')}`);
  return d;
}

/** The view mode actually shown: string-only metrics force string view. */
export function effectiveMode(metric: MetricKey, mode: ViewMode): ViewMode {
  return metricDef(metric).stringOnly ? 'string' : mode;
}

/**
 * Parses `#rrggbb` into sRGB 0..1.
 * @throws Error naming the value when it is not a 6-digit hex colour.
 */
export function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`colour "${hex}" is not #rrggbb`);
  const n = parseInt(m[1], 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/** sRGB 0..1 → `#rrggbb`. */
export function rgbToHex(c: Rgb): string {
  const h = (v: number) =>
    Math.round(Math.min(1, Math.max(0, v)) * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${h(c[0])}${h(c[1])}${h(c[2])}`;
}

/** sRGB transfer function inverse (IEC 61966-2-1), one channel 0..1 → linear. */
export function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** sRGB transfer function (IEC 61966-2-1), one linear channel 0..1 → sRGB. */
export function linearToSrgb(c: number): number {
  return c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
}

/**
 * Position of a value on a range, clamped to 0..1. A degenerate range (max ≤ min) maps to 0; NaN maps to 0.
 */
export function normalize(value: number, min: number, max: number): number {
  if (!(max > min) || !Number.isFinite(value)) return 0;
  const t = (value - min) / (max - min);
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/** Interpolates evenly spaced sRGB stops at t (0..1, clamped). */
export function interpolateStops(stops: readonly Rgb[], t: number): Rgb {
  if (stops.length === 0) throw new Error('a colour scale needs at least one stop');
  if (stops.length === 1) return stops[0];
  const x = (t <= 0 ? 0 : t >= 1 ? 1 : t) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

const linearStops = (metric: MetricKey): Rgb[] =>
  SCALE_STOPS[metric].map((hex) => hexToRgb(hex).map(srgbToLinear) as unknown as Rgb);

/** The colour of a metric's scale at t (0..1), in linear RGB: the stops blended in linear light. */
export function scaleColorLinear(metric: MetricKey, t: number): Rgb {
  return interpolateStops(linearStops(metric), t);
}

/** The sRGB colour of a metric's scale at t (0..1) (stops blended in linear light, see the module note). */
export function scaleColor(metric: MetricKey, t: number): Rgb {
  const c = scaleColorLinear(metric, t);
  return [linearToSrgb(c[0]), linearToSrgb(c[1]), linearToSrgb(c[2])];
}

/** Number of entries of a lookup table. */
export const LUT_SIZE = 256;

const lutCache = new Map<MetricKey, Float32Array>();

/**
 * Lookup table of a scale in linear RGB: `LUT_SIZE` × 3 floats; entry i is the colour at i / (LUT_SIZE − 1).
 * Cached per metric (read-only).
 */
export function linearLut(metric: MetricKey): Float32Array {
  let lut = lutCache.get(metric);
  if (!lut) {
    lut = new Float32Array(LUT_SIZE * 3);
    for (let i = 0; i < LUT_SIZE; i++) {
      const c = scaleColorLinear(metric, i / (LUT_SIZE - 1));
      lut[i * 3] = c[0];
      lut[i * 3 + 1] = c[1];
      lut[i * 3 + 2] = c[2];
    }
    lutCache.set(metric, lut);
  }
  return lut;
}

/** Colour stops of the legend gradient: the scale sampled at 1/12 steps (the stops fall on 0, 4, 8, 12). */
export const GRADIENT_STEPS = 12;

/**
 * CSS `linear-gradient` of a metric's scale (legend), left = min: sampled from the scale itself, so the legend shows
 * the same linear-light blend as the bars in every browser (CSS blends stops in sRGB).
 */
export function cssGradient(metric: MetricKey): string {
  const stops: string[] = [];
  for (let i = 0; i <= GRADIENT_STEPS; i++) {
    const t = i / GRADIENT_STEPS;
    stops.push(`${rgbToHex(scaleColor(metric, t))} ${(t * 100).toFixed(1).replace(/\.0$/, '')}%`);
  }
  return `linear-gradient(90deg, ${stops.join(', ')})`;
}

/**
 * Range of a metric's scale (and of bar heights). Power runs from 0 to the block maximum: the block rating in
 * block mode, the string's share of it (rating / strings of the block) in string mode, or `powerMaxKw` when set.
 * Without ratings, the largest |power| in the data is the top (at least 1 kW).
 */
export function metricRange(metric: MetricKey, mode: ViewMode, site: SiteModel, powerMaxKw = 0): [number, number] {
  const def = metricDef(metric);
  if (def.range) return [def.range[0], def.range[1]];
  if (powerMaxKw > 0) return [0, powerMaxKw];
  const m = effectiveMode(metric, mode);
  let max = 0;
  for (const b of site.blocks) {
    if (b.ratedPowerKw !== null && b.ratedPowerKw > 0) {
      const share = m === 'block' || b.strings.length === 0 ? b.ratedPowerKw : b.ratedPowerKw / b.strings.length;
      max = Math.max(max, share);
    }
  }
  if (max > 0) return [0, max];
  for (const b of site.blocks) {
    if (m === 'block' || b.strings.length === 0) {
      const sum = b.strings.reduce((s, x) => s + (x.values.power ?? 0), 0);
      max = Math.max(max, Math.abs(b.strings.length ? sum : (b.values.power ?? 0)));
    } else {
      for (const s of b.strings) max = Math.max(max, Math.abs(s.values.power ?? 0));
    }
  }
  return [0, Math.max(1, max)];
}
