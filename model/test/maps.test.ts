import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  cellBase,
  ConfigError,
  decodeElement,
  DEVICE_PROFILES,
  encodeElement,
  loadRegisterMap,
  loadRegisterMaps,
  MAPS_DIR,
  METRICS,
  minimumReads,
  planReads,
  stringBase,
  SUNSPEC_SENTINELS,
  type RegisterMap,
  type RegisterPoint,
  type ScaleFactors,
} from '../src';
import { camelSymbol, loadSunSpecModel, parseClaims, type SunSpecBlock, type SunSpecModel } from './support/sunspec';

const SHIPPED = [
  'bess-controller',
  'bms-block-802',
  'bms-string-803',
  'cells-805',
  'hvac',
  'meter-float32',
  'pcs-tmeic',
  'pcs-vendorb',
  'safety',
  'solar-node',
  'wind-node',
];

const maps = loadRegisterMaps();
const each = SHIPPED.map((id) => [id, maps.get(id)!] as const);
const end = (p: RegisterPoint): number => p.address + p.words * p.count;
const sfValues = (m: RegisterMap): ScaleFactors =>
  Object.fromEntries(m.points.filter((p) => p.type === 'sunssf').map((p) => [p.name, p.value]));
const measurementMetrics = (m: RegisterMap): string[] =>
  m.points
    .filter((p) => p.kind === 'measurement' || p.kind === 'array')
    .map((p) => p.metric)
    .sort();

describe('shipped register maps', () => {
  it('are exactly the eleven maps of the briefing and all load', () => {
    expect([...maps.keys()].sort()).toEqual(SHIPPED);
  });

  it.each(each)('%s says in its header that addresses are 0-based wire addresses', (id) => {
    const header = readFileSync(join(MAPS_DIR, `${id}.yaml`), 'utf8')
      .split('\n')
      .slice(0, 12)
      .join('\n');
    expect(header).toMatch(/0-based wire address/);
  });

  it.each(each)('%s names valid device profiles', (_id, m) => {
    expect(m.profiles.length).toBeGreaterThan(0);
    for (const p of m.profiles) expect(DEVICE_PROFILES).toContain(p);
  });

  it('keeps block BMS < 1000, string < 200 and cell < 2000 (device bases do not collide)', () => {
    const maxEnd = (id: string) => Math.max(...maps.get(id)!.points.map(end));
    expect(maxEnd('bms-block-802')).toBeLessThanOrEqual(1000);
    expect(maxEnd('bms-string-803')).toBeLessThanOrEqual(200);
    expect(maxEnd('cells-805')).toBeLessThanOrEqual(2000);
    // the bases the device tree uses: block map ends below string 1, strings below the cells
    expect(maxEnd('bms-block-802')).toBeLessThanOrEqual(stringBase(1));
    expect(stringBase(16) + maxEnd('bms-string-803')).toBeLessThanOrEqual(cellBase(1));
  });

  it('serves the cell arrays with the contract sizes and units', () => {
    const cells = maps.get('cells-805')!;
    const by = (metric: string) => cells.points.find((p) => p.metric === metric)!;
    expect(by('cellVoltages')).toMatchObject({ count: 416, unit: 'V', kind: 'array', type: 'uint16', scale: 0.001 });
    expect(by('cellTemperatures')).toMatchObject({ count: 416, unit: '°C', kind: 'array', type: 'int16', scale: 0.1 });
    expect(by('cellBalancing')).toMatchObject({ count: 26, kind: 'array', sentinel: null });
    expect(Object.values(cells.groups)).toEqual([{ intervalMs: 30000 }]);
  });

  it('polls each device kind at the briefing intervals', () => {
    const interval = (id: string, metric: string) => {
      const m = maps.get(id)!;
      return m.groups[m.points.find((p) => p.metric === metric)!.group].intervalMs;
    };
    expect(interval('meter-float32', 'activePower')).toBe(1000);
    expect(interval('pcs-tmeic', 'activePower')).toBe(1000);
    expect(interval('pcs-vendorb', 'activePower')).toBe(1000);
    expect(interval('bess-controller', 'stateOfCharge')).toBe(1000);
    expect(interval('wind-node', 'windSpeed')).toBe(1000);
    expect(interval('solar-node', 'irradiance')).toBe(1000);
    expect(interval('bms-block-802', 'stateOfCharge')).toBe(2000);
    expect(interval('bms-string-803', 'dcVoltage')).toBe(2000);
    expect(interval('hvac', 'containerTemperature')).toBe(5000);
    expect(interval('safety', 'safetyStatus')).toBe(5000);
    expect(interval('pcs-tmeic', 'serialNumber')).toBe(60000);
  });

  it('gives both PCS vendors the same metrics, disjoint from the block BMS (one block device)', () => {
    const tmeic = measurementMetrics(maps.get('pcs-tmeic')!);
    expect(measurementMetrics(maps.get('pcs-vendorb')!)).toEqual(tmeic);
    const bms = new Set(measurementMetrics(maps.get('bms-block-802')!));
    expect(tmeic.filter((x) => bms.has(x))).toEqual([]);
    const cells = new Set(measurementMetrics(maps.get('cells-805')!));
    expect(measurementMetrics(maps.get('bms-string-803')!).filter((x) => cells.has(x))).toEqual([]);
  });

  it('maps Vendor B charge-positive powers to the generator convention with sign -1', () => {
    const b = maps.get('pcs-vendorb')!;
    for (const metric of ['activePower', 'reactivePower', 'dcLinkCurrent', 'activePowerSetValue'])
      expect(b.points.find((p) => p.metric === metric)!.sign).toBe(-1);
    expect(b.points.some((p) => typeof p.sentinel === 'number')).toBe(true);
    expect(b.points.find((p) => p.metric === 'activePower')!.order).toBe('CDAB');
  });

  it.each(each)('%s: every scale factor has a served value and shares the group of its users', (_id, m) => {
    const sfs = new Map(m.points.filter((p) => p.type === 'sunssf').map((p) => [p.name, p]));
    for (const sf of sfs.values()) {
      expect(sf.value).toEqual(expect.any(Number));
      expect(Math.abs(sf.value!)).toBeLessThanOrEqual(10);
    }
    for (const p of m.points.filter((x) => x.sf)) {
      const sf = sfs.get(p.sf!)!;
      expect(`${p.name}:${sf.group}:${sf.fn}`).toBe(`${p.name}:${p.group}:${p.fn}`);
    }
    for (const sf of sfs.values()) expect(m.points.some((p) => p.sf === sf.name)).toBe(true);
  });

  it.each(each)('%s: every bit has a name, an expected value, a severity and a description', (_id, m) => {
    for (const p of m.points.filter((x) => x.bits)) {
      for (const b of p.bits!) {
        expect(b.expected === 0 || b.expected === 1).toBe(true);
        expect(['OK', 'INFO', 'WARNING', 'ALARM']).toContain(b.severity);
        expect((b.description ?? '').length).toBeGreaterThan(5);
      }
    }
  });

  it.each(each)('%s: physical measurements have a range the registers can represent', (_id, m) => {
    const sfs = sfValues(m);
    for (const p of m.points.filter((x) => (x.kind === 'measurement' || x.kind === 'array') && x.unit !== '')) {
      expect([p.name, p.min! < p.max!]).toEqual([p.name, true]);
      const step = Math.abs(Math.pow(10, p.sf ? (sfs[p.sf] as number) : 0) * p.scale);
      for (const v of [p.min!, p.max!, (p.min! + p.max!) / 2]) {
        const back = decodeElement(p, encodeElement(p, v, sfs), 0, sfs) as number;
        const tolerance = p.type === 'float32' ? Math.abs(v) * 1e-6 + 1e-9 : step;
        expect([p.name, v, Math.abs(back - v) <= tolerance]).toEqual([p.name, v, true]);
      }
    }
  });

  it.each(each)('%s: each poll group needs at most 1.1 × the minimum number of reads', (_id, m) => {
    for (const group of Object.keys(m.groups)) {
      const pts = m.points.filter((p) => p.group === group);
      expect(pts.length).toBeGreaterThan(0);
      const planned = planReads(pts).length;
      expect([group, planned <= 1.1 * minimumReads(pts)]).toEqual([group, true]);
      for (const r of planReads(pts)) expect(r.count).toBeLessThanOrEqual(125);
    }
  });

  it('uses only metrics of the vocabulary with their units', () => {
    for (const m of maps.values())
      for (const p of m.points.filter((x) => x.kind === 'measurement' || x.kind === 'array'))
        expect(`${p.metric} ${p.unit}`).toBe(`${p.metric} ${METRICS[p.metric as keyof typeof METRICS].unit}`);
  });
});

/** The SunSpec blocks a map anchors (model fixed parts and group instances) with their address ranges. */
function anchoredRanges(m: RegisterMap, models: Map<number, SunSpecModel>) {
  return parseClaims(m.derivedFrom)
    .filter((c) => c.at !== undefined)
    .map((c) => {
      const model = models.get(c.model)!;
      const blk: SunSpecBlock | undefined = c.group ? model.groups.get(c.group) : model.fixed;
      if (!blk) throw new Error(`${m.id}: SunSpec ${c.model} has no group ${c.group}`);
      return { label: `SunSpec ${c.model}${c.group ? '.' + c.group : ''}`, start: c.at!, end: c.at! + blk.size, blk };
    });
}

describe('maps derived from SunSpec put every SunSpec point where the model says', () => {
  const derived = each.filter(([, m]) => parseClaims(m.derivedFrom).length > 0);
  const models = new Map<number, SunSpecModel>();
  for (const [, m] of derived)
    for (const c of parseClaims(m.derivedFrom))
      if (!models.has(c.model)) models.set(c.model, loadSunSpecModel(c.model));

  it('covers the SunSpec-derived maps of the briefing', () => {
    expect(derived.map(([id]) => id).sort()).toEqual([
      'bess-controller',
      'bms-block-802',
      'bms-string-803',
      'cells-805',
      'pcs-tmeic',
    ]);
  });

  it.each(derived)('%s: address = model start + SunSpec offset, with the SunSpec type and scale factor', (id, m) => {
    const ranges = anchoredRanges(m, models);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i].start).toBeGreaterThanOrEqual(ranges[i - 1].end);
    const used = new Set<string>();
    for (const p of m.points) {
      const inside = ranges.filter((r) => p.address >= r.start && p.address < r.end);
      if (inside.length === 0) {
        // a vendor point outside the SunSpec blocks must not borrow a SunSpec name of an anchored block
        for (const r of ranges) expect(`${id} ${p.name} ${r.blk.points.has(p.name)}`).toBe(`${id} ${p.name} false`);
        continue;
      }
      const r = inside[0];
      const sp = r.blk.points.get(p.name);
      expect(`${id} ${p.name}@${p.address} in ${r.label}: ${sp ? 'SunSpec point' : 'unknown'}`).toBe(
        `${id} ${p.name}@${p.address} in ${r.label}: SunSpec point`
      );
      used.add(r.label);
      const where = `${id} ${r.label} ${p.name}`;
      expect(`${where} @${p.address}`).toBe(`${where} @${r.start + sp!.offset}`);
      expect(`${where} ${p.type} ×${p.words}`).toBe(`${where} ${sp!.type} ×${sp!.size}`);
      expect(`${where} sf ${p.sf ?? '-'}`).toBe(`${where} sf ${typeof sp!.sf === 'string' ? sp!.sf : '-'}`);
      expect(end(p)).toBeLessThanOrEqual(r.end);
      expect(`${where} sentinel ${p.sentinel}`).toBe(`${where} sentinel ${SUNSPEC_SENTINELS[p.type]}`);
      const symbols = new Map(sp!.symbols.map((s) => [s.value, s.name]));
      for (const [value, label] of Object.entries(p.enum ?? {}))
        expect(`${where} enum ${value}=${label}`).toBe(`${where} enum ${value}=${symbols.get(Number(value))}`);
      for (const b of p.bits ?? []) {
        const symbol = symbols.get(b.bit);
        expect(`${where} bit ${b.bit} ${symbol !== undefined}`).toBe(`${where} bit ${b.bit} true`);
        const named = b.name === camelSymbol(symbol!) || (b.description ?? '').includes(symbol!);
        expect(`${where} bit ${b.bit} ${b.name} ${named}`).toBe(`${where} bit ${b.bit} ${b.name} true`);
      }
    }
    expect([...used].sort()).toEqual(ranges.map((r) => r.label).sort());
  });

  it('pins the SunSpec addresses of the TMEIC PCS (SunS at 40000, then models 1, 701, 714)', () => {
    const at = (name: string) => maps.get('pcs-tmeic')!.points.find((p) => p.name === name)!.address;
    expect([at('Mn'), at('W'), at('Hz'), at('TotWhInj'), at('W_SF'), at('DCA'), at('DCV')]).toEqual([
      40004, 40080, 40087, 40089, 40186, 40230, 40256,
    ]);
  });

  it('keeps SunSpec types for cell points laid out as arrays (805 without an address anchor)', () => {
    const m805 = models.get(805)!;
    const cellGroup = m805.groups.get('lithium-ion-module-cell')!;
    const cells = maps.get('cells-805')!;
    for (const name of ['CellV', 'CellTmp']) {
      const p = cells.points.find((x) => x.name === name)!;
      expect(p.type).toBe(cellGroup.points.get(name)!.type);
    }
  });

  it('names SunSpec bitfield bits after their symbols', () => {
    const evt = maps.get('bms-block-802')!.points.find((p) => p.name === 'Evt1')!;
    expect(evt.bits!.find((b) => b.bit === 1)).toMatchObject({ name: 'overTempAlarm', expected: 0, severity: 'ALARM' });
    expect(evt.bits!.find((b) => b.bit === 2)).toMatchObject({ name: 'overTempWarning', severity: 'WARNING' });
  });
});

describe('a broken map fails with a ConfigError naming the file and the point', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'openbess-maps-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  type Doc = { points: Record<string, unknown>[] } & Record<string, unknown>;
  const shipped = (id: string): Doc => parse(readFileSync(join(MAPS_DIR, `${id}.yaml`), 'utf8')) as Doc;
  const point = (doc: Doc, name: string) => doc.points.find((p) => p.name === name)!;
  /** Writes `text` as `<name>.yaml` into the temp dir and returns the error loading it throws. */
  const failure = (name: string, text: string): ConfigError => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    try {
      loadRegisterMap(file);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).file).toBe(file);
      expect((e as Error).message.startsWith(`${file}: `)).toBe(true);
      return e as ConfigError;
    }
    throw new Error(`${file} loaded without an error`);
  };

  it('bad YAML syntax: names the file and the line', () => {
    const text = readFileSync(join(MAPS_DIR, 'hvac.yaml'), 'utf8').replace(
      '- { name: T_RETURN,',
      '- { name: T_RETURN: [,'
    );
    const e = failure('syntax', text);
    expect(e.entry).toBe('(syntax)');
    expect(e.message).toMatch(/line \d+/);
  });

  it('unknown metric', () => {
    const doc = shipped('hvac');
    point(doc, 'T_RETURN').metric = 'returnAirTemp';
    const e = failure('unknown-metric', stringify(doc));
    expect(e.message).toContain('points[1] (T_RETURN)');
    expect(e.message).toContain('unknown metric "returnAirTemp"');
  });

  it('wrong unit', () => {
    const doc = shipped('hvac');
    point(doc, 'P_HVAC').unit = 'W';
    const e = failure('wrong-unit', stringify(doc));
    expect(e.message).toContain('(P_HVAC)');
    expect(e.message).toContain('metric hvacPower is in "kW", the point says "W"');
  });

  it('overlapping registers', () => {
    const doc = shipped('pcs-tmeic');
    point(doc, 'VA').address = 40080;
    const e = failure('overlap', stringify(doc));
    expect(e.message).toMatch(/point (VA|W)/);
    expect(e.message).toContain('overlaps');
    expect(e.message).toContain('40080');
  });

  it('a scale-factor point that is missing', () => {
    const doc = shipped('pcs-tmeic');
    doc.points = doc.points.filter((p) => p.name !== 'Var_SF');
    const e = failure('missing-sf', stringify(doc));
    expect(e.message).toContain('(Var)');
    expect(e.message).toContain('scale factor "Var_SF" is not a point of this map');
  });

  it('a bit beyond the width of its bitfield', () => {
    const doc = shipped('safety');
    (point(doc, 'STATUS').bits as Record<string, unknown>[]).push({ bit: 16, name: 'roofOpen', expected: 0 });
    const e = failure('bit-range', stringify(doc));
    expect(e.message).toContain('(STATUS)');
    expect(e.message).toContain('roofOpen');
    expect(e.message).toContain('bit 16 ≥ 16');
  });

  it('an unknown poll group', () => {
    const doc = shipped('wind-node');
    point(doc, 'WIND_SPEED').group = 'turbo';
    const e = failure('unknown-group', stringify(doc));
    expect(e.message).toContain('(WIND_SPEED)');
    expect(e.message).toContain('unknown poll group "turbo"');
  });

  it('loading a directory stops at the broken file', () => {
    const sub = mkdtempSync(join(dir, 'dir-'));
    writeFileSync(join(sub, 'good.yaml'), readFileSync(join(MAPS_DIR, 'safety.yaml')));
    const doc = shipped('hvac');
    point(doc, 'T_ROOM').unit = 'K';
    writeFileSync(join(sub, 'zz-bad.yaml'), stringify(doc));
    expect(() => loadRegisterMaps(sub)).toThrow(/zz-bad\.yaml: points\[2\] \(T_ROOM\)/);
  });
});
