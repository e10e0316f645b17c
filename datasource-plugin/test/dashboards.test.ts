/**
 * @jest-environment-options {"customExportConditions": ["node", "require", "default"]}
 *
 * The provisioned dashboards (provisioning/dashboards/openbess/**) end to end through this datasource: every
 * OpenBESS target and template-variable query of every dashboard, with the dashboard's variables set as a user
 * would set them, is turned into API queries by the plugin's own code (`toApiQueries`, `toVariableApiQuery`), and
 * the real API (collector `createApiApp` on a test database) answers each of them with 200.
 *
 * jsdom environment (the plugin's code needs @grafana/runtime, which needs `window`) resolving packages by their
 * node exports (the API's jose, pg, express); the API runs in the same process on node's own timers and http.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { clearImmediate, setImmediate } from 'node:timers';
import { join, resolve } from 'node:path';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { SimpleTemplateSrv, type SimpleVariable } from '../../plugin-config/browser/runtime/templateSrv';
import { setupApi, startApi, TOKEN, type ApiFixture, type RunningApi } from '../../collector/test/api/support/fixture';
import type { QueryResponse } from '@openbess/model/src/api/query';
import { toApiQueries, toVariableApiQuery } from '../src/queries';
import type { BessQuery, BessVariableQuery } from '../src/types';

const DIR = resolve(__dirname, '..', '..', 'provisioning', 'dashboards', 'openbess');
const OURS = 'openbess-telemetry-datasource';

interface Target extends BessQuery {
  datasource?: { type: string };
  [option: string]: unknown;
}

/** Query options the dashboards set that the plugin must pass to the API as they are (model/src/api/query.ts). */
const PASSED_THROUGH = ['scan', 'view', 'format', 'active', 'minSeverity', 'limit', 'registers', 'profile'];
interface Dashboard {
  uid: string;
  panels: Array<{ title: string; targets?: Target[]; panels?: Array<{ title: string; targets?: Target[] }> }>;
  templating: { list: Array<{ name: string; datasource?: { type: string }; query?: unknown }> };
  annotations?: { list: Array<{ datasource?: { type: string }; target?: Target }> };
}

const dashboards: Dashboard[] = readdirSync(DIR, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Dashboard);

/** The variables as a user of the test sites (FI006: 2 blocks × 2 strings, wind; EE001: solar) sets them. */
const VARIABLES: SimpleVariable[] = [
  { name: 'site', current: 'FI006', options: ['FI006', 'EE001'] },
  { name: 'allowed', current: ['FI006', 'EE001'], options: ['FI006', 'EE001'], multi: true },
  { name: 'device', current: 'FI006ES1BK1BS1', options: ['FI006ES1BK1BS1'] },
  { name: 'metric', current: ['activePower', 'stateOfCharge'], options: ['activePower', 'stateOfCharge'], multi: true },
  {
    name: 'node',
    current: '$__all',
    options: ['FI006MT1', 'FI006ES1', 'FI006WT1'],
    multi: true,
    includeAll: true,
  },
  { name: 'price', current: '80' },
  { name: 'target', current: '98' },
];

// jsdom leaves these out; pg and express use them.
Object.assign(globalThis, { setImmediate, clearImmediate });

/** POST /api/query over node's http (jsdom has no fetch). */
function postQuery(
  api: RunningApi,
  body: unknown
): Promise<{ status: number; body: QueryResponse & { error?: string } }> {
  return new Promise((resolveAnswer, reject) => {
    const req = request(
      `${api.url}/api/query`,
      { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      }
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

let fixture: ApiFixture;
let api: RunningApi;

beforeAll(async () => {
  fixture = await setupApi(1, 'openbess_dsdash');
  api = await startApi(fixture);
  setTemplateSrv(new SimpleTemplateSrv(VARIABLES) as unknown as TemplateSrv);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await fixture?.close();
});

test('every OpenBESS query of every provisioned dashboard is sent by the plugin and answered 200 by the API', async () => {
  const checked: string[] = [];
  const failures: Array<{ where: string; problem: unknown }> = [];
  for (const d of dashboards) {
    const targets: Array<{ where: string; target: Target }> = [];
    for (const p of d.panels.flatMap((x) => [x, ...(x.panels ?? [])]))
      for (const t of p.targets ?? [])
        if (t.datasource?.type === OURS) targets.push({ where: `${d.uid} / ${p.title}`, target: t });
    for (const a of d.annotations?.list ?? [])
      if (a.target && a.datasource?.type === OURS) targets.push({ where: `${d.uid} / annotation`, target: a.target });
    for (const { where, target } of targets) {
      checked.push(where);
      let queries;
      try {
        queries = toApiQueries(target, {}, { maxDataPoints: 500, intervalMs: 60_000 });
      } catch (e) {
        failures.push({ where, problem: `plugin: ${(e as Error).message}` });
        continue;
      }
      // Options of the query (not template fields) reach the API unchanged.
      for (const k of PASSED_THROUGH) {
        if (!(k in target)) continue;
        const lost = queries.filter(
          (q) => JSON.stringify((q as Record<string, unknown>)[k]) !== JSON.stringify(target[k])
        );
        if (lost.length)
          failures.push({ where, problem: `plugin dropped or changed \`${k}\`: ${JSON.stringify(lost)}` });
      }
      const r = await postQuery(api, { from: fixture.now - 3_600_000, to: fixture.now + 60_000, queries });
      const failed = Object.entries(r.body.results ?? {}).filter(([, v]) => v.status !== 200);
      if (r.status !== 200 || failed.length || r.body.error)
        failures.push({ where, problem: { status: r.status, error: r.body.error, failed } });
    }
    for (const v of d.templating.list) {
      if (v.datasource?.type !== OURS) continue;
      const where = `${d.uid} / $${v.name}`;
      checked.push(where);
      const q = toVariableApiQuery(v.query as BessVariableQuery);
      const r = await postQuery(api, { from: fixture.now - 3_600_000, to: fixture.now, queries: [q] });
      const values = (r.body.results?.[q.refId]?.frames?.[0]?.data.values[1] ?? []) as string[];
      if (r.status !== 200 || values.length === 0) failures.push({ where, problem: { status: r.status, values } });
    }
  }
  expect(failures).toEqual([]);
  expect(checked.length).toBeGreaterThanOrEqual(30);
});

test('the Commissioning node variable keeps the node devices of the API’s device list', async () => {
  const d = dashboards.find((x) => x.uid === 'openbess-commissioning')!;
  const node = d.templating.list.find((v) => v.name === 'node') as unknown as {
    query: BessVariableQuery;
    regex: string;
  };
  const r = await postQuery(api, {
    from: fixture.now - 3_600_000,
    to: fixture.now,
    queries: [toVariableApiQuery(node.query)],
  });
  const ids = r.body.results[node.query.refId].frames![0].data.values[1] as string[];
  const re = new RegExp(node.regex.slice(1, -1));
  expect(ids.filter((id) => re.test(id)).sort()).toEqual(['FI006ES1', 'FI006MT1', 'FI006WT1']);
});
