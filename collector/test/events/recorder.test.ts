import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadRegisterMaps, parseSitesConfig, type RegisterMap } from '@openbess/model';
import { createEventRecorder, transitions, trackedBits, type EventRecorder } from '../../src/events';
import { createIngest } from '../../src/ingest/pipeline';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites, type SeriesRegistry } from '../../src/store/registry';
import { createWriter, type StoreWriter } from '../../src/store/writer';
import type { SampleBatch } from '../../src/types';
import { createTestDatabase, type TestDatabase } from '../support/db';

const logger = pino({ level: 'silent' });
const maps: Map<string, RegisterMap> = loadRegisterMaps();
const sites = parseSitesConfig(
  {
    sites: [
      { code: 'GB003', name: 'Events', modbus: { port: 15500 }, blocks: 1, stringsPerBlock: 3, pollCells: false },
    ],
  },
  'events-test',
  maps
);
const S1 = 'GB003ES1BK1BS1';
const S2 = 'GB003ES1BK1BS2';
const S3 = 'GB003ES1BK1BS3';
const evtPoint = maps.get('bms-string-803')!.points.find((p) => p.metric === 'stringEvents')!;
const bit = (name: string) => 2 ** evtPoint.bits!.find((b) => b.name === name)!.bit;
const WARN = bit('overTempWarning');
const ALARM = bit('overTempAlarm');
const CONTACTOR = bit('contactorError');
const T0 = Date.now() - 10 * 60_000;
const at = (s: number) => T0 + s * 1000;

let db: TestDatabase;
let pool: StorePool;
let registry: SeriesRegistry;
let writer: StoreWriter;
const recorders: EventRecorder[] = [];
const dirs: string[] = [];

const batch = (time: number, values: Record<string, number | null>, metric = 'stringEvents'): SampleBatch => ({
  samples: Object.entries(values).map(([device, value]) => ({ time, device, metric, value })),
  arrays: [],
  attributes: [],
  polls: [],
});
const recorder = () => {
  const r = createEventRecorder({ pool, maps, logger, sweepIntervalMs: 60_000 });
  recorders.push(r);
  return r;
};
interface Ev {
  device: string;
  register: string;
  bit_name: string;
  severity: string;
  raised: number;
  cleared: number | null;
}
const events = async (device?: string): Promise<Ev[]> =>
  (
    await pool.query<Ev>(
      `SELECT device, register, bit_name, severity, round(date_part('epoch', raised_at) * 1000)::float8 AS raised,
              round(date_part('epoch', cleared_at) * 1000)::float8 AS cleared
         FROM events WHERE ($1::text IS NULL OR device = $1) ORDER BY raised_at, bit_name`,
      [device ?? null]
    )
  ).rows.map((r) => ({ ...r, raised: Number(r.raised), cleared: r.cleared === null ? null : Number(r.cleared) }));

beforeAll(async () => {
  db = await createTestDatabase('openbess_events_rec');
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  registry = await registerSites(pool, sites, maps);
  writer = createWriter(pool, registry);
}, 60_000);
afterAll(async () => {
  for (const r of recorders) await r.stop();
  await pool.end();
  await db.drop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('transitions (pure)', () => {
  const bits = trackedBits(evtPoint.bits);
  it('tracks only bits with an expected value and a severity above OK', () => {
    expect(bits.length).toBe(evtPoint.bits!.filter((b) => b.expected !== undefined && b.severity !== 'OK').length);
    expect(bits.every((b) => ['INFO', 'WARNING', 'ALARM'].includes(b.severity))).toBe(true);
  });
  it('raises on the first abnormal sample, clears on the first normal one, ignores no-data samples', () => {
    const r = transitions(bits, new Set(), [
      { time: 1, raw: 0 },
      { time: 2, raw: WARN },
      { time: 3, raw: null },
      { time: 4, raw: WARN + ALARM },
      { time: 5, raw: 0 },
      { time: 6, raw: CONTACTOR },
    ]);
    expect(r.closed.map((c) => [c.bit.name, c.raisedAt, c.clearedAt]).sort()).toEqual([
      ['overTempAlarm', 4, 5],
      ['overTempWarning', 2, 5],
    ]);
    expect(r.opened.map((o) => [o.bit.name, o.time])).toEqual([['contactorError', 6]]);
    expect(r.clears).toEqual([]);
  });
  it('an event open before is not raised again, and its clear is reported', () => {
    const open = new Set([Math.log2(CONTACTOR)]);
    const r = transitions(bits, open, [
      { time: 10, raw: CONTACTOR },
      { time: 11, raw: 0 },
    ]);
    expect(r.opened).toEqual([]);
    expect(r.clears.map((c) => [c.bit.name, c.time])).toEqual([['contactorError', 11]]);
    expect(r.openAfter.size).toBe(0);
  });
});

describe('event recorder on the real database', () => {
  it('turns stored samples into raises and clears with the map severities', async () => {
    const seq: [number, number | null][] = [
      [0, 0],
      [2, WARN],
      [4, WARN + ALARM],
      [6, null],
      [8, WARN],
      [10, 0],
      [12, CONTACTOR],
    ];
    for (const [s, v] of seq) await writer.write(batch(at(s), { [S1]: v, [S2]: 0 }));
    const r = recorder();
    await r.catchUp();
    expect(await events(S1)).toEqual([
      {
        device: S1,
        register: 'stringEvents',
        bit_name: 'overTempWarning',
        severity: 'WARNING',
        raised: at(2),
        cleared: at(10),
      },
      {
        device: S1,
        register: 'stringEvents',
        bit_name: 'overTempAlarm',
        severity: 'ALARM',
        raised: at(4),
        cleared: at(8),
      },
      {
        device: S1,
        register: 'stringEvents',
        bit_name: 'contactorError',
        severity: 'ALARM',
        raised: at(12),
        cleared: null,
      },
    ]);
    expect(await events(S2)).toEqual([]);
    // a second pass and a replayed (idempotent) write add nothing
    await writer.write(batch(at(12), { [S1]: CONTACTOR, [S2]: 0 }), { idempotent: true });
    await r.catchUp();
    expect((await events(S1)).length).toBe(3);
  });

  it('a restarted recorder does not raise an active fault again, and clears it once', async () => {
    await recorders[0].stop();
    const again = recorder();
    await writer.write(batch(at(14), { [S1]: CONTACTOR }));
    await again.catchUp();
    const open = (await events(S1)).filter((e) => e.bit_name === 'contactorError');
    expect(open).toEqual([expect.objectContaining({ raised: at(12), cleared: null })]);
    await writer.write(batch(at(16), { [S1]: 0 }));
    await again.catchUp();
    expect((await events(S1)).filter((e) => e.bit_name === 'contactorError')).toEqual([
      expect.objectContaining({ raised: at(12), cleared: at(16) }),
    ]);
    // the partial unique index refuses a second open event for the same bit
    await expect(
      pool.query(
        `INSERT INTO events (site, device, map, register, point, bit, bit_name, severity, expected, raised_at)
         SELECT e.site, e.device, e.map, e.register, e.point, e.bit, e.bit_name, e.severity, e.expected,
                now() + g * interval '1 s'
           FROM (SELECT * FROM events WHERE device = $1 AND bit_name = 'contactorError' LIMIT 1) e,
                generate_series(1, 2) AS g`,
        [S1]
      )
    ).rejects.toThrow(/events_open_uniq/);
  });

  it('the ingest hook and the disk-spool replay path both produce events', async () => {
    const r = recorder();
    r.start();
    const spoolDir = mkdtempSync(join(tmpdir(), 'openbess-events-'));
    dirs.push(spoolDir);
    // 1. database unreachable: batches end up in the spool at close
    const dead = createPool('postgres://postgres@127.0.0.1:1/none', { max: 1 });
    const down = createIngest({
      pool: dead,
      registry,
      spoolDir,
      logger,
      retryMinMs: 50,
      retryMaxMs: 100,
      onWritten: (b) => r.notify(b),
    });
    down.push(batch(at(20), { [S3]: 0 }));
    down.push(batch(at(22), { [S3]: ALARM }));
    await down.close(500);
    await dead.end().catch(() => undefined);
    expect(down.stats().pointsSpooled).toBe(2);
    expect(await events(S3)).toEqual([]);
    // 2. a new ingest replays the spool, then live batches follow; no catchUp(): the hook drives the recorder
    const up = createIngest({ pool, registry, spoolDir, logger, flushIntervalMs: 50, onWritten: (b) => r.notify(b) });
    up.push(batch(at(24), { [S3]: ALARM }));
    up.push(batch(at(26), { [S3]: 0 }));
    await up.drain(20_000);
    await r.idle();
    expect(await events(S3)).toEqual([
      {
        device: S3,
        register: 'stringEvents',
        bit_name: 'overTempAlarm',
        severity: 'ALARM',
        raised: at(22),
        cleared: at(26),
      },
    ]);
    await up.close();
    expect(r.stats().raised).toBeGreaterThanOrEqual(1);
  });

  it('other status registers of the string (contactor state, status word) use their own expected values', async () => {
    await writer.write(batch(at(30), { [S2]: 0b1011 }, 'contactorState'));
    await writer.write(batch(at(32), { [S2]: 0b1010 }, 'contactorState'));
    await writer.write(batch(at(34), { [S2]: 0b1011 }, 'contactorState'));
    await recorder().catchUp();
    expect(await events(S2)).toEqual([
      {
        device: S2,
        register: 'contactorState',
        bit_name: 'positiveContactorClosed',
        severity: 'ALARM',
        raised: at(32),
        cleared: at(34),
      },
    ]);
  });
});
