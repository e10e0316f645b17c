/**
 * The dashboards' SQL (Grafana's PostgreSQL datasource) on the real PostgreSQL: a throwaway database with the
 * store's schema (all migrations: telemetry, events, maintenance), the API tests' two sites registered, and
 * constructed telemetry, events and device-status histories whose energies, revenue and availability are known
 * by hand (or, for the more tangled availability history, from what the maintenance API computes).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import { loadRegisterMaps, type RegisterMap, type SiteConfig } from '../../model/src';
import { computeAvailability } from '../../model/src/kpi/availability';
import { siteBlocks } from '../../collector/src/maintenance/availability';
import { outagePeriods } from '../../collector/src/maintenance/deviceStatus';
import { migrate } from '../../collector/src/store/migrate';
import { createPool } from '../../collector/src/store/pool';
import { registerSites, type SeriesRegistry } from '../../collector/src/store/registry';
import { createWriter } from '../../collector/src/store/writer';
import type { Sample } from '../../collector/src/types';
import { createTestDatabase, type TestDatabase } from '../../collector/test/support/db';
import { testSites } from '../../collector/test/api/support/fixture';
import { generate } from '../dashboards/src/generate';
import {
  ALL_SQL,
  availabilityBySiteSql,
  dailyRevenueSql,
  energyBySiteSql,
  ENERGY_MAX_HOLD_S,
  revenueSlaSql,
  tmeicAlarmCountsSql,
  tmeicAlarmsSql,
  tmeicLatestSql,
  tmeicMetricSeriesSql,
  tmeicSitesSql,
} from '../dashboards/src/sql';
import { expandGrafanaSql, type SqlContext } from './support/grafanaSql';

const H = 3_600_000;
const MIN = 60_000;
/** A UTC day the histories live in (10:00 → the next day 10:00). */
const DAY0 = Date.parse('2026-01-10T00:00:00Z');
const T0 = DAY0 + 10 * H;

let db: TestDatabase;
let pool: Pool;
let maps: Map<string, RegisterMap>;
let sites: SiteConfig[];
let registry: SeriesRegistry;

const vars = { site: ['FI006', 'EE001'], allowed: ['FI006', 'EE001'], price: '80', target: '98' };
const ctx = (over: Partial<SqlContext> = {}): SqlContext => ({ from: T0 - H, to: T0 + 25 * H, vars, ...over });
async function run<T = Record<string, unknown>>(sql: string, c: SqlContext = ctx()): Promise<T[]> {
  return (await pool.query(expandGrafanaSql(sql, c))).rows as T[];
}

/** FI006 BESS power: +1000 kW for 60 min, −500 kW for 30 min, 0 at the end (1-minute samples). */
function fi006Power(): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i <= 90; i++)
    out.push({
      time: T0 + i * MIN,
      device: 'FI006ES1',
      metric: 'activePower',
      value: i < 60 ? 1000 : i < 90 ? -500 : 0,
    });
  return out;
}

/** EE001 BESS power: 200 kW every 10 s for an hour, a 20-minute gap, 10 more minutes, then 0. */
function ee001Power(): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < 360; i++)
    out.push({ time: T0 + i * 10_000, device: 'EE001ES1', metric: 'activePower', value: 200 });
  const t1 = T0 + 3590_000 + 20 * MIN;
  for (let i = 0; i < 60; i++)
    out.push({ time: t1 + i * 10_000, device: 'EE001ES1', metric: 'activePower', value: 200 });
  out.push({ time: t1 + 600_000, device: 'EE001ES1', metric: 'activePower', value: 0 });
  return out;
}

/** PCS temperatures: FI006 block 1 (TMEIC map) and EE001 block 1 (vendor B map), one sample a minute for 2 h. */
function pcsTemperatures(): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < 120; i++) {
    out.push({ time: T0 + i * MIN, device: 'FI006ES1BK1', metric: 'igbtTemperature', value: 40 + (i % 10) });
    out.push({ time: T0 + i * MIN, device: 'FI006ES1BK1', metric: 'dcLinkVoltage', value: 1100 + i });
    out.push({ time: T0 + i * MIN, device: 'EE001ES1BK1', metric: 'igbtTemperature', value: 99 });
  }
  return out;
}

/** Device-status history: [device, offline?, at (h after T0)]. */
const STATUS: [string, boolean, number][] = [
  // EE001: block 1 out 6 h of the 24 h period → 75 % by hand (one block).
  ['EE001ES1BK1', true, 2],
  ['EE001ES1BK1', false, 8],
  // FI006: block 1 out 1 h; string BK2BS1 out 4 h; BESS node out 1 h (takes both blocks); BK1BS2 open at 20 h,
  // overlapping a repeated offline mark and the block's own outage of 21–22 h.
  ['FI006ES1BK1', true, 2],
  ['FI006ES1BK1', false, 3],
  ['FI006ES1BK2BS1', true, 1],
  ['FI006ES1BK2BS1', false, 5],
  ['FI006ES1', true, 10],
  ['FI006ES1', false, 11],
  ['FI006ES1BK1BS2', true, 20],
  ['FI006ES1BK1BS2', true, 20.5],
  ['FI006ES1BK1', true, 21],
  ['FI006ES1BK1', false, 22],
  // Before the period: out and back before it starts (must not count).
  ['FI006ES1BK2', true, -5],
  ['FI006ES1BK2', false, -4],
];

beforeAll(async () => {
  db = await createTestDatabase('openbess_dashsql');
  pool = createPool(db.url, { max: 3 });
  await migrate(pool);
  maps = loadRegisterMaps();
  sites = testSites(maps);
  registry = await registerSites(pool, sites, maps);
  const writer = createWriter(pool, registry);
  await writer.write({
    samples: [...fi006Power(), ...ee001Power(), ...pcsTemperatures()],
    arrays: [],
    attributes: [],
    polls: [],
  });
  for (const [device, offline, h] of STATUS) {
    await pool.query(
      `INSERT INTO mnt_device_status (device, site, offline, reason, at, by) VALUES ($1, $2, $3, 'test', $4, 'tester')`,
      [device, device.slice(0, 5), offline, new Date(T0 + h * H)]
    );
  }
  const ev = `INSERT INTO events (site, device, map, register, point, bit, bit_name, severity, expected, raised_at, cleared_at)
              VALUES ($1, $2, $3, 'pcsAlarms', 'Alrm', $4, $5, $6, 0, $7, $8)`;
  await pool.query(ev, [
    'FI006',
    'FI006ES1BK1',
    'pcs-tmeic',
    3,
    'overTemperature',
    'ALARM',
    new Date(T0 + H),
    new Date(T0 + 2 * H),
  ]);
  await pool.query(ev, ['FI006', 'FI006ES1BK2', 'pcs-tmeic', 5, 'fanFault', 'WARNING', new Date(T0 + 3 * H), null]);
  await pool.query(ev, ['EE001', 'EE001ES1BK1', 'pcs-vendorb', 3, 'overTemperature', 'ALARM', new Date(T0 + H), null]);
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

test('the test data landed in the series the dashboards read', () => {
  expect(registry.get('FI006ES1', 'activePower')).toBeDefined();
  expect(registry.get('EE001ES1BK1', 'igbtTemperature')).toBeDefined();
});

test('every SQL target and SQL variable of the generated dashboards runs on the real PostgreSQL', async () => {
  let n = 0;
  for (const [rel, text] of generate()) {
    const d = JSON.parse(text) as {
      panels: { title: string; targets?: { rawSql?: string; format?: string }[] }[];
      templating: { list: { name: string; query?: unknown; datasource?: { type: string } }[] };
    };
    const sqls: { where: string; sql: string; format?: string }[] = [];
    for (const p of d.panels)
      for (const t of p.targets ?? [])
        if (t.rawSql) sqls.push({ where: `${rel} / ${p.title}`, sql: t.rawSql, format: t.format });
    for (const v of d.templating.list)
      if (v.datasource?.type === 'grafana-postgresql-datasource')
        sqls.push({ where: `${rel} / $${v.name}`, sql: String(v.query) });
    for (const { where, sql, format } of sqls) {
      let error: string | null = null;
      try {
        const r = await pool.query(expandGrafanaSql(sql, ctx()));
        if (format === 'time_series') expect({ where, first: r.fields[0]?.name }).toEqual({ where, first: 'time' });
      } catch (e) {
        error = (e as Error).message;
      }
      expect({ where, error }).toEqual({ where, error: null });
      n++;
    }
  }
  expect(n).toBeGreaterThanOrEqual(10);
  for (const [name, sql] of Object.entries(ALL_SQL)) {
    const error = await run(sql).then(
      () => null,
      (e: Error) => e.message
    );
    expect({ name, error }).toEqual({ name, error: null });
  }
});

test('energy per site: left Riemann sum of the BESS power, each sample held at most 5 minutes', async () => {
  const rows = await run<{ site: string; discharged_kwh: number; charged_kwh: number; net_kwh: number }>(
    energyBySiteSql()
  );
  const by = Object.fromEntries(rows.map((r) => [r.site, r]));
  // FI006: 60 one-minute samples at 1000 kW = 1000 kWh; 30 at −500 kW = 250 kWh charged.
  expect(by.FI006.discharged_kwh).toBeCloseTo(1000, 6);
  expect(by.FI006.charged_kwh).toBeCloseTo(250, 6);
  expect(by.FI006.net_kwh).toBeCloseTo(750, 6);
  // EE001: 359 ten-second steps + the last sample before the 20-minute gap held 300 s, then 60 ten-second steps,
  // all at 200 kW: (3590 + 300 + 600) s × 200 kW / 3600.
  expect(ENERGY_MAX_HOLD_S).toBe(300);
  expect(by.EE001.discharged_kwh).toBeCloseTo(((3590 + 300 + 600) * 200) / 3600, 6);
  expect(by.EE001.charged_kwh).toBeCloseTo(0, 9);
  // Only the selected sites, only inside the range.
  expect((await run(energyBySiteSql(), ctx({ vars: { ...vars, site: ['EE001'] } }))).map((r) => r.site)).toEqual([
    'EE001',
  ]);
  const firstHalfHour = await run<{ site: string; discharged_kwh: number }>(
    energyBySiteSql(),
    ctx({ from: T0, to: T0 + 30 * MIN, vars: { ...vars, site: ['FI006'] } })
  );
  // 30 one-minute steps at 1000 kW; the sample at the range end holds for 0 s.
  expect(firstHalfHour[0].discharged_kwh).toBeCloseTo(500, 6);
  // A range ending 30 s after a sample: that sample holds 30 s, not 5 minutes.
  const cut = await run<{ discharged_kwh: number }>(
    energyBySiteSql(),
    ctx({ from: T0, to: T0 + 30 * MIN + 30_000, vars: { ...vars, site: ['FI006'] } })
  );
  expect(cut[0].discharged_kwh).toBeCloseTo(500 + (1000 * 30) / 3600, 6);
});

test('daily revenue: net energy × the flat price, one bar per site and UTC day', async () => {
  const rows = await run<{ time: Date; site: string; revenue_eur: number }>(dailyRevenueSql);
  const fi = rows.filter((r) => r.site === 'FI006');
  expect(fi).toHaveLength(1);
  expect(new Date(fi[0].time).getTime()).toBe(DAY0);
  expect(fi[0].revenue_eur).toBeCloseTo(0.75 * 80, 6);
});

test('availability: EE001 by hand (one block out 6 of 24 h = 75 %); FI006 equals the maintenance API’s computation', async () => {
  const period = ctx({ from: T0, to: T0 + 24 * H });
  const rows = await run<{
    site: string;
    availability_pct: number;
    downtime_h: number;
    target_pct: number;
    meets_target: boolean;
  }>(availabilityBySiteSql, period);
  const by = Object.fromEntries(rows.map((r) => [r.site, r]));
  expect(by.EE001.availability_pct).toBeCloseTo(75, 9);
  expect(by.EE001.downtime_h).toBeCloseTo(6, 9);
  expect(by.EE001.meets_target).toBe(false);
  // Site Overview has one site: a single-valued $site is quoted by ${site:sqlstring} all the same.
  const single = await run<{ site: string; availability_pct: number }>(
    availabilityBySiteSql,
    ctx({ from: T0, to: T0 + 24 * H, vars: { ...vars, site: 'EE001' } })
  );
  expect(single.map((r) => [r.site, r.availability_pct])).toEqual([['EE001', 75]]);

  // What the maintenance API answers (GET /api/maintenance/availability): its blocks and outage periods.
  const blocks = await siteBlocks(pool, 'FI006');
  const outages = await outagePeriods(pool, 'FI006', T0, T0 + 24 * H);
  const expected = computeAvailability({ from: T0, to: T0 + 24 * H, blocks, outages, targetPct: 98 });
  expect(expected.availabilityPct).toBeLessThan(100);
  expect(by.FI006.availability_pct).toBeCloseTo(expected.availabilityPct, 9);
  expect(by.FI006.downtime_h).toBeCloseTo(expected.equivalentDowntimeHours, 9);
  expect(by.FI006.meets_target).toBe(expected.meetsTarget);
});

test('revenue & SLA per site: energy, revenue at $price, availability against $target', async () => {
  const rows = await run<{
    site: string;
    discharged_mwh: number;
    revenue_eur: number;
    availability_pct: number;
    shortfall_pct: number;
    sla: string;
  }>(revenueSlaSql, ctx({ from: T0, to: T0 + 24 * H, vars: { ...vars, price: '100', target: '70' } }));
  const by = Object.fromEntries(rows.map((r) => [r.site, r]));
  expect(Object.keys(by).sort()).toEqual(['EE001', 'FI006']);
  expect(by.FI006.discharged_mwh).toBeCloseTo(1, 6);
  expect(by.FI006.revenue_eur).toBeCloseTo(0.75 * 100, 6);
  expect(by.EE001.availability_pct).toBeCloseTo(75, 9);
  expect(by.EE001.sla).toBe('MET'); // 75 % ≥ 70 %
  const strict = await run<{ site: string; sla: string; shortfall_pct: number }>(
    revenueSlaSql,
    ctx({ from: T0, to: T0 + 24 * H, vars: { ...vars, target: '98' } })
  );
  const ee = strict.find((r) => r.site === 'EE001')!;
  expect(ee.sla).toBe('MISSED');
  expect(ee.shortfall_pct).toBeCloseTo(23, 9);
});

test('TMEIC pack: only sites and series of the TMEIC map, only alarms of TMEIC PCS', async () => {
  expect((await run<{ site: string }>(tmeicSitesSql)).map((r) => r.site)).toEqual(['FI006']);
  expect(await run(tmeicSitesSql, ctx({ vars: { ...vars, allowed: ['EE001'] } }))).toEqual([]);

  const temps = await run<{ time: number; metric: string; value: number }>(
    tmeicMetricSeriesSql(['igbtTemperature']),
    ctx({ interval: '10m' })
  );
  expect(new Set(temps.map((r) => r.metric))).toEqual(new Set(['FI006ES1BK1 igbtTemperature']));
  expect(temps).toHaveLength(12); // 2 h in 10-minute buckets
  expect(temps.every((r) => r.value === 49)).toBe(true); // max of 40 + (i mod 10)

  const latest = await run<{ device: string; igbt_c: number; dc_link_v: number }>(tmeicLatestSql);
  expect(latest.map((r) => [r.device, r.igbt_c, r.dc_link_v])).toEqual([['FI006ES1BK1', 49, 1219]]);

  const alarms = await run<{ device: string; severity: string; active: boolean; duration_s: number }>(tmeicAlarmsSql);
  expect(alarms.map((r) => [r.device, r.severity, r.active])).toEqual([
    ['FI006ES1BK2', 'WARNING', true],
    ['FI006ES1BK1', 'ALARM', false],
  ]);
  expect(alarms[1].duration_s).toBe(3600);
  expect(await run(tmeicAlarmCountsSql)).toEqual([{ site: 'FI006', alarms: 1, warnings: 1 }]);
});

test('Grafana’s PostgreSQL datasource logs in read-only: the init script’s role reads every table, writes none', async () => {
  const role = `openbess_reader_${randomBytes(4).toString('hex')}`;
  const base = new URL(db.url);
  execFileSync('sh', [join(__dirname, '..', 'timescaledb', 'initdb', '010-grafana-reader.sh')], {
    env: {
      ...process.env,
      PGHOST: base.hostname,
      PGPORT: base.port || '5432',
      POSTGRES_USER: decodeURIComponent(base.username) || 'postgres',
      POSTGRES_DB: db.name,
      OPENBESS_GRAFANA_DB_USER: role,
      OPENBESS_GRAFANA_DB_PASSWORD: randomBytes(12).toString('hex'),
    },
    stdio: 'pipe',
  });
  const asReader = new URL(db.url);
  asReader.username = role;
  const reader = new Client({ connectionString: asReader.toString() });
  await reader.connect();
  try {
    // The dashboards' SQL runs as the reader (tables created by the migrations before and after the role).
    for (const sql of [availabilityBySiteSql, revenueSlaSql, tmeicAlarmsSql])
      await expect(reader.query(expandGrafanaSql(sql, ctx()))).resolves.toBeDefined();
    await expect(reader.query(`INSERT INTO site (code, name) VALUES ('XX999', 'x')`)).rejects.toThrow(/read-only/);
    await expect(reader.query('CREATE TABLE sneaky (x int)')).rejects.toThrow(/read-only|permission denied/);
    await expect(reader.query('DELETE FROM telemetry')).rejects.toThrow(/read-only/);
  } finally {
    await reader.end();
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  }
});
