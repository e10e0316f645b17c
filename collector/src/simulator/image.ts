import {
  encodeElement,
  type DeviceSource,
  type RegisterFunction,
  type RegisterMap,
  type RegisterPoint,
  type ScaleFactors,
} from '@openbess/model';
import type { SiteModel } from './site-model';
import type { SimValue } from './values';

/**
 * Register images of one site's gateway, built from the register maps (the same files the
 * collector reads) with the model codec: per unit id one holding and one input register table,
 * each device's points written at its source's base address. Scale-factor registers serve the
 * exponent in the map (`value` of the sunssf point), and every value is encoded with those exponents.
 */

/** Registers of one unit id. `holding`/`input` are sized to the highest mapped register (+1). */
export interface UnitImage {
  unitId: number;
  holding: Uint16Array;
  input: Uint16Array;
}

/** Scale-factor exponents of a map: the `value` of each sunssf point (0 when the map gives none). */
export function mapScaleFactors(map: RegisterMap): ScaleFactors {
  const sfs: ScaleFactors = {};
  for (const p of map.points) if (p.type === 'sunssf') sfs[p.name] = p.value ?? 0;
  return sfs;
}

interface Slot {
  table: Uint16Array;
  address: number;
  point: RegisterPoint;
  sfs: ScaleFactors;
  /** Divisor raw = value / divisor for integer points (null: float, bitfield, enum, string — always encode). */
  divisor: number | null;
  /** Rounded raw value last encoded per element (NaN = none yet). */
  last: Float64Array;
}

/**
 * The raw integer a value encodes to is round(value / (scale · sign · 10^sf)) (model codec, `encodeElement`);
 * when that integer did not change the registers do not change either, so the encode is skipped.
 */
function divisorOf(point: RegisterPoint, sfs: ScaleFactors): number | null {
  const t = point.type;
  if (t === 'float32' || t === 'string' || t === 'sunssf' || t === 'enum16' || t === 'bitfield16' || t === 'bitfield32')
    return null;
  return point.scale * point.sign * (point.sf ? Math.pow(10, sfs[point.sf] ?? 0) : 1);
}

/** The register images of one site, kept up to date from its {@link SiteModel}. */
export class SiteImage {
  readonly units = new Map<number, UnitImage>();
  /** Where each point of each device source lives: filled on the first {@link update}. */
  private readonly slots = new Map<DeviceSource, Map<RegisterPoint, Slot>>();
  private readonly sfCache = new Map<string, ScaleFactors>();
  private arraysAt = Number.NaN;

  constructor(readonly model: SiteModel) {
    const size = new Map<number, { holding: number; input: number }>();
    for (const d of model.devices) {
      for (const src of d.sources) {
        const map = model.maps.get(src.map)!;
        const s = size.get(src.unitId) ?? { holding: 0, input: 0 };
        for (const p of map.points) {
          const end = src.base + p.address + p.words * p.count;
          if (end > 65536)
            throw new RangeError(`${d.id}: ${src.map} ${p.name} at base ${src.base} runs past register 65535`);
          s[p.fn] = Math.max(s[p.fn], end);
        }
        size.set(src.unitId, s);
      }
    }
    for (const [unitId, s] of size) {
      this.units.set(unitId, { unitId, holding: new Uint16Array(s.holding), input: new Uint16Array(s.input) });
    }
    // scale factors and other constants are written once
    for (const d of model.devices) {
      for (const src of d.sources) {
        const map = model.maps.get(src.map)!;
        const sfs = mapScaleFactors(map);
        const unit = this.units.get(src.unitId)!;
        for (const p of map.points) {
          if (p.type !== 'sunssf') continue;
          this.table(unit, p.fn).set(encodeElement(p, sfs[p.name] ?? 0), src.base + p.address);
        }
      }
    }
    this.update(true);
  }

  private table(unit: UnitImage, fn: RegisterFunction): Uint16Array {
    return fn === 'holding' ? unit.holding : unit.input;
  }

  /**
   * Re-encodes the model's current values into the images. Array points (cells) are re-encoded
   * only when the model recomputed them; attributes only on the first call.
   * @param all - encode every point (first call)
   */
  update(all = false): void {
    const cellsChanged = this.model.cellsUpdatedAt !== this.arraysAt;
    this.arraysAt = this.model.cellsUpdatedAt;
    for (const v of this.model.values({ arrays: all || cellsChanged, attributes: all })) this.write(v);
  }

  private slot(v: SimValue): Slot {
    let bySource = this.slots.get(v.source);
    if (!bySource) {
      bySource = new Map();
      this.slots.set(v.source, bySource);
    }
    let slot = bySource.get(v.point);
    if (!slot) {
      const unit = this.units.get(v.source.unitId)!;
      let sfs = this.sfCache.get(v.source.map);
      if (!sfs) {
        sfs = mapScaleFactors(this.model.maps.get(v.source.map)!);
        this.sfCache.set(v.source.map, sfs);
      }
      slot = {
        table: this.table(unit, v.point.fn),
        address: v.source.base + v.point.address,
        point: v.point,
        sfs,
        divisor: divisorOf(v.point, sfs),
        last: new Float64Array(v.point.count).fill(Number.NaN),
      };
      bySource.set(v.point, slot);
    }
    return slot;
  }

  private write(v: SimValue): void {
    const slot = this.slot(v);
    const { table, address, point, sfs, divisor, last } = slot;
    if (Array.isArray(v.value)) {
      const n = Math.min(point.count, v.value.length);
      for (let i = 0; i < n; i++) {
        const x = v.value[i];
        if (divisor !== null) {
          const raw = Math.round(x / divisor);
          if (raw === last[i]) continue;
          last[i] = raw;
        }
        table.set(encodeElement(point, x, sfs), address + i * point.words);
      }
    } else {
      const x = v.value;
      if (divisor !== null && typeof x === 'number') {
        const raw = Math.round(x / divisor);
        if (raw === last[0]) return;
        last[0] = raw;
      } else last[0] = Number.NaN;
      table.set(encodeElement(point, x, sfs), address);
    }
  }
}
