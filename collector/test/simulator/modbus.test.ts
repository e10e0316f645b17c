import { decodePoint, UNIT_IDS, type RegisterPoint } from '@openbess/model';
import { mapScaleFactors, startSimulator, type Simulator } from '../../src/simulator';
import { MAPS, mbpoll, pointOf, rawRead, registersOf, site } from './helpers';

/**
 * The simulator over real Modbus TCP, read by the independent client mbpoll (Debian, libmodbus):
 * the registers decode (with the map's scale and scale factors) to the state of the physics.
 * The simulated clock is frozen (speed 0) so the model state and the registers are the same instant.
 */

const T0 = Date.UTC(2025, 5, 3, 6, 30, 0); // a discharge hour in the morning peak (Helsinki)
const sites = [
  site({
    code: 'FI006',
    timezone: 'Europe/Helsinki',
    blocks: 2,
    stringsPerBlock: 2,
    maps: { pcs: 'pcs-tmeic' },
    modbus: { port: 15020 },
  }),
  site({
    code: 'EE001',
    timezone: 'Europe/Tallinn',
    blocks: 1,
    stringsPerBlock: 2,
    maps: { pcs: 'pcs-vendorb' },
    modbus: { port: 15021 },
    simulation: { scheduledFaults: [{ kind: 'commsDrop', atSeconds: 30, durationSeconds: 20 }] },
  }),
];

let sim: Simulator;
const port = (code: string): number => sim.sites.find((s) => s.code === code)!.port;

/** Reads a point with mbpoll (raw hex registers) and decodes it with the map. */
async function readPoint(code: string, unitId: number, mapId: string, point: RegisterPoint, base = 0): Promise<number> {
  const n = point.words * point.count;
  const table = point.fn === 'holding' ? '4:hex' : '3:hex';
  const r = await mbpoll(port(code), [
    '-a',
    String(unitId),
    '-r',
    String(base + point.address),
    '-c',
    String(n),
    '-t',
    table,
  ]);
  expect(r.code).toBe(0);
  const regs = registersOf(r, base + point.address, n);
  return decodePoint(point, regs, point.address, mapScaleFactors(MAPS.get(mapId)!)) as number;
}

beforeAll(async () => {
  sim = await startSimulator({ sites, maps: MAPS, port: 0, speed: 0, startTime: T0 });
});
afterAll(async () => {
  await sim.stop();
});

test('each site listens on its own ephemeral port', () => {
  expect(sim.sites.map((s) => s.code)).toEqual(['FI006', 'EE001']);
  for (const s of sim.sites) expect(s.port).toBeGreaterThan(0);
  expect(new Set(sim.sites.map((s) => s.port)).size).toBe(2);
});

test('mbpoll reads the BESS controller SOC (unit 1) the model holds', async () => {
  for (const code of ['FI006', 'EE001']) {
    const soc = await readPoint(
      code,
      UNIT_IDS.bessNode,
      'bess-controller',
      pointOf('bess-controller', 'stateOfCharge')
    );
    expect(Math.abs(soc - sim.model(code).soc)).toBeLessThanOrEqual(0.05 + 1e-9); // Pct_SF = -1 → 0.1 % steps
    expect(soc).toBeGreaterThan(0);
  }
});

test('mbpoll reads each PCS active power the model holds (TMEIC int16 + W_SF, vendor B float32 CDAB sign -1)', async () => {
  const fi = sim.model('FI006');
  for (const b of fi.blocks) {
    const kw = await readPoint('FI006', UNIT_IDS.pcs(b.index), 'pcs-tmeic', pointOf('pcs-tmeic', 'activePower'));
    expect(Math.abs(kw - b.acKw)).toBeLessThanOrEqual(0.05 + 1e-9); // W_SF = 2 → 100 W steps
    expect(Math.abs(kw)).toBeGreaterThan(1);
  }
  const ee = sim.model('EE001').blocks[0];
  const kw = await readPoint('EE001', UNIT_IDS.pcs(1), 'pcs-vendorb', pointOf('pcs-vendorb', 'activePower'));
  expect(Math.abs(kw - ee.acKw)).toBeLessThanOrEqual(Math.abs(ee.acKw) * 1e-6 + 1e-3);
  // and mbpoll's own float decoding (little-endian word order = CDAB) sees the raw vendor sign
  const p = pointOf('pcs-vendorb', 'activePower');
  const r = await mbpoll(port('EE001'), [
    '-a',
    '11',
    '-r',
    String(p.address),
    '-c',
    '1',
    '-t',
    p.fn === 'input' ? '3:float' : '4:float',
  ]);
  const raw = Number(/^\[\d+\]:\s+(\S+)/m.exec(r.stdout)![1]);
  expect(raw).toBeCloseTo(-ee.acKw, 0);
});

test('a string behind the block BMS unit at its base address decodes to the string state', async () => {
  const fi = sim.model('FI006');
  const s = fi.blocks[1].strings[1];
  const dev = fi.devices.find((d) => d.id === s.id)!;
  const src = dev.sources.find((x) => x.map === 'bms-string-803')!;
  expect(src.unitId).toBe(UNIT_IDS.bms(2));
  const soc = await readPoint(
    'FI006',
    src.unitId,
    'bms-string-803',
    pointOf('bms-string-803', 'stateOfCharge'),
    src.base
  );
  expect(Math.abs(soc - s.soc)).toBeLessThanOrEqual(0.05 + 1e-9);
  const v = await readPoint('FI006', src.unitId, 'bms-string-803', pointOf('bms-string-803', 'dcVoltage'), src.base);
  expect(Math.abs(v - s.voltageV)).toBeLessThanOrEqual(0.05 + 1e-9);
});

test('cell voltages read in 125-register chunks equal the cells of the string', async () => {
  const fi = sim.model('FI006');
  const s = fi.blocks[0].strings[0];
  const src = fi.devices.find((d) => d.id === s.id)!.sources.find((x) => x.map === 'cells-805')!;
  const p = pointOf('cells-805', 'cellVoltages');
  const regs: number[] = [];
  for (let off = 0; off < p.count; off += 125) {
    const n = Math.min(125, p.count - off);
    const r = await mbpoll(port('FI006'), [
      '-a',
      String(src.unitId),
      '-r',
      String(src.base + p.address + off),
      '-c',
      String(n),
      '-t',
      '4:hex',
    ]);
    expect(r.code).toBe(0);
    regs.push(...registersOf(r, src.base + p.address + off, n));
  }
  const cells = decodePoint(p, regs, p.address) as number[];
  expect(cells).toHaveLength(s.cells);
  cells.forEach((v, i) => expect(Math.abs(v - s.cellVoltages[i])).toBeLessThanOrEqual(0.0005 + 1e-9));
});

test('registers in a gap between mapped points read as 0', async () => {
  // find a register of unit 1 that no point of the BESS-controller map covers, below its last point
  const map = MAPS.get('bess-controller')!;
  const used = new Set<number>();
  for (const p of map.points.filter((x) => x.fn === 'holding'))
    for (let a = p.address; a < p.address + p.words * p.count; a++) used.add(a);
  const max = Math.max(...used);
  let gap = -1;
  for (let a = max; a > 0 && gap < 0; a--) if (!used.has(a) && !used.has(a - 1) && !used.has(a - 2)) gap = a - 2;
  expect(gap).toBeGreaterThan(0);
  const r = await mbpoll(port('FI006'), ['-a', '1', '-r', String(gap), '-c', '3', '-t', '4:hex']);
  expect(r.code).toBe(0);
  expect(registersOf(r, gap, 3)).toEqual([0, 0, 0]);
});

test('more than 125 registers is refused with exception 03; a read past the unit end with 02', async () => {
  const addr = pointOf('bess-controller', 'activePower').address;
  for (const n of [126, 127, 200])
    expect(await rawRead(port('FI006'), 1, 3, addr, n)).toEqual({ fn: 0x83, exception: 3 });
  expect(await rawRead(port('FI006'), 1, 3, addr, 0)).toEqual({ fn: 0x83, exception: 3 });
  const end = Math.max(...MAPS.get('bess-controller')!.points.map((p) => p.address + p.words * p.count));
  const ok = await rawRead(port('FI006'), 1, 3, end - 125, 125);
  expect(ok.registers).toHaveLength(125);
  expect(await rawRead(port('FI006'), 1, 3, end - 124, 125)).toEqual({ fn: 0x83, exception: 2 });
  expect(await rawRead(port('FI006'), 1, 3, 65000, 10)).toEqual({ fn: 0x83, exception: 2 });
  // mbpoll itself will not send more than 125 registers
  const r = await mbpoll(port('FI006'), ['-a', '1', '-r', String(addr), '-c', '126', '-t', '4']);
  expect(r.code).not.toBe(0);
});

test('an unknown unit id gets exception 0x0B (gateway target failed to respond)', async () => {
  const r = await mbpoll(port('FI006'), ['-a', '99', '-r', '0', '-c', '1', '-t', '4']);
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/Target device failed to respond/i);
  expect(await rawRead(port('FI006'), 99, 4, 0, 1)).toEqual({ fn: 0x84, exception: 0x0b });
});

test('writes are refused with exception 01 (the simulated devices are read-only)', async () => {
  const r = await mbpoll(
    port('FI006'),
    ['-a', '1', '-r', String(pointOf('bess-controller', 'activePower').address), '-t', '4'],
    1,
    ['5']
  );
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/Illegal function/i);
});

test('pause → mbpoll times out; resume → it answers again; the other site is unaffected', async () => {
  const args = ['-a', '1', '-r', String(pointOf('bess-controller', 'stateOfCharge').address), '-c', '1', '-t', '4:hex'];
  sim.pauseSite('FI006');
  const paused = await mbpoll(port('FI006'), args, 0.5);
  expect(paused.code).not.toBe(0);
  expect(paused.stdout + paused.stderr).toMatch(/timed out/i);
  expect((await mbpoll(port('EE001'), args)).code).toBe(0);
  sim.resumeSite('FI006');
  const back = await mbpoll(port('FI006'), args);
  expect(back.code).toBe(0);
  expect(back.registers.size).toBe(1);
});

test('a scheduled commsDrop silences the gateway for its duration', async () => {
  const args = ['-a', '1', '-r', String(pointOf('bess-controller', 'stateOfCharge').address), '-c', '1', '-t', '4:hex'];
  expect((await mbpoll(port('EE001'), args)).code).toBe(0);
  sim.advance(31_000); // drop at 30-50 s
  expect(sim.model('EE001').commsDown).toBe(true);
  const down = await mbpoll(port('EE001'), args, 0.5);
  expect(down.stdout + down.stderr).toMatch(/timed out/i);
  expect((await mbpoll(port('FI006'), args)).code).toBe(0);
  sim.advance(20_000);
  expect(sim.model('EE001').commsDown).toBe(false);
  expect((await mbpoll(port('EE001'), args)).code).toBe(0);
});

test('stopSite closes the port (connection refused) and startSite listens again on it', async () => {
  const args = ['-a', '1', '-r', String(pointOf('bess-controller', 'stateOfCharge').address), '-c', '1', '-t', '4:hex'];
  const before = port('FI006');
  await sim.stopSite('FI006');
  const down = await mbpoll(before, args, 0.5);
  expect(down.code).not.toBe(0);
  await sim.startSite('FI006');
  expect(port('FI006')).toBe(before);
  expect((await mbpoll(before, args)).code).toBe(0);
});

test('the images follow the physics as the clock advances', async () => {
  const p = pointOf('bess-controller', 'frequency');
  const seen = new Set<number>();
  for (let i = 0; i < 5; i++) {
    sim.advance(7_000);
    const hz = await readPoint('FI006', 1, 'bess-controller', p);
    expect(Math.abs(hz - sim.model('FI006').environment.frequencyHz)).toBeLessThanOrEqual(0.0005 + 1e-9);
    seen.add(hz);
  }
  expect(seen.size).toBeGreaterThan(1);
});
