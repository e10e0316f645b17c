/**
 * The provisioned alert rules (provisioning/alerting/*.yaml, Grafana file-provisioning format) on the real
 * PostgreSQL: the YAML is parsed and checked field by field, and every rule's SQL — with Grafana's macros
 * expanded as Grafana expands them — runs on a throwaway database with the store's schema (all migrations) and
 * constructed telemetry, events and poll records. The rule's own expressions (reduce → threshold) are then
 * evaluated per series: each rule fires exactly for the constructed faults and stays quiet on healthy data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { parse } from 'yaml';
import { loadRegisterMaps } from '../../model/src';
import { migrate } from '../../collector/src/store/migrate';
import { createPool } from '../../collector/src/store/pool';
import { registerSites, type SeriesRegistry } from '../../collector/src/store/registry';
import { createWriter } from '../../collector/src/store/writer';
import type { PollRecord, Sample } from '../../collector/src/types';
import { createTestDatabase, type TestDatabase } from '../../collector/test/support/db';
import { testSites } from '../../collector/test/api/support/fixture';
import { expandGrafanaSql } from './support/grafanaSql';

const DIR = join(__dirname, '..', 'alerting');
const MIN = 60_000;

interface Query {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: Record<string, unknown> & { refId: string };
}
interface Rule {
  uid: string;
  title: string;
  condition: string;
  data: Query[];
  noDataState: string;
  execErrState: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  isPaused?: boolean;
}
interface Group {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: Rule[];
}

const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const docs = files.map((f) => ({ file: f, doc: parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown> }));
const groups: Group[] = docs.flatMap((d) => (d.doc.groups as Group[] | undefined) ?? []);
const rules: Rule[] = groups.flatMap((g) => g.rules);
const pgDatasource = (
  parse(readFileSync(join(__dirname, '..', 'datasources', 'openbess.yaml'), 'utf8')) as {
    datasources: { type: string; uid: string }[];
  }
).datasources.find((d) => d.type === 'grafana-postgresql-datasource')!;

describe('alert rule files', () => {
  it('every file is apiVersion 1; the rules live in folder groups with an evaluation interval', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const d of docs) expect([d.file, d.doc.apiVersion]).toEqual([d.file, 1]);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      expect(g).toMatchObject({ orgId: 1, folder: 'OpenBESS' });
      expect(g.interval).toMatch(/^\d+[smh]$/);
    }
  });

  it('has the five rules of issue 4 with unique uids', () => {
    expect(rules.map((r) => r.title).sort()).toEqual([
      'Cell voltage spread above threshold',
      'Comms loss',
      'Max cell temperature above threshold',
      'SOC outside window',
      'String alarm active',
    ]);
    expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
    for (const r of rules) expect(r.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  });

  it.each(rules.map((r) => [r.title, r] as const))('%s: queries, expressions, labels and annotations', (_t, r) => {
    const [query, ...expressions] = r.data;
    // the query: Grafana's PostgreSQL datasource (a backend datasource), raw SQL in time-series format
    expect(query.datasourceUid).toBe(pgDatasource.uid);
    expect(query.relativeTimeRange!.from).toBeGreaterThan(0);
    expect(query.model).toMatchObject({ refId: query.refId, format: 'time_series', rawQuery: true });
    expect(typeof query.model.rawSql).toBe('string');
    // reduce → threshold on server-side expressions; the condition is the threshold
    expect(expressions.map((e) => [e.datasourceUid, e.model.type])).toEqual([
      ['__expr__', 'reduce'],
      ['__expr__', 'threshold'],
    ]);
    expect(expressions[0].model.expression).toBe(query.refId);
    expect(expressions[1].model.expression).toBe(expressions[0].refId);
    expect(r.condition).toBe(expressions[1].refId);
    expect(['OK', 'NoData', 'Alerting', 'KeepLast']).toContain(r.noDataState);
    expect(['Error', 'Alerting', 'OK', 'KeepLast']).toContain(r.execErrState);
    expect(r.for).toMatch(/^\d+[smh]$/);
    expect(['critical', 'warning']).toContain(r.labels.severity);
    // site and device labels come from the query's label columns and are used by the summary
    expect(r.annotations.summary).toMatch(/\{\{ \.Labels\.device \}\}/);
    expect(r.annotations.summary).toMatch(/\{\{ \.Labels\.site \}\}/);
    expect(r.annotations.runbook.length).toBeGreaterThan(80);
    // no `$` outside the SQL (the provisioning loader may expand environment variables there)
    expect(JSON.stringify([r.labels, r.annotations, r.title])).not.toContain('$');
  });

  it('an example contact point and a notification policy routing to it', () => {
    const n = docs.find((d) => d.doc.contactPoints)!.doc as {
      contactPoints: { name: string; receivers: { uid: string; type: string; settings: Record<string, unknown> }[] }[];
      policies: { receiver: string; group_by: string[]; routes: { receiver: string; object_matchers: string[][] }[] }[];
    };
    const cp = n.contactPoints[0];
    expect(cp.receivers[0]).toMatchObject({ type: 'email', settings: { addresses: expect.stringMatching(/@/) } });
    const policy = n.policies[0];
    expect(policy.receiver).toBe(cp.name);
    expect(policy.group_by).toContain('site');
    expect(policy.routes[0]).toMatchObject({ receiver: cp.name, object_matchers: [['severity', '=', 'critical']] });
  });
});

/** Evaluates a rule's reduce (last, dropNN) and threshold expressions per series. */
function firing(r: Rule, rows: Record<string, unknown>[]): string[] {
  const [, reduce, threshold] = r.data;
  expect(reduce.model.reducer).toBe('last');
  const series = new Map<string, { t: number; v: number | null }[]>();
  for (const row of rows) {
    const labels = Object.keys(row)
      .filter((k) => k !== 'time' && k !== 'value' && typeof row[k] === 'string')
      .sort()
      .map((k) => `${k}=${String(row[k])}`)
      .join(',');
    const t = row.time instanceof Date ? row.time.getTime() : Number(row.time) * 1000;
    const list = series.get(labels) ?? [];
    list.push({ t, v: row.value === null ? null : Number(row.value) });
    series.set(labels, list);
  }
  const cond = (threshold.model.conditions as { evaluator: { type: string; params: number[] } }[])[0].evaluator;
  const out: string[] = [];
  for (const [labels, pts] of series) {
    const vals = pts.sort((a, b) => a.t - b.t).filter((p) => p.v !== null && Number.isFinite(p.v));
    if (vals.length === 0) continue;
    const v = vals[vals.length - 1].v!;
    const [a, b] = cond.params;
    const fire =
      cond.type === 'gt'
        ? v > a
        : cond.type === 'lt'
          ? v < a
          : cond.type === 'outside_range'
            ? v < a || v > b
            : cond.type === 'within_range'
              ? v > a && v < b
              : (() => {
                  throw new Error(`evaluator ${cond.type} not handled by the test`);
                })();
    if (fire) out.push(/device=([^,]+)/.exec(labels)![1]);
  }
  return out.sort();
}

describe('alert rule SQL on the real PostgreSQL', () => {
  let db: TestDatabase;
  let pool: Pool;
  let registry: SeriesRegistry;
  /** "Now" of the constructed data (set right before it is written). */
  let N = 0;
  const maps = loadRegisterMaps();
  const sites = testSites(maps);
  const STRINGS = [
    'FI006ES1BK1BS1',
    'FI006ES1BK1BS2',
    'FI006ES1BK2BS1',
    'FI006ES1BK2BS2',
    'EE001ES1BK1BS1',
    'EE001ES1BK1BS2',
  ];

  /** Rows of a rule's query A over its relative time range ending now, macros expanded. */
  async function runRule(title: string): Promise<{ rule: Rule; rows: Record<string, unknown>[] }> {
    const rule = rules.find((r) => r.title === title)!;
    const q = rule.data[0];
    const sql = expandGrafanaSql(q.model.rawSql as string, {
      from: N - q.relativeTimeRange!.from * 1000,
      to: N - q.relativeTimeRange!.to * 1000 + 1000,
    });
    return { rule, rows: (await pool.query(sql)).rows };
  }

  beforeAll(async () => {
    db = await createTestDatabase('openbess_alerting');
    pool = createPool(db.url, { max: 3 });
    await migrate(pool);
    registry = await registerSites(pool, sites, maps);
    const writer = createWriter(pool, registry);
    N = Math.floor(Date.now() / 1000) * 1000;
    const samples: Sample[] = [];
    const put = (device: string, metric: string, minutesAgo: number, value: number) =>
      samples.push({ time: N - minutesAgo * MIN, device, metric, value });
    for (const s of STRINGS) {
      for (let m = 9; m >= 0; m--) {
        // spread: 30 mV healthy; BK2BS2 150 mV over the last 3 minutes; EE001 BS1 150 mV 8 minutes ago only
        const spread = (s === 'FI006ES1BK2BS2' && m <= 2) || (s === 'EE001ES1BK1BS1' && m === 8) ? 0.15 : 0.03;
        put(s, 'maxCellVoltage', m, 3.4);
        put(s, 'minCellVoltage', m, 3.4 - spread);
        // temperature: 30 °C; FI006 BK1BS2 50 °C now; EE001 BS2 exactly at the threshold
        const temp = s === 'FI006ES1BK1BS2' && m <= 1 ? 50 : s === 'EE001ES1BK1BS2' ? 45 : 30;
        put(s, 'maxCellTemperature', m, temp);
      }
    }
    // outside the range: a huge spread 30 minutes ago must not count
    put('EE001ES1BK1BS2', 'maxCellVoltage', 30, 3.6);
    put('EE001ES1BK1BS2', 'minCellVoltage', 30, 3.0);
    // SOC: BESS nodes 50 %; FI006 block 1 97 % (high), EE001 block 1 3 % (low), FI006 block 2 back to 60 % after 96 %
    for (let m = 9; m >= 0; m--) {
      put('FI006ES1', 'stateOfCharge', m, 50);
      put('EE001ES1', 'stateOfCharge', m, 50);
      put('FI006ES1BK1', 'stateOfCharge', m, m <= 5 ? 97 : 90);
      put('EE001ES1BK1', 'stateOfCharge', m, m <= 5 ? 3 : 8);
      put('FI006ES1BK2', 'stateOfCharge', m, m >= 3 ? 96 : 60);
    }
    // comms: polls every 2 s (1 s for the meter, 60 s for a nameplate group) over the last two minutes
    const polls: PollRecord[] = [];
    const poll = (device: string, map: string, group: string, everyS: number, okUntilSAgo: number) => {
      for (let s = 120; s >= 0; s -= everyS)
        polls.push({
          time: N - s * 1000,
          site: device.slice(0, 5),
          device,
          map,
          unitId: 1,
          group,
          ok: s >= okUntilSAgo,
          latencyMs: 5,
          requests: 1,
          points: 10,
          ...(s >= okUntilSAgo ? {} : { error: 'Modbus exception 0x0B' }),
        });
    };
    poll('FI006MT1', 'meter-float32', 'fast', 1, 0);
    poll('FI006ES1BK2BS1', 'bms-string-803', 'string', 2, 60); // silent for the last 60 s: 30 intervals
    poll('EE001ES1BK1BS1', 'bms-string-803', 'string', 2, 2); // 1 interval (+ the test's run time): not yet
    poll('FI006ES1', 'bess-controller', 'nameplate', 60, 0);
    await writer.write({ samples, arrays: [], attributes: [], polls });
    // events: an open ALARM (fires), a cleared ALARM and an open WARNING (quiet)
    const ev = (device: string, severity: string, bitName: string, clearedMinAgo: number | null) =>
      pool.query(
        `INSERT INTO events (site, device, map, register, point, bit, bit_name, severity, expected, raised_at, cleared_at)
         VALUES ($1, $2, 'bms-string-803', 'stringEvents', 'StrEvt1', 1, $3, $4, 0, $5, $6)`,
        [
          device.slice(0, 5),
          device,
          bitName,
          severity,
          new Date(N - 20 * MIN),
          clearedMinAgo === null ? null : new Date(N - clearedMinAgo * MIN),
        ]
      );
    await ev('FI006ES1BK1BS1', 'ALARM', 'overTempAlarm', null);
    await ev('FI006ES1BK1BS2', 'ALARM', 'overTempAlarm', 5);
    await ev('FI006ES1BK2BS1', 'WARNING', 'overTempWarning', null);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('every query answers in time-series shape: time, a numeric value, site and device labels', async () => {
    for (const r of rules) {
      const { rows } = await runRule(r.title);
      expect([r.title, rows.length > 0]).toEqual([r.title, true]);
      for (const row of rows) {
        expect(Object.keys(row).sort()).toEqual(['device', 'site', 'time', 'value']);
        expect(typeof row.site).toBe('string');
        expect(typeof row.device).toBe('string');
        expect(Number.isFinite(Number(row.value))).toBe(true);
        expect(row.time instanceof Date || Number.isFinite(Number(row.time))).toBe(true);
      }
    }
  });

  it('string alarm active: fires for the open ALARM event only', async () => {
    const { rule, rows } = await runRule('String alarm active');
    expect(rows).toHaveLength(STRINGS.length);
    expect(firing(rule, rows)).toEqual(['FI006ES1BK1BS1']);
  });

  it('cell voltage spread: fires for the string above 100 mV now, not for a past or out-of-range spread', async () => {
    const { rule, rows } = await runRule('Cell voltage spread above threshold');
    expect(firing(rule, rows)).toEqual(['FI006ES1BK2BS2']);
    const latest = rows.filter((r) => r.device === 'FI006ES1BK1BS1').map((r) => Number(r.value));
    expect(latest.every((v) => Math.abs(v - 30) < 1e-6)).toBe(true);
  });

  it('max cell temperature: fires above 45 °C, not at 45 °C', async () => {
    const { rule, rows } = await runRule('Max cell temperature above threshold');
    expect(firing(rule, rows)).toEqual(['FI006ES1BK1BS2']);
  });

  it('comms loss: fires after more than 3 poll intervals without a successful poll', async () => {
    const { rule, rows } = await runRule('Comms loss');
    expect(rows.map((r) => r.device).sort()).toEqual(['EE001ES1BK1BS1', 'FI006ES1', 'FI006ES1BK2BS1', 'FI006MT1']);
    const value = (d: string) => Number(rows.find((r) => r.device === d)!.value);
    // the SQL measures against the database's now(): the seconds since the data was written add to it
    const elapsedS = Number((await pool.query(`SELECT extract(epoch FROM now()) * 1000 AS t`)).rows[0].t - N) / 1000;
    expect(elapsedS).toBeLessThan(4);
    expect(value('FI006ES1BK2BS1')).toBeCloseTo((60 + elapsedS) / 2, 0);
    expect(value('EE001ES1BK1BS1')).toBeCloseTo((2 + elapsedS) / 2, 0);
    expect(value('FI006MT1')).toBeCloseTo(elapsedS / 1, 0);
    expect(value('FI006ES1')).toBeCloseTo(elapsedS / 60, 1);
    expect(firing(rule, rows)).toEqual(['FI006ES1BK2BS1']);
  });

  it('SOC outside window: fires above 95 % and below 5 %, not after a return into the window', async () => {
    const { rule, rows } = await runRule('SOC outside window');
    expect(firing(rule, rows)).toEqual(['EE001ES1BK1', 'FI006ES1BK1']);
  });
});
