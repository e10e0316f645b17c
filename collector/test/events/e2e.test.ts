import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import {
  loadRegisterMaps,
  parseSitesConfig,
  type DataFrameJSON,
  type Query,
  type RegisterMap,
  type SiteConfig,
} from '@openbess/model';
import { runQuery, type QueryContext } from '../../src/api/query';
import { createEventRecorder, trackedBits, type EventRecorder, type TrackedBit } from '../../src/events';
import { createIngest, type Ingest } from '../../src/ingest/pipeline';
import { createPoller, type Poller } from '../../src/poller';
import { startSimulator, type Simulator } from '../../src/simulator';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites } from '../../src/store/registry';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Issue 4 "Show", end to end on real parts: the site simulator (Modbus TCP) injects a contactor fault and an
 * over-temperature on known strings at known times and silences two strings; the real poller, ingest
 * pipeline and event recorder write to the real PostgreSQL. The simulator's own state, watched while it
 * runs, is the truth the events table and the scans are compared with. The simulated clock runs at 2×.
 */

const SPEED = 2;
const POLL_MS = 2000; // bms-string-803 group `string`
const log = pino({ level: 'silent' });
const maps: Map<string, RegisterMap> = loadRegisterMaps();
const CODE = 'GB007';
const id = (b: number, s: number) => `${CODE}ES1BK${b}BS${s}`;
const CONTACTOR = id(1, 2);
const HOT = id(2, 1);
const SILENT = [id(1, 3), id(2, 3)];
const STRINGS = [1, 2].flatMap((b) => [1, 2, 3].map((s) => id(b, s)));
const WATCHED = STRINGS.filter((s) => !SILENT.includes(s));

const site: SiteConfig = parseSitesConfig(
  {
    sites: [
      {
        code: CODE,
        name: 'Events end to end',
        modbus: { host: '127.0.0.1', port: 15770 },
        blocks: 2,
        stringsPerBlock: 3,
        pollCells: false,
        simulation: {
          seed: 7,
          scheduledFaults: [
            { kind: 'overTemperature', device: HOT, atSeconds: 4, durationSeconds: 66 },
            { kind: 'contactorFault', device: CONTACTOR, atSeconds: 44, durationSeconds: 40 },
            ...SILENT.map((device) => ({ kind: 'stringCommsLoss', device, atSeconds: 0, durationSeconds: 100_000 })),
          ],
        },
      },
    ],
  },
  'e2e-sites',
  maps
)[0];

/** A transition interval of one bit, in wall-clock epoch ms. */
interface Interval {
  device: string;
  register: string;
  bit: string;
  severity: string;
  raised: number;
  cleared: number | null;
}

let db: TestDatabase;
let pool: StorePool;
let sim: Simulator;
let startWall: number;
let watcher: NodeJS.Timeout;
const truth: Interval[] = [];
const spoolDir = mkdtempSync(join(tmpdir(), 'openbess-e2e-events-'));

/** Watches the simulator's served bitfields (model state = register image after each refresh). */
function watch(): void {
  const model = sim.model(CODE);
  const bitsOf = new Map<string, TrackedBit[]>();
  const prev = new Map<string, number>();
  let lastSim = -1;
  watcher = setInterval(() => {
    if (model.timeMs === lastSim) return;
    lastSim = model.timeMs;
    const now = Date.now();
    for (const v of model.values({ arrays: false, attributes: false })) {
      if (!WATCHED.includes(v.device) || (v.point.type !== 'bitfield16' && v.point.type !== 'bitfield32')) continue;
      if (typeof v.value !== 'number') continue;
      const key = `${v.device} ${v.metric}`;
      let bits = bitsOf.get(v.metric);
      if (!bits) bitsOf.set(v.metric, (bits = trackedBits(v.point.bits)));
      const before = prev.get(key);
      prev.set(key, v.value);
      for (const b of bits) {
        const abnormal = Math.floor(v.value / 2 ** b.bit) % 2 !== b.expected;
        const wasAbnormal = before !== undefined && Math.floor(before / 2 ** b.bit) % 2 !== b.expected;
        if (abnormal && !wasAbnormal)
          truth.push({
            device: v.device,
            register: v.metric,
            bit: b.name,
            severity: b.severity,
            raised: now,
            cleared: null,
          });
        if (!abnormal && wasAbnormal) {
          const open = truth.find(
            (t) => t.device === v.device && t.register === v.metric && t.bit === b.name && t.cleared === null
          );
          if (open) open.cleared = now;
        }
      }
    }
  }, 20);
}

/** poller → ingest → store, with the event recorder on the ingest hook. */
class Collector {
  poller!: Poller;
  ingest!: Ingest;
  events!: EventRecorder;
  async start(): Promise<void> {
    const s = { ...site, modbus: { host: '127.0.0.1', port: sim.sites[0].port } };
    const registry = await registerSites(pool, [s], maps);
    this.events = createEventRecorder({ pool, maps, logger: log, sweepIntervalMs: 3000 });
    this.ingest = createIngest({
      pool,
      registry,
      spoolDir,
      flushIntervalMs: 200,
      logger: log,
      onWritten: (b) => this.events.notify(b),
    });
    this.poller = createPoller({ sites: [s], maps, sink: this.ingest, logger: log, timeoutMs: 1000 });
    this.events.start();
    this.poller.start();
  }
  async stop(): Promise<void> {
    await this.poller.stop();
    await this.ingest.close(10_000);
    await this.events.catchUp();
    await this.events.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
const openTruth = (device: string, bit: string) =>
  truth.some((t) => t.device === device && t.bit === bit && t.cleared === null);

const ctx = (): QueryContext => ({
  pool,
  maps,
  pyramid: async () => [],
  access: { user: null, role: 'admin', sites: 'all' },
  from: startWall - 60_000,
  to: Date.now() + 60_000,
});
const col = (f: DataFrameJSON, name: string) => f.data.values[f.schema.fields.findIndex((x) => x.name === name)];
const scan = async (kind: string): Promise<Map<string, string>> => {
  const [f] = await runQuery(ctx(), { refId: 'S', queryType: 'scan', site: [CODE], scan: kind } as Query);
  const devices = col(f, 'device') as string[];
  const status = col(f, 'status') as string[];
  return new Map(devices.map((d, i) => [d, status[i]]));
};

interface Stored {
  device: string;
  register: string;
  bit_name: string;
  severity: string;
  raised: number;
  cleared: number | null;
}
const stored = async (): Promise<Stored[]> =>
  (
    await pool.query<Stored>(
      `SELECT device, register, bit_name, severity, round(date_part('epoch', raised_at) * 1000)::float8 AS raised,
              round(date_part('epoch', cleared_at) * 1000)::float8 AS cleared
         FROM events WHERE device = ANY($1::text[]) ORDER BY raised_at`,
      [STRINGS]
    )
  ).rows.map((r) => ({ ...r, raised: Number(r.raised), cleared: r.cleared === null ? null : Number(r.cleared) }));

let collector: Collector;
const midFault: { stringStatus?: Map<string, string>; openEvents?: Stored[] } = {};
let attributesRead = false;

beforeAll(async () => {
  db = await createTestDatabase('openbess_events_e2e');
  pool = createPool(db.url, { max: 6 });
  await migrate(pool);
  startWall = Date.now();
  sim = await startSimulator({
    sites: [site],
    maps,
    port: 0,
    host: '127.0.0.1',
    speed: SPEED,
    startTime: startWall,
    updateMs: 100,
  });
  watch();
  collector = new Collector();
  await collector.start();
  // both faults raised in the simulator, then one poll interval for the collector to see them
  await until(
    'the contactor fault and the over-temperature alarm',
    () => openTruth(CONTACTOR, 'contactorError') && openTruth(HOT, 'overTempAlarm'),
    120_000
  );
  await sleep(POLL_MS + 1000);
  await collector.events.idle();
  midFault.stringStatus = await scan('stringStatus');
  midFault.openEvents = (await stored()).filter((e) => e.cleared === null);
  // restart the collector mid-fault (both faults still active)
  expect(openTruth(CONTACTOR, 'contactorError') && openTruth(HOT, 'overTempAlarm')).toBe(true);
  await collector.stop();
  collector = new Collector();
  await collector.start();
  // every fault over and cleared in the simulator, then two polls
  await until(
    'all faults cleared',
    () =>
      sim.now() > startWall + 90_000 * 1 &&
      WATCHED.every((d) => !truth.some((t) => t.device === d && t.cleared === null)),
    180_000
  );
  await sleep(2 * POLL_MS + 500);
  // nameplate attributes are polled at minute boundaries: wait for the first one
  await until(
    'the first nameplate poll',
    async () =>
      Number(
        (
          await pool.query(`SELECT count(DISTINCT device) AS n FROM attribute WHERE device = ANY($1::text[])`, [
            WATCHED,
          ])
        ).rows[0].n
      ) === WATCHED.length,
    90_000
  );
  attributesRead = true;
  await sleep(500);
}, 400_000);

afterAll(async () => {
  clearInterval(watcher);
  await collector?.stop().catch(() => undefined);
  await sim?.stop();
  await pool?.end();
  await db?.drop();
  rmSync(spoolDir, { recursive: true, force: true });
});

describe('injected faults → events table', () => {
  it('the simulator produced the injected faults at their scheduled times (the truth is not empty)', () => {
    const at = (device: string, bit: string) => truth.find((t) => t.device === device && t.bit === bit);
    const contactor = at(CONTACTOR, 'contactorError')!;
    expect(contactor).toMatchObject({ severity: 'ALARM' });
    // scheduled at 44 s simulated = 22 s wall; the model ticks in whole simulated seconds
    expect(Math.abs(contactor.raised - (startWall + 44_000 / SPEED))).toBeLessThan(1500);
    expect(Math.abs(contactor.cleared! - (startWall + 84_000 / SPEED))).toBeLessThan(1500);
    expect(at(CONTACTOR, 'positiveContactorClosed')).toMatchObject({ severity: 'ALARM' });
    const hot = at(HOT, 'overTempAlarm')!;
    expect(hot).toMatchObject({ severity: 'ALARM' });
    expect(at(HOT, 'overTempWarning')).toMatchObject({ severity: 'WARNING' });
    // the alarm follows the heating: after the fault starts, before it ends; it clears after the fault
    expect(hot.raised).toBeGreaterThan(startWall + 4_000 / SPEED);
    expect(hot.raised).toBeLessThan(startWall + 70_000 / SPEED);
    expect(hot.cleared!).toBeGreaterThan(startWall + 70_000 / SPEED);
    // healthy strings never left normal operation
    for (const d of WATCHED.filter((x) => x !== CONTACTOR && x !== HOT))
      expect(truth.filter((t) => t.device === d)).toEqual([]);
  });

  it('has exactly those raises and clears (± one poll interval), with the map severities, and nothing else', async () => {
    const events = await stored();
    const key = (e: { device: string; register: string; bit: string }) => `${e.device} ${e.register} ${e.bit}`;
    expect(events.map((e) => key({ ...e, bit: e.bit_name })).sort()).toEqual(truth.map(key).sort());
    for (const t of truth) {
      const e = events.find((x) => key({ ...x, bit: x.bit_name }) === key(t))!;
      expect({ key: key(t), severity: e.severity }).toEqual({ key: key(t), severity: t.severity });
      expect({ key: key(t), raisedOff: Math.abs(e.raised - t.raised) <= POLL_MS }).toEqual({
        key: key(t),
        raisedOff: true,
      });
      expect(e.cleared).not.toBeNull();
      expect({ key: key(t), clearedOff: Math.abs(e.cleared! - t.cleared!) <= POLL_MS }).toEqual({
        key: key(t),
        clearedOff: true,
      });
    }
    for (const s of SILENT) expect(events.filter((e) => e.device === s)).toEqual([]);
  });

  it('the restart mid-fault created no duplicate: one event per fault, open across the restart', async () => {
    const open = midFault.openEvents!;
    expect(open.map((e) => `${e.device} ${e.bit_name}`)).toEqual(
      expect.arrayContaining([`${CONTACTOR} contactorError`, `${HOT} overTempAlarm`])
    );
    const events = await stored();
    for (const o of open) {
      const same = events.filter(
        (e) => e.device === o.device && e.register === o.register && e.bit_name === o.bit_name
      );
      expect(same).toHaveLength(1);
      expect(same[0].raised).toBe(o.raised);
    }
    const keys = events.map((e) => `${e.device} ${e.register} ${e.bit_name} ${e.raised}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('scans against the real database', () => {
  it('stringStatus mid-fault: exactly the faulty strings in ALARM, the silent ones without data', () => {
    const s = midFault.stringStatus!;
    expect([...s.keys()]).toEqual(STRINGS);
    expect(s.get(CONTACTOR)).toBe('ALARM');
    expect(s.get(HOT)).toBe('ALARM');
    for (const d of SILENT) expect(s.get(d)).toBe('NO_DATA');
    for (const d of WATCHED.filter((x) => x !== CONTACTOR && x !== HOT)) expect([d, s.get(d)]).toEqual([d, 'OK']);
  });

  it('stringStatus after the faults: all watched strings OK again', async () => {
    const s = await scan('stringStatus');
    for (const d of WATCHED) expect([d, s.get(d)]).toEqual([d, 'OK']);
  });

  it('missingStrings: exactly the silent strings are missing (ALARM), every other string complete', async () => {
    expect(attributesRead).toBe(true);
    const s = await scan('missingStrings');
    expect([...s.entries()].filter(([, v]) => v !== 'OK').map(([d]) => d)).toEqual(SILENT);
    for (const d of SILENT) expect(s.get(d)).toBe('ALARM');
  });

  it('blockStatus and missingBlocks answer one row per block', async () => {
    const b = await scan('blockStatus');
    expect([...b.keys()]).toEqual([`${CODE}ES1BK1`, `${CODE}ES1BK2`]);
    const m = await scan('missingBlocks');
    expect([...m.keys()]).toEqual([`${CODE}ES1BK1`, `${CODE}ES1BK2`]);
  });
});
