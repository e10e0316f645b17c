import type { DeviceSource, RegisterPoint } from '@openbess/model';
import { deviceMetrics, nameplate, type MetricValue } from './device-metrics';
import type { SiteModel } from './site-model';

/**
 * Walks every point of every map of every device of a site and fits the physics' value to the
 * point: bitfields assembled by bit name, enums by label, numbers clamped to the point's min/max.
 */

/** One value of one map point of one device. */
export interface SimValue {
  /** Device id, e.g. FI006ES1BK1BS3. */
  device: string;
  /** Metric name (model/src/metrics.ts), or the attribute name for nameplate points. */
  metric: string;
  /**
   * Engineering value in the metric's unit (generator sign convention): a number, an array for
   * array points (`count` > 1), text for string attributes, or null when the physics has no value
   * (served as the point's not-implemented sentinel).
   */
  value: number | number[] | string | null;
  /** The map point the value belongs to. */
  point: RegisterPoint;
  /** Where the device's map is served (map id, unit id, base address). */
  source: DeviceSource;
}

/** Which points {@link siteValues} yields. */
export interface ValueSelection {
  /** Array points (cells); default true. */
  arrays?: boolean;
  /** Nameplate attributes (kind `attribute`); default true. */
  attributes?: boolean;
}

/** Bitfield value from named flags: bits not named keep their expected value (0 when none). */
export function bitsValue(point: RegisterPoint, flags: Record<string, boolean>): number {
  let v = 0;
  for (const b of point.bits ?? []) {
    const on = b.name in flags ? flags[b.name] : b.expected === 1;
    if (on) v += 2 ** b.bit;
  }
  return v;
}

const norm = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** Enum code of the first candidate label the point defines (case and punctuation ignored); the lowest code otherwise. */
export function enumValue(point: RegisterPoint, labels: string[]): number | null {
  const entries = Object.entries(point.enum ?? {});
  if (entries.length === 0) return null;
  for (const l of labels) {
    const hit = entries.find(([, label]) => norm(label) === norm(l));
    if (hit) return Number(hit[0]);
  }
  return Math.min(...entries.map(([k]) => Number(k)));
}

/**
 * Fits a metric value to a point.
 * @returns a number (clamped to the point's min/max), a number array for array points, text, or null
 */
export function fitValue(point: RegisterPoint, v: MetricValue | undefined): number | number[] | string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return point.type === 'string' ? v : null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    if (point.type === 'string') return String(v);
    return clamp(point, v);
  }
  if ('flags' in v) return bitsValue(point, v.flags);
  if ('enumLabels' in v) return enumValue(point, v.enumLabels);
  const arr = v as ArrayLike<number>;
  const out = new Array<number>(arr.length);
  for (let i = 0; i < arr.length; i++) out[i] = clamp(point, arr[i]);
  return out;
}

function clamp(point: RegisterPoint, v: number): number {
  if (point.min !== undefined && v < point.min) return point.min;
  if (point.max !== undefined && v > point.max) return point.max;
  return v;
}

/**
 * Every metric of every map point of every device of the site, at the model's current time.
 * Scale-factor points are skipped (they are constants of the map).
 */
export function* siteValues(model: SiteModel, select: ValueSelection = {}): Generator<SimValue> {
  const arrays = select.arrays ?? true;
  const attributes = select.attributes ?? true;
  for (const device of model.devices) {
    const metrics = deviceMetrics(model, device);
    for (const source of device.sources) {
      const map = model.maps.get(source.map)!;
      const plate = attributes ? nameplate(model, device, source) : undefined;
      for (const point of map.points) {
        if (point.kind === 'scaleFactor') continue;
        if (point.kind === 'array' && !arrays) continue;
        if (point.kind === 'attribute' && !plate) continue;
        const raw =
          point.kind === 'attribute' ? (plate![point.metric] ?? metrics[point.metric]) : metrics[point.metric];
        yield { device: device.id, metric: point.metric, value: fitValue(point, raw), point, source };
      }
    }
  }
}
