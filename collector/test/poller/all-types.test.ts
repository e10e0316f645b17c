/**
 * Decoding against an independent Modbus server: pymodbus serves register images whose words are
 * written here by hand (no OpenBESS encoder involved); the poller reads them over real Modbus TCP
 * and every decoded value is asserted exactly.
 */
import { Poller, type PollTarget } from '../../src/poller';
import { PymodbusServer } from '../support/pymodbus';
import { fixtureMap, MemorySink, registers, samplesOnlyWithOkPolls, waitFor } from './helpers';

const allTypes = fixtureMap('test-all-types');
const swapped = fixtureMap('test-swapped');

/** Unit 1: test-all-types.yaml (ABCD, CDAB, scale factors, input registers, strings, arrays). */
const unit1Holding = registers(342, [
  [0, [0xfb2e]], // W int16 -1234, W_SF -1 → -123.4 kW
  [1, [0xffff]], // W_SF sunssf -1
  [2, [0x00fa]], // VAr int16 250 × 10^1 × sign -1 → -2500 kVAr
  [3, [0x0001]], // VAr_SF sunssf 1 (poll group slow, read with group fast too)
  [4, [0x0267]], // SoC uint16 615 × 0.1 → 61.5 %
  [5, [0xffff]], // SoH uint16 sentinel → null
  [6, [0xfffe, 0x1dc0]], // DCW int32 ABCD -123456 × 0.001 → -123.456 kW
  [8, [0x1122, 0x3344]], // ExpWh uint32 ABCD 0x11223344 = 287454020 × 0.001 → 287454.02 kWh
  [10, [0xffff, 0xfffe, 0xdcba, 0x9877]], // WSet int64 ABCD -4886718345 × 0.001 → -4886718.345 kW
  [14, [0x0000, 0x0001, 0x0000, 0x0002]], // ChaWh uint64 ABCD 0x100000002 = 4294967298 kWh
  [18, [0x4248, 0x8000]], // Hz float32 ABCD 0x42488000 = 50.125 Hz
  [20, [0x0001, 0x2345]], // DisWh acc32 ABCD 0x12345 = 74565 × 0.1 → 7456.5 kWh
  [22, [0x0000, 0x0001, 0x0000, 0x0000]], // ImpWh acc64 ABCD 2^32 = 4294967296 kWh
  [26, [0x0003]], // St enum16 3
  [27, [0x8001]], // Evt bitfield16 bits 15 and 0 → 32769
  [28, [0x8000, 0x0001]], // Alm bitfield32 ABCD bits 31 and 0 → 2147483649
  [30, [0xfa24]], // DCA int16 -1500, DCA_SF -2 → -15 A
  [31, [0xfffe]], // DCA_SF sunssf -2
  [32, [0x3400]], // DCV uint16 13312, but DCV_SF not implemented → null
  [33, [0x8000]], // DCV_SF sunssf sentinel
  [34, [0x8000]], // TmpIgbt int16 sentinel → null
  [35, [0x0000, 0x0000]], // Cyc acc32 0 = not accumulated (SunSpec) → null
  [40, [0x4f42, 0x582d, 0x3132, 0x3334, 0, 0, 0, 0]], // SN string "OBX-1234"
  [48, [0x312e, 0x3200, 0, 0]], // Vr string "1.2"
  [52, [0x09c4]], // WRtg uint16 2500 (attribute)
  [60, [0x7960, 0xfffe]], // DCLA int32 CDAB -100000 (0xFFFE7960) × 0.01 → -1000 A
  [62, [0x3344, 0x1122]], // EnAv uint32 CDAB 0x11223344 × 0.001 → 287454.02 kWh
  [64, [0x6800, 0x44a6]], // DCLV float32 CDAB 0x44A66800 = 1331.25 V
  [66, [0x9877, 0xdcba, 0xfffe, 0xffff]], // VArSet int64 CDAB -4886718345 × 1e-6 → -4886.718345 kVAr
  [70, [0x0004, 0x0003, 0x0002, 0x0001]], // BalCnt uint64 CDAB 0x0001000200030004 = 281483566841860
  [74, [0x2345, 0x0001]], // MinCell acc32 CDAB 0x12345 = 74565
  [76, [0x0000, 0x0000, 0x0001, 0x0000]], // MaxTCell acc64 CDAB 2^32 = 4294967296
  [80, [0x0002, 0x0001]], // Sts bitfield32 CDAB 0x00010002 = 65538
  [82, [0x0000, 0x8000]], // PF int32 CDAB sentinel 0x80000000 → null
  [84, [0x0000, 0x7fc0]], // VAvg float32 CDAB NaN → null
  // CellV uint16 ×130 at 200: 0x0C80 + i (3200 + i mV), cell 6 (index 5) not implemented (0xFFFF)
  [200, Array.from({ length: 130 }, (_, i) => (i === 5 ? 0xffff : 0x0c80 + i))],
  // CellT int16 ×10 at 330 (0.1 °C): 25.0, -20.0, 0, 0.1, -0.1, 40.0, n/a, 3276.7, 10.0, -10.0
  [330, [0x00fa, 0xff38, 0x0000, 0x0001, 0xffff, 0x0190, 0x8000, 0x7fff, 0x0064, 0xff9c]],
  [340, [0x0001, 0x8000]], // CellBal bitfield16 ×2
]);
const unit1Input = [0xfe6b, 0x8000]; // TmpHs int16 -405 × 0.1 → -40.5 °C; TmpCab sentinel → null

/** Units 2 and 3 (base 1000): test-swapped.yaml (BADC, DCBA). */
const swappedWords = registers(74, [
  [0, [0xfeff]], // W int16 BADC 0xFFFE = -2 kW
  [1, [0x3412]], // SoC uint16 BADC 0x1234 = 4660 × 0.01 → 46.6 %
  [2, [0xfeff, 0xc01d]], // DCW int32 BADC 0xFFFE1DC0 = -123456 × 0.001 → -123.456 kW
  [4, [0x2211, 0x4433]], // ExpWh uint32 BADC 0x11223344 = 287454020 kWh
  [6, [0x4842, 0x0080]], // Hz float32 BADC 0x42488000 = 50.125 Hz
  [8, [0xffff, 0xfeff, 0xbadc, 0x7798]], // WSet int64 BADC -4886718345 × 0.001 → -4886718.345 kW
  [12, [0x0100, 0x0200, 0x0300, 0x0400]], // ChaWh uint64 BADC 0x0001000200030004 = 281483566841860
  [16, [0x0100, 0x4523]], // DisWh acc32 BADC 0x12345 = 74565 kWh
  [18, [0x0000, 0x0100, 0x0000, 0x0000]], // ImpWh acc64 BADC 2^32 = 4294967296 kWh
  [22, [0x0180]], // Evt bitfield16 BADC 0x8001 = 32769
  [23, [0x0300]], // St enum16 BADC 3
  [24, [0x0080, 0x0100]], // Alm bitfield32 BADC 0x80000001 = 2147483649
  [26, [0x0080]], // VAr int16 BADC sentinel 0x8000 → null
  [40, [0xd4fe]], // DCA int16 DCBA 0xFED4 = -300 × 0.1 × sign -1 → 30 A
  [41, [0xe803]], // SoH uint16 DCBA 0x03E8 = 1000 × 0.1 → 100 %
  [42, [0x6079, 0xfeff]], // DCLA int32 DCBA 0xFFFE7960 = -100000 × 0.01 → -1000 A
  [44, [0x4433, 0x2211]], // EnAv uint32 DCBA 0x11223344 = 287454020 kWh
  [46, [0x0068, 0xa644]], // DCLV float32 DCBA 0x44A66800 = 1331.25 V
  [48, [0x7798, 0xbadc, 0xfeff, 0xffff]], // VArSet int64 DCBA -4886718345 kVAr
  [52, [0x0400, 0x0300, 0x0200, 0x0100]], // Cyc uint64 DCBA 0x0001000200030004 = 281483566841860
  [56, [0x4523, 0x0100]], // BalCnt acc32 DCBA 0x12345 = 74565
  [58, [0x0000, 0x0000, 0x0100, 0x0000]], // MinCell acc64 DCBA 2^32 = 4294967296
  [62, [0x0200, 0x0100]], // Sts bitfield32 DCBA 0x00010002 = 65538
  [64, [0x0000, 0x0080]], // PF int32 DCBA sentinel 0x80000000 → null
  [66, [0x0000, 0xc07f]], // VAvg float32 DCBA NaN 0x7FC00000 → null
  [68, [0x0000, 0x0000, 0x0000, 0x0080]], // ChaLim int64 DCBA sentinel 0x8000000000000000 → null
  [72, [0x0180]], // HvSt bitfield16 DCBA 0x8001 = 32769
  [73, [0x0200]], // HvMode enum16 DCBA 2
]);

const expectedAllTypesFast = {
  activePower: -123.4,
  reactivePower: -2500,
  stateOfCharge: 61.5,
  stateOfHealth: null,
  dcPower: -123.456,
  exportedEnergyTotal: 287454.02,
  activePowerSetValue: -4886718.345,
  chargedEnergyTotal: 4294967298,
  frequency: 50.125,
  dischargedEnergyTotal: 7456.5,
  importedEnergyTotal: 4294967296,
  pcsState: 3,
  bmsEvents: 32769,
  pcsAlarms: 2147483649,
  dcCurrent: -15,
  dcVoltage: null,
  igbtTemperature: null,
  cycleCount: null,
  dcLinkCurrent: -1000,
  energyAvailable: 287454.02,
  dcLinkVoltage: 1331.25,
  reactivePowerSetValue: -4886.718345,
  balancingCellCount: 281483566841860,
  minCellVoltageCell: 74565,
  maxCellTemperatureCell: 4294967296,
  pcsStatus: 65538,
  powerFactor: null,
  averageCellVoltage: null,
  heatSinkTemperature: -40.5,
  cabinetTemperature: null,
};

const expectedSwapped = {
  activePower: -2,
  stateOfCharge: 46.6,
  dcPower: -123.456,
  exportedEnergyTotal: 287454020,
  frequency: 50.125,
  activePowerSetValue: -4886718.345,
  chargedEnergyTotal: 281483566841860,
  dischargedEnergyTotal: 74565,
  importedEnergyTotal: 4294967296,
  bmsEvents: 32769,
  pcsState: 3,
  pcsAlarms: 2147483649,
  reactivePower: null,
  dcCurrent: 30,
  stateOfHealth: 100,
  dcLinkCurrent: -1000,
  energyAvailable: 287454020,
  dcLinkVoltage: 1331.25,
  reactivePowerSetValue: -4886718345,
  cycleCount: 281483566841860,
  balancingCellCount: 74565,
  minCellVoltageCell: 4294967296,
  pcsStatus: 65538,
  powerFactor: null,
  averageCellVoltage: null,
  chargeCurrentLimit: null,
  hvacStatus: 32769,
  hvacMode: 2,
};

describe('poller decodes every type and word order from an independent pymodbus server', () => {
  let server: PymodbusServer;
  let sink: MemorySink;
  let poller: Poller;

  beforeAll(async () => {
    server = await PymodbusServer.start({
      units: {
        '1': { holding: unit1Holding, input: unit1Input },
        '2': { holding: swappedWords },
        '3': { holding: { '1000': swappedWords } },
      },
    });
    const target = (device: string, map: typeof allTypes, unitId: number, base: number): PollTarget => ({
      site: 'TS001',
      device,
      host: server.host,
      port: server.port,
      source: { map: map.id, unitId, base },
      map,
    });
    sink = new MemorySink();
    poller = new Poller(
      [target('DEV-A', allTypes, 1, 0), target('DEV-B', swapped, 2, 0), target('DEV-C', swapped, 3, 1000)],
      { sink, timeoutMs: 1000 }
    );
    poller.start();
    await waitFor(
      () =>
        ['fast', 'slow', 'cells'].every((g) => sink.firstOk('DEV-A', g)) &&
        sink.firstOk('DEV-B', 'fast') !== undefined &&
        sink.firstOk('DEV-C', 'fast') !== undefined &&
        sink.polls('DEV-A').filter((p) => p.ok && p.group === 'fast').length >= 3,
      'the first successful polls'
    );
    await poller.stop();
  });

  afterAll(async () => {
    await poller?.stop();
    await server?.dispose();
  });

  const valuesOf = (device: string, group: string): Record<string, number | null> => {
    const batch = sink.firstOk(device, group);
    return Object.fromEntries((batch?.samples ?? []).map((s) => [s.metric, s.value]));
  };

  it('ABCD and CDAB scalars, scale factors, sentinels, literal scale and sign: -1', () => {
    expect(valuesOf('DEV-A', 'fast')).toEqual(expectedAllTypesFast);
  });

  it('BADC and DCBA scalars, also at a base address inside a shared unit', () => {
    expect(valuesOf('DEV-B', 'fast')).toEqual(expectedSwapped);
    expect(valuesOf('DEV-C', 'fast')).toEqual(expectedSwapped);
  });

  it('strings and nameplate values become attributes', () => {
    const batch = sink.firstOk('DEV-A', 'slow');
    expect(batch?.samples).toEqual([]);
    expect(Object.fromEntries((batch?.attributes ?? []).map((a) => [a.name, a.value]))).toEqual({
      serialNumber: 'OBX-1234',
      firmwareVersion: '1.2',
      ratedPower: '2500',
    });
  });

  it('arrays become one array sample each, split reads joined, sentinels as null', () => {
    const batch = sink.firstOk('DEV-A', 'cells');
    const arrays = Object.fromEntries((batch?.arrays ?? []).map((a) => [a.metric, a.values]));
    const volts = Array.from({ length: 130 }, (_, i) => (i === 5 ? null : (3200 + i) / 1000));
    expect(arrays).toEqual({
      cellVoltages: volts,
      cellTemperatures: [25, -20, 0, 0.1, -0.1, 40, null, 3276.7, 10, -10],
      cellBalancing: [1, 32768],
    });
    const record = batch?.polls[0];
    expect(record).toMatchObject({ ok: true, requests: 2, points: 142, unitId: 1, map: 'test-all-types' });
  });

  it('samples carry the tick time of their poll record, which is aligned to the interval', () => {
    for (const b of sink.batches) {
      for (const p of b.polls) expect(p.time % 500).toBe(0);
    }
    expect(samplesOnlyWithOkPolls(sink.batches)).toBe(true);
    expect(sink.polls().filter((p) => !p.ok)).toEqual([]);
  });

  it('reads as planned: requests per poll equal the plan, within 1.1× the minimum, none rejected', () => {
    const stats = poller.stats();
    for (const job of stats.jobs) {
      const oks = sink.polls(job.device).filter((p) => p.ok && p.group === job.group);
      expect(oks.length).toBeGreaterThan(0);
      for (const p of oks) expect(p.requests).toBe(job.requestsPerPoll);
      expect(job.requestsPerPoll).toBeLessThanOrEqual(1.1 * job.minimumRequests);
    }
    // A: fast 2 (holding 0..85, input 0..1), slow 1 (3..52), cells 2 (200..324, 325..341: the voltage
    // array packed element by element into the next read with the temperatures and flags); B 1; C 1
    expect(stats.requestsPerCycle).toBe(7);
    expect(stats.minimumRequestsPerCycle).toBe(7);
    expect(server.responses.length).toBeGreaterThan(0);
    expect(server.responses.filter((r) => r.exception !== null)).toEqual([]);
    expect(Math.max(...server.responses.map((r) => r.registers))).toBeLessThanOrEqual(125);
    const recorded = sink.polls().reduce((n, p) => n + p.requests, 0);
    // a poll cut short by stop() may have been served without being recorded
    expect(server.responses.length - recorded).toBeGreaterThanOrEqual(0);
    expect(server.responses.length - recorded).toBeLessThanOrEqual(3);
  });
});
