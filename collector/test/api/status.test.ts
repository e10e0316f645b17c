import pino from 'pino';
import { querySchema, type DataFrameJSON, type RegisterPoint } from '@openbess/model';
import { runQuery, type QueryContext } from '../../src/api/query';
import { createEventRecorder } from '../../src/events';
import { createWriter } from '../../src/store/writer';
import type { Sample } from '../../src/types';
import { postQuery, setupApi, startApi, type ApiFixture, type RunningApi } from './support/fixture';

/**
 * `status`, `scan`, `events` and `faults` query types on the real database (issue 4), on the API fixture's
 * two sites. Status registers get their own samples at T; `ctx.now` is set so staleness is deterministic.
 */

let f: ApiFixture;
let api: RunningApi;
let T: number;
const BS = (b: number, s: number) => `FI006ES1BK${b}BS${s}`;

const pointOf = (map: string, metric: string): RegisterPoint =>
  f.maps.get(map)!.points.find((p) => p.metric === metric && p.kind === 'measurement')!;
const bitOf = (map: string, metric: string, name: string) =>
  pointOf(map, metric).bits!.find((b) => b.name === name)!.bit;
/** The value of a bitfield in normal operation: every expected-1 bit set. */
const normal = (p: RegisterPoint) => (p.bits ?? []).reduce((v, b) => v + (b.expected === 1 ? 2 ** b.bit : 0), 0);

const ctx = (now: number): QueryContext => ({
  pool: f.pool,
  maps: f.maps,
  pyramid: async () => [],
  access: { user: null, role: 'admin', sites: 'all' },
  from: f.from,
  to: T + 60_000,
  now: () => now,
});
const run = async (q: Record<string, unknown>, now = T + 1000): Promise<DataFrameJSON> =>
  (await runQuery(ctx(now), querySchema.parse({ refId: 'A', ...q })))[0];
const col = <V = unknown>(fr: DataFrameJSON, name: string): V[] => {
  const i = fr.schema.fields.findIndex((x) => x.name === name);
  if (i < 0) throw new Error(`no field ${name} in ${fr.schema.fields.map((x) => x.name).join(', ')}`);
  return fr.data.values[i] as V[];
};
const rows = (fr: DataFrameJSON): Record<string, unknown>[] =>
  (fr.data.values[0] ?? []).map((_, i) =>
    Object.fromEntries(fr.schema.fields.map((field, j) => [field.name, fr.data.values[j][i]]))
  );

const S = 'bms-string-803';
const overTempAlarm = () => 2 ** bitOf(S, 'stringEvents', 'overTempAlarm');

beforeAll(async () => {
  f = await setupApi(1, 'openbess_api_status');
  api = await startApi(f);
  const writer = createWriter(f.pool, f.registry);
  T = Date.now();
  const samples: Sample[] = [];
  const put = (device: string, metric: string, value: number | null, time = T) =>
    samples.push({ time, device, metric, value });
  const con = normal(pointOf(S, 'contactorState'));
  const st = normal(pointOf(S, 'stringStatus'));
  // BK1BS1: over-temperature alarm + a bit the map does not define (24)
  put(BS(1, 1), 'stringEvents', overTempAlarm() + 2 ** 24);
  put(BS(1, 1), 'contactorState', con);
  put(BS(1, 1), 'stringStatus', st);
  // BK1BS2: all normal
  put(BS(1, 2), 'stringEvents', 0);
  put(BS(1, 2), 'contactorState', con);
  put(BS(1, 2), 'stringStatus', st);
  // BK2BS1: the status word's warning bit
  put(BS(2, 1), 'stringEvents', 0);
  put(BS(2, 1), 'contactorState', con);
  put(BS(2, 1), 'stringStatus', st + 2 ** bitOf(S, 'stringStatus', 'warning'));
  // EE001 BS1: not implemented (SunSpec sentinel → null)
  put('EE001ES1BK1BS1', 'stringEvents', null);
  // blocks and their auxiliaries: every status register normal
  for (const site of f.sites) {
    for (let b = 1; b <= site.blocks; b++) {
      const block = `${site.code}ES1BK${b}`;
      const devs: [string, string[]][] = [
        [block, [site.maps.pcs, site.maps.bmsBlock]],
        [`${block}HV1`, [site.maps.hvac]],
        [`${block}FS1`, [site.maps.safety]],
      ];
      for (const [device, mapIds] of devs)
        for (const m of mapIds)
          for (const p of f.maps.get(m)!.points)
            if ((p.type === 'bitfield16' || p.type === 'bitfield32') && p.kind === 'measurement')
              put(device, p.metric, normal(p));
    }
  }
  // nameplate of two strings
  const attributes = [BS(1, 1), BS(1, 2)].flatMap((device) =>
    f.maps
      .get(S)!
      .points.filter((p) => p.kind === 'attribute')
      .map((p) => ({ time: T, device, name: p.metric, value: '1' }))
  );
  await writer.write({ samples, arrays: [], attributes, polls: [] });
  await writer.close();
  // BK2BS2 never reported anything
  await f.pool.query(`DELETE FROM latest WHERE series_id IN (SELECT id FROM series WHERE device = $1)`, [BS(2, 2)]);
  await createEventRecorder({ pool: f.pool, maps: f.maps, logger: pino({ level: 'silent' }) }).catchUp();
}, 120_000);

afterAll(async () => {
  await api?.close();
  await f?.close();
});

describe('status', () => {
  it('one device: the bitfield panel contract, map order, hex per width, states against expected', async () => {
    const fr = await run({ queryType: 'status', devices: [BS(1, 1)] });
    expect(fr.schema.name).toBe('status');
    expect(fr.schema.fields.map((x) => x.name)).toEqual([
      'device',
      'register',
      'registerLabel',
      'raw',
      'hex',
      'bit',
      'bitName',
      'description',
      'value',
      'expected',
      'severity',
      'state',
      'time',
      'stale',
    ]);
    expect(fr.schema.fields.find((x) => x.name === 'time')!.type).toBe('time');
    const registers = ['contactorState', 'stringEvents', 'stringStatus'];
    expect([...new Set(col(fr, 'register'))]).toEqual(registers);
    expect(col(fr, 'register').length).toBe(registers.reduce((n, r) => n + pointOf(S, r).bits!.length, 0));
    const r = rows(fr);
    const evt = r.filter((x) => x.register === 'stringEvents');
    expect(new Set(evt.map((x) => x.hex))).toEqual(new Set(['0x01000002']));
    expect(new Set(r.filter((x) => x.register === 'stringStatus').map((x) => x.hex))).toEqual(new Set(['0x0103']));
    expect(new Set(r.filter((x) => x.register === 'contactorState').map((x) => x.hex))).toEqual(
      new Set(['0x0000000B'])
    );
    expect(evt.find((x) => x.bitName === 'overTempAlarm')).toMatchObject({
      raw: overTempAlarm() + 2 ** 24,
      value: 1,
      expected: 0,
      severity: 'ALARM',
      state: 'ALARM',
      time: T,
      stale: false,
      registerLabel: 'String event 1',
      description: expect.stringContaining('OVER_TEMP_ALARM'),
    });
    // unknown bit 24 gets no row; every other defined bit is at its expected value
    expect(evt.some((x) => x.bit === 24)).toBe(false);
    expect(r.filter((x) => x.bitName !== 'overTempAlarm' && x.state !== 'OK' && x.expected !== null)).toEqual([]);
    expect(r.find((x) => x.bitName === 'positiveContactorClosed')).toMatchObject({
      value: 1,
      expected: 1,
      state: 'OK',
    });
  });

  it('every string of a site, and of a block; no data → raw null, empty hex, NO_DATA', async () => {
    const site = await run({ queryType: 'status', site: 'FI006', profile: 'batteryString' });
    expect([...new Set(col(site, 'device'))]).toEqual([BS(1, 1), BS(1, 2), BS(2, 1), BS(2, 2)]);
    const silent = rows(site).filter((x) => x.device === BS(2, 2));
    expect(silent.length).toBeGreaterThan(0);
    expect(silent.every((x) => x.raw === null && x.hex === '' && x.value === null && x.state === 'NO_DATA')).toBe(true);
    const block = await run({
      queryType: 'status',
      block: 'FI006ES1BK2',
      profile: 'batteryString',
      registers: ['stringStatus'],
    });
    expect([...new Set(col(block, 'device'))]).toEqual([BS(2, 1), BS(2, 2)]);
    expect([...new Set(col(block, 'register'))]).toEqual(['stringStatus']);
    expect(rows(block).find((x) => x.device === BS(2, 1) && x.bitName === 'warning')).toMatchObject({
      hex: '0x0143',
      state: 'WARNING',
    });
  });

  it('the not-implemented sentinel (stored as null) is no data', async () => {
    const fr = await run({ queryType: 'status', devices: ['EE001ES1BK1BS1'], registers: ['stringEvents'] });
    expect(rows(fr).every((x) => x.raw === null && x.state === 'NO_DATA' && x.hex === '')).toBe(true);
  });

  it('a sample older than 3 poll intervals is stale: bits NO_DATA, last raw value still shown', async () => {
    const fr = await run({ queryType: 'status', devices: [BS(1, 1)] }, T + 3 * 2000 + 1);
    expect(rows(fr).every((x) => x.stale === true && x.state === 'NO_DATA')).toBe(true);
    expect(rows(fr).find((x) => x.bitName === 'overTempAlarm')).toMatchObject({
      raw: overTempAlarm() + 2 ** 24,
      value: 1,
    });
    const fresh = await run({ queryType: 'status', devices: [BS(1, 1)] }, T + 3 * 2000);
    expect(rows(fresh).find((x) => x.bitName === 'overTempAlarm')).toMatchObject({ state: 'ALARM', stale: false });
  });

  it('over HTTP: validation errors name the field, unknown devices are 404', async () => {
    const range = { from: f.from, to: T + 1000 };
    const ok = await postQuery(api, { ...range, queries: [{ refId: 'A', queryType: 'status', devices: [BS(1, 1)] }] });
    expect(ok.status).toBe(200);
    expect(ok.body.results.A.frames![0].schema.name).toBe('status');
    const bad = await postQuery(api, { ...range, queries: [{ refId: 'A', queryType: 'status', site: 'FI006' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/queries\.0\.profile/);
    const none = await postQuery(api, {
      ...range,
      queries: [{ refId: 'A', queryType: 'status', devices: ['FI006ES1BK9BS9'] }],
    });
    expect(none.body.results.A).toEqual({ status: 404, error: 'unknown device FI006ES1BK9BS9' });
    const scan = await postQuery(api, {
      ...range,
      queries: [{ refId: 'A', queryType: 'scan', site: 'FI006', scan: 'nope' }],
    });
    expect(scan.status).toBe(400);
    expect(scan.body.error).toMatch(/queries\.0\.scan/);
  });
});

describe('scan', () => {
  it('stringStatus: one row per string, worst bit state and the active bits', async () => {
    const fr = await run({ queryType: 'scan', site: 'FI006', scan: 'stringStatus' });
    expect(rows(fr).map((x) => [x.device, x.status, x.activeBits])).toEqual([
      [BS(1, 1), 'ALARM', 'stringEvents.overTempAlarm'],
      [BS(1, 2), 'OK', ''],
      [BS(2, 1), 'WARNING', 'stringStatus.warning'],
      [BS(2, 2), 'NO_DATA', ''],
    ]);
    expect(col(fr, 'statusRank')).toEqual([4, 1, 3, 0]);
    expect(col(fr, 'block')).toEqual(['FI006ES1BK1', 'FI006ES1BK1', 'FI006ES1BK2', 'FI006ES1BK2']);
  });

  it('blockStatus: the worst of the block and its strings, strings counted per state', async () => {
    const fr = await run({ queryType: 'scan', site: 'FI006', scan: 'blockStatus' });
    expect(
      rows(fr).map((x) => [
        x.device,
        x.status,
        x.blockStatus,
        x.stringsAlarm,
        x.stringsWarning,
        x.stringsOk,
        x.stringsNoData,
      ])
    ).toEqual([
      ['FI006ES1BK1', 'ALARM', 'OK', 1, 0, 1, 0],
      ['FI006ES1BK2', 'WARNING', 'OK', 0, 1, 0, 1],
    ]);
  });

  it('missingStrings: never reported → ALARM; attributes never read → WARNING; complete → OK; stale → ALARM', async () => {
    const fresh = await run({ queryType: 'scan', site: 'FI006', scan: 'missingStrings' }, f.now + 1000);
    const r = rows(fresh);
    expect(r.map((x) => [x.device, x.status])).toEqual([
      [BS(1, 1), 'OK'],
      [BS(1, 2), 'OK'],
      [BS(2, 1), 'WARNING'],
      [BS(2, 2), 'ALARM'],
    ]);
    const declared = r[0].declared as number;
    expect(declared).toBeGreaterThan(10);
    expect(r[3]).toMatchObject({ missing: declared, stale: 0, lastSeen: null });
    expect(r[2]).toMatchObject({
      missing: 0,
      attributesMissing: 2,
      detail: 'moduleCount (never read), stringIndex (never read)',
    });
    const later = await run({ queryType: 'scan', site: 'FI006', scan: 'missingStrings' }, T + 600_000);
    expect(rows(later).map((x) => x.status)).toEqual(['ALARM', 'ALARM', 'ALARM', 'ALARM']);
    expect(rows(later)[0].stale).toBe(declared);
  });

  it('missingBlocks: one row per block with its auxiliaries; several sites at once', async () => {
    const fr = await run({ queryType: 'scan', site: ['FI006', 'EE001'], scan: 'missingBlocks' }, f.now + 1000);
    expect(col(fr, 'device')).toEqual(['EE001ES1BK1', 'FI006ES1BK1', 'FI006ES1BK2']);
    // the fixture wrote every measurement, but no block attribute: WARNING, not silent
    expect(new Set(col(fr, 'status'))).toEqual(new Set(['WARNING']));
    expect(col<number>(fr, 'missing').every((n) => n === 0)).toBe(true);
  });
});

describe('events and faults', () => {
  it('annotations: regions from raise to clear, open ones to the end of the range, severity colour and tags', async () => {
    const fr = await run({ queryType: 'events', devices: [BS(1, 1)] });
    expect(fr.schema.fields.slice(0, 5).map((x) => [x.name, x.type])).toEqual([
      ['time', 'time'],
      ['timeEnd', 'time'],
      ['title', 'string'],
      ['text', 'string'],
      ['tags', 'string'],
    ]);
    const r = rows(fr);
    // the fixture's value 42 at f.now raised bits 1, 3, 5 of stringEvents; at T only bit 1 is left
    const alarm = r.find((x) => x.title === `${BS(1, 1)} overTempAlarm`)!;
    expect(alarm).toMatchObject({ time: f.now, timeEnd: T + 1000, color: 'red', severity: 'ALARM', active: true });
    expect(alarm.tags).toBe(`severity:ALARM,device:${BS(1, 1)},register:stringEvents,bit:overTempAlarm,site:FI006`);
    const under = r.find((x) => x.title === `${BS(1, 1)} underTempAlarm`)!;
    expect(under).toMatchObject({ time: f.now, timeEnd: T, active: false });
    expect(under.text).toMatch(/^ALARM: .*stringEvents bit 3 \(StrEvt1, map bms-string-803\); cleared after \d+ s$/);
  });

  it("answers the datasource plugin's annotation query as it sends it (datasource-plugin/src/queries.ts)", async () => {
    const q = {
      refId: 'Anno',
      queryType: 'events',
      site: ['FI006'],
      devices: [BS(1, 1)],
      maxDataPoints: 1000,
      intervalMs: 60000,
    };
    const r = await postQuery(api, { from: f.from, to: T + 1000, queries: [q] });
    expect(r.status).toBe(200);
    const fr = r.body.results.Anno.frames![0];
    expect(fr.schema.fields.map((x) => x.name).slice(0, 5)).toEqual(['time', 'timeEnd', 'title', 'text', 'tags']);
    expect(new Set(col(fr, 'device'))).toEqual(new Set([BS(1, 1)]));
  });

  it('table: filters by severity and by active', async () => {
    const fr = await run({
      queryType: 'events',
      devices: [BS(1, 1)],
      format: 'table',
      minSeverity: 'ALARM',
      active: true,
    });
    const r = rows(fr);
    expect(r.length).toBeGreaterThan(0);
    expect(r.every((x) => x.severity === 'ALARM' && x.active === true && x.clearedAt === null)).toBe(true);
    expect(r.map((x) => x.bitName)).toContain('overTempAlarm');
    expect(r.map((x) => x.bitName)).not.toContain('underTempAlarm');
  });

  it('faults: timeline with durations, MTTR per device and per bit, top offenders', async () => {
    const now = T + 1000;
    const timeline = rows(await run({ queryType: 'faults', devices: [BS(1, 1)], view: 'timeline' }, now));
    const under = timeline.find((x) => x.bitName === 'underTempAlarm')!;
    expect(under).toMatchObject({ time: f.now, timeEnd: T, durationS: (T - f.now) / 1000, active: false });
    expect(timeline.find((x) => x.bitName === 'overTempAlarm')).toMatchObject({
      durationS: (now - f.now) / 1000,
      active: true,
    });
    const byDevice = rows(await run({ queryType: 'faults', site: 'FI006', view: 'mttrByDevice' }, now));
    const d = byDevice.find((x) => x.device === BS(1, 1))!;
    const closed = timeline.filter((x) => !x.active);
    expect(d).toMatchObject({ events: timeline.length, active: timeline.length - closed.length });
    expect(d.mttrS).toBeCloseTo(closed.reduce((s, x) => s + (x.durationS as number), 0) / closed.length, 6);
    const byBit = rows(await run({ queryType: 'faults', site: 'FI006', view: 'mttrByBit' }, now));
    const bit = byBit.find((x) => x.register === 'stringEvents' && x.bitName === 'overTempAlarm')!;
    // value 42 at f.now raised overTempAlarm on all four FI006 strings; at T it cleared on BK1BS2 and BK2BS1
    expect(bit).toMatchObject({ devices: 4, events: 4, active: 2, severity: 'ALARM', bit: 1 });
    expect(bit.mttrS).toBeCloseTo((T - f.now) / 1000, 6);
    const top = rows(await run({ queryType: 'faults', site: 'FI006', view: 'topOffenders', limit: 3 }, now));
    expect(top).toHaveLength(3);
    const counts = top.map((x) => x.events as number);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  });
});
