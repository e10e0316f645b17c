import { METRICS } from '@openbess/model';
import { SiteModel } from '../../src/simulator';
import { CELL_MAX_V, CELL_MIN_V } from '../../src/simulator/lfp';
import { PCS_EFFICIENCY } from '../../src/simulator/thermal';
import { TRANSFORMER_LOAD_LOSS, TRANSFORMER_NO_LOAD_LOSS } from '../../src/simulator/plant';
import { MAPS, site } from './helpers';

const T0 = Date.UTC(2025, 5, 1, 0, 0, 0);
const HOUR = 3_600_000;

const fi = site({
  code: 'FI006',
  timezone: 'Europe/Helsinki',
  blocks: 2,
  stringsPerBlock: 3,
  wind: { ratedKw: 20000 },
});

describe('site physics over a simulated day', () => {
  const model = new SiteModel(fi, { maps: MAPS, startTime: T0, tickMs: 10_000, cellIntervalMs: 600_000 });
  const socSteps: { kw: number; dSoc: number }[] = [];
  const blockSteps: { kw: number; dSoc: number }[] = [];
  const counters = new Map<string, number[]>();
  const relations: { sumBlocks: number; bess: number; meter: number; aux: number; wind: number; loss: number }[] = [];
  const pcs: { ac: number; dc: number }[] = [];
  const bessKw: number[] = [];

  beforeAll(() => {
    for (let t = T0 + 10_000; t <= T0 + 24 * HOUR; t += 10_000) {
      const soc0 = model.soc;
      const block0 = model.blocks.map((b) => b.soc);
      model.step(t);
      socSteps.push({ kw: model.blocks.reduce((s, b) => s + b.acKw, 0), dSoc: model.soc - soc0 });
      model.blocks.forEach((b, i) => blockSteps.push({ kw: b.acKw, dSoc: b.soc - block0[i] }));
      bessKw.push(model.plant.bessKw);
      const p = model.plant;
      relations.push({
        sumBlocks: model.blocks.reduce((s, b) => s + b.acKw, 0),
        bess: p.bessKw,
        meter: p.meterKw,
        aux: p.auxKw,
        wind: p.windKw,
        loss: p.transformerLossKw,
      });
      for (const b of model.blocks) pcs.push({ ac: b.acKw, dc: b.strings.reduce((s, x) => s + x.powerKw, 0) });
      if ((t - T0) % (10 * 60_000) === 0) {
        for (const v of model.values({ arrays: false, attributes: false })) {
          if (!/EnergyTotal$|^cycleCount$/.test(v.metric) || typeof v.value !== 'number') continue;
          const key = `${v.device} ${v.point.name} ${v.metric}`;
          if (!counters.has(key)) counters.set(key, []);
          counters.get(key)!.push(v.value);
        }
      }
    }
  });

  test('the plant both charges and discharges during the day (arbitrage + FCR)', () => {
    expect(Math.max(...bessKw)).toBeGreaterThan(1000);
    expect(Math.min(...bessKw)).toBeLessThan(-1000);
  });

  test('SOC moves in the direction power implies (site and every block)', () => {
    const moving = socSteps.filter((s) => Math.abs(s.kw) > 1);
    expect(moving.length).toBeGreaterThan(1000);
    for (const s of moving) expect(Math.sign(s.dSoc)).toBe(-Math.sign(s.kw));
    for (const s of blockSteps.filter((x) => Math.abs(x.kw) > 1)) expect(Math.sign(s.dSoc)).toBe(-Math.sign(s.kw));
  });

  test('SOC stays inside the 5-95 % operating window', () => {
    expect(model.strings.every((s) => s.soc > 4 && s.soc < 96)).toBe(true);
  });

  test('energy counters never decrease and some grow', () => {
    expect(counters.size).toBeGreaterThan(10);
    let grown = 0;
    for (const [key, series] of counters) {
      for (let i = 1; i < series.length; i++) {
        if (series[i] < series[i - 1]) throw new Error(`${key} decreased: ${series[i - 1]} → ${series[i]}`);
      }
      if (series[series.length - 1] > series[0]) grown++;
    }
    expect(grown).toBeGreaterThan(counters.size / 2);
  });

  test('Σ block AC power = BESS power + transformer losses; meter = BESS − auxiliaries + wind', () => {
    const rated = fi.blockRatedPowerKw * fi.blocks;
    for (const r of relations) {
      const loss = r.sumBlocks - r.bess;
      expect(loss).toBeGreaterThanOrEqual(TRANSFORMER_NO_LOAD_LOSS * rated - 1e-9);
      expect(loss).toBeLessThanOrEqual((TRANSFORMER_NO_LOAD_LOSS + TRANSFORMER_LOAD_LOSS * 1.2) * rated);
      expect(r.meter).toBeCloseTo(r.bess - r.aux + r.wind, 6);
      expect(r.aux).toBeGreaterThan(0);
    }
  });

  test('block AC = Σ string DC × η on discharge and Σ string DC / η on charge', () => {
    for (const p of pcs) {
      if (p.ac > 0) expect(p.ac).toBeCloseTo(p.dc * PCS_EFFICIENCY, 6);
      else if (p.ac < 0) expect(p.ac).toBeCloseTo(p.dc / PCS_EFFICIENCY, 6);
    }
  });
});

describe('cells', () => {
  const model = new SiteModel(site({ code: 'GB003', blocks: 1, stringsPerBlock: 4, simulation: { initialSoc: 10 } }), {
    maps: MAPS,
    startTime: T0,
    tickMs: 60_000,
    cellIntervalMs: 60_000,
  });

  test('cell voltages stay within 2.5-3.65 V and the string voltage is the sum of its cells', () => {
    for (let h = 1; h <= 24; h++) {
      model.step(T0 + h * HOUR);
      for (const s of model.strings) {
        const cells = (valueOfString(model, s.id, 'cellVoltages') as number[]).slice();
        expect(cells).toHaveLength(fi.cellsPerString);
        for (const v of cells) {
          expect(v).toBeGreaterThanOrEqual(CELL_MIN_V);
          expect(v).toBeLessThanOrEqual(CELL_MAX_V);
        }
        const sum = cells.reduce((a, v) => a + v, 0);
        expect(valueOfString(model, s.id, 'dcVoltage') as number).toBeCloseTo(sum, 6);
        expect(sum / cells.length).toBeGreaterThan(2.9);
        expect(sum / cells.length).toBeLessThan(3.5);
        const temps = valueOfString(model, s.id, 'cellTemperatures') as number[];
        expect(Math.max(...temps)).toBeLessThan(45);
        expect(Math.min(...temps)).toBeGreaterThan(10);
      }
    }
  });
});

function valueOfString(model: SiteModel, device: string, metric: string): unknown {
  for (const v of model.values()) if (v.device === device && v.metric === metric) return v.value;
  throw new Error(`no ${metric} for ${device}`);
}

describe('every map point gets a value', () => {
  test.each([
    ['pcs-tmeic', { wind: { ratedKw: 5000 } }],
    ['pcs-vendorb', { solar: { ratedKw: 5000 } }],
  ])('measurements of a site with %s are all served (none left as not-implemented)', (pcs, extra) => {
    const model = new SiteModel(site({ code: 'EE001', maps: { pcs }, ...extra }), {
      maps: MAPS,
      startTime: T0 + 12 * HOUR,
    });
    model.step(T0 + 12 * HOUR + 5000);
    const seen = new Set<string>();
    for (const v of model.values()) {
      const where = `${v.device} ${v.source.map} ${v.point.name} (${v.metric})`;
      if (v.point.kind === 'measurement' || v.point.kind === 'array') {
        expect(METRICS[v.metric as keyof typeof METRICS]).toBeDefined();
        if (v.value === null) throw new Error(`${where} has no value`);
      }
      if (v.point.kind === 'attribute' && v.value === null) throw new Error(`${where} attribute has no value`);
      seen.add(v.source.map);
    }
    expect([...seen].sort()).toEqual([...new Set(model.devices.flatMap((d) => d.sources.map((s) => s.map)))].sort());
  });
});

describe('determinism', () => {
  test('the same seed gives the same site; another seed a different one', () => {
    const run = (seed: number): number[] => {
      const m = new SiteModel(site({ code: 'GB003', simulation: { seed, faults: { stringTrip: 2 } } }), {
        maps: MAPS,
        startTime: T0,
        tickMs: 5000,
      });
      const out: number[] = [];
      for (let t = T0; t <= T0 + 2 * HOUR; t += 60_000) {
        m.step(t);
        out.push(m.plant.bessKw, m.soc, m.environment.frequencyHz, m.activeFaults().length);
      }
      return out;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(8)).not.toEqual(run(7));
  });

  test('faults and grid frequency do not depend on the step size', () => {
    const cfg = site({
      code: 'GB003',
      simulation: { seed: 4, faults: { stringTrip: 1, cellImbalance: 1, faultSeconds: 120 } },
    });
    const a = new SiteModel(cfg, { maps: MAPS, startTime: T0, tickMs: 1000 });
    const b = new SiteModel(cfg, { maps: MAPS, startTime: T0, tickMs: 10_000 });
    a.step(T0 + 3 * HOUR);
    b.step(T0 + 3 * HOUR);
    expect(a.faults.all().length).toBeGreaterThan(0);
    expect(a.faults.all()).toEqual(b.faults.all());
    expect(a.environment.frequencyHz).toBe(b.environment.frequencyHz);
  });
});
