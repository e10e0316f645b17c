import { SiteModel } from '../../src/simulator';
import { bitOf, isSet, MAPS, pointOf, site, valueOf } from './helpers';

const T0 = Date.UTC(2025, 2, 10, 9, 0, 0);
const S1 = 'GB003ES1BK1BS1';
const S2 = 'GB003ES1BK1BS2';
const S3 = 'GB003ES1BK1BS3';

/**
 * Scheduled faults (seconds after start): S1 contactor fault 60-180 s, S2 over-temperature 60-180 s,
 * S3 cell imbalance 60-240 s, string trip of S1 at 400-500 s, a comms drop 300-330 s.
 */
const cfg = site({
  code: 'GB003',
  stringsPerBlock: 3,
  simulation: {
    seed: 11,
    scheduledFaults: [
      { kind: 'contactorFault', device: S1, atSeconds: 60, durationSeconds: 120 },
      { kind: 'overTemperature', device: S2, atSeconds: 60, durationSeconds: 120 },
      { kind: 'cellImbalance', device: S3, atSeconds: 60, durationSeconds: 180 },
      { kind: 'commsDrop', atSeconds: 300, durationSeconds: 30 },
      { kind: 'stringTrip', device: S1, atSeconds: 400, durationSeconds: 100 },
    ],
  },
});

const conSt = pointOf('bms-string-803', 'contactorState');
const events = pointOf('bms-string-803', 'stringEvents');
const status = pointOf('bms-string-803', 'stringStatus');
const blockEvents = pointOf('bms-block-802', 'bmsEvents');
const bit = (device: string, metric: string, name: string, model: SiteModel): boolean => {
  const point =
    metric === 'contactorState'
      ? conSt
      : metric === 'stringEvents'
        ? events
        : metric === 'stringStatus'
          ? status
          : blockEvents;
  return isSet(valueOf(model, device, metric) as number, bitOf(point, name));
};

describe('scheduled faults set and clear the mapped bits', () => {
  const model = new SiteModel(cfg, { maps: MAPS, startTime: T0 });
  /** samples[s] = the state s seconds after start */
  const samples = new Map<number, Record<string, boolean | number>>();
  const at = (s: number): Record<string, boolean | number> => {
    const v = samples.get(s);
    if (!v) throw new Error(`no sample at ${s} s`);
    return v;
  };

  beforeAll(() => {
    for (let s = 0; s <= 560; s++) {
      model.step(T0 + s * 1000);
      samples.set(s, {
        posClosed: bit(S1, 'contactorState', 'positiveContactorClosed', model),
        negClosed: bit(S1, 'contactorState', 'negativeContactorClosed', model),
        s1ContactorError: bit(S1, 'stringEvents', 'contactorError', model),
        s1Connected: bit(S1, 'stringStatus', 'connected', model),
        s1Current: valueOf(model, S1, 'dcCurrent') as number,
        s2OverTempAlarm: bit(S2, 'stringEvents', 'overTempAlarm', model),
        s2OverTempWarning: bit(S2, 'stringEvents', 'overTempWarning', model),
        s2MaxT: valueOf(model, S2, 'maxCellTemperature') as number,
        blockOverTemp: bit('GB003ES1BK1', 'bmsEvents', 'overTempAlarm', model),
        s3Imbalance: bit(S3, 'stringEvents', 'voltageImbalanceWarning', model),
        s3Spread: (valueOf(model, S3, 'maxCellVoltage') as number) - (valueOf(model, S3, 'minCellVoltage') as number),
        commsDown: model.commsDown,
        faults: model.activeFaults().length,
      });
    }
  });

  test('healthy before the faults: contactors closed, no event bits', () => {
    for (const s of [0, 30, 59]) {
      const v = at(s);
      expect(v).toMatchObject({ posClosed: true, negClosed: true, s1ContactorError: false, s1Connected: true });
      expect(v).toMatchObject({
        s2OverTempAlarm: false,
        s2OverTempWarning: false,
        s3Imbalance: false,
        commsDown: false,
      });
      expect(v.faults).toBe(0);
      expect(v.s2MaxT as number).toBeLessThan(40);
    }
  });

  test('contactor fault: the positive contactor reads open and CONTACTOR_ERROR is set exactly while it lasts', () => {
    for (let s = 60; s < 180; s++) expect([s, at(s).posClosed, at(s).s1ContactorError]).toEqual([s, false, true]);
    expect(at(120).negClosed).toBe(true);
    expect(at(120).s1Connected).toBe(true);
    for (const s of [180, 200, 399]) expect([s, at(s).posClosed, at(s).s1ContactorError]).toEqual([s, true, false]);
  });

  test('over-temperature: the hot module passes the alarm threshold, sets the bits, and they clear after it cools', () => {
    expect(at(150)).toMatchObject({ s2OverTempAlarm: true, s2OverTempWarning: true, blockOverTemp: true });
    expect(at(150).s2MaxT as number).toBeGreaterThan(55);
    expect(at(179).s2OverTempAlarm).toBe(true);
    expect(at(260)).toMatchObject({ s2OverTempAlarm: false, s2OverTempWarning: false, blockOverTemp: false });
    expect(at(260).s2MaxT as number).toBeLessThan(45);
  });

  test('cell imbalance: one cell drifts, the spread grows past 80 mV and the warning follows', () => {
    expect(at(59).s3Spread as number).toBeLessThan(0.06);
    expect(at(200).s3Spread as number).toBeGreaterThan(0.08);
    expect(at(200).s3Imbalance).toBe(true);
    expect(at(400).s3Imbalance).toBe(false);
  });

  test('comms drop is active exactly in its window', () => {
    expect([at(299).commsDown, at(300).commsDown, at(329).commsDown, at(330).commsDown]).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  test('string trip: contactors open, 0 A, string not connected, then reconnects', () => {
    for (const s of [400, 450, 499]) {
      expect(at(s)).toMatchObject({ posClosed: false, negClosed: false, s1Connected: false, s1ContactorError: true });
      expect(at(s).s1Current).toBe(0);
    }
    expect(at(501)).toMatchObject({ posClosed: true, negClosed: true, s1Connected: true, s1ContactorError: false });
  });
});

describe('fault rates', () => {
  test('random faults arrive at about the configured rate', () => {
    const model = new SiteModel(
      site({
        code: 'GB003',
        stringsPerBlock: 4,
        simulation: { seed: 5, faults: { stringTrip: 0.5, faultSeconds: 60 } },
      }),
      { maps: MAPS, startTime: T0, tickMs: 60_000, cellIntervalMs: 3_600_000 }
    );
    let count = 0;
    for (let h = 1; h <= 10; h++) {
      model.step(T0 + h * 3_600_000);
      count += model.faults
        .all()
        .filter((f) => f.startMs > T0 + (h - 1) * 3_600_000 && f.startMs <= T0 + h * 3_600_000).length;
    }
    // 4 strings × 0.5 /h × 10 h = 20 expected (Poisson: 99.9 % within 6-38)
    expect(count).toBeGreaterThanOrEqual(6);
    expect(count).toBeLessThanOrEqual(38);
    expect(model.faults.all().every((f) => f.kind === 'stringTrip' && f.origin === 'random')).toBe(true);
  });

  test('a scheduled fault naming a device that is not a string of the site is refused', () => {
    const bad = site({
      code: 'GB003',
      simulation: {
        scheduledFaults: [{ kind: 'stringTrip', device: 'GB003ES1BK9BS1', atSeconds: 1, durationSeconds: 5 }],
      },
    });
    expect(() => new SiteModel(bad, { maps: MAPS })).toThrow(/scheduledFaults\[0\]\.device.*GB003ES1BK9BS1/);
  });
});
