import { dateTime, LoadingState, type DataQueryRequest } from '@grafana/data';
import { setBackendSrv, setTemplateSrv, type BackendSrv, type TemplateSrv } from '@grafana/runtime';
import { firstValueFrom, throwError } from 'rxjs';
import { SimpleTemplateSrv } from '../../plugin-config/browser/runtime/templateSrv';
import { createDatasource, installFakeBackend, variableFrame } from './test-utils';
import type { BessQuery } from './types';

const range = { from: dateTime(1_780_000_000_000), to: dateTime(1_780_003_600_000) };
const request = (targets: BessQuery[]) =>
  ({
    requestId: 'r',
    range: { ...range, raw: range },
    targets,
    scopedVars: {},
    intervalMs: 60_000,
    maxDataPoints: 300,
  }) as unknown as DataQueryRequest<BessQuery>;

beforeEach(() =>
  setTemplateSrv(
    new SimpleTemplateSrv([{ name: 'site', current: ['FI006', 'EE001'], options: [] }]) as unknown as TemplateSrv
  )
);

test('a per-query API error becomes that query’s error (refId, message), other queries keep their frames', async () => {
  const backend = installFakeBackend((q) =>
    q.queryType === 'tree'
      ? { status: 403, error: 'site EE001 not granted' }
      : { status: 200, frames: [variableFrame(q.refId, [['a', 'b']])] }
  );
  const ds = createDatasource();
  const tree = await firstValueFrom(ds.query(request([{ refId: 'T', queryType: 'tree', site: 'EE001' }])));
  expect(tree).toMatchObject({
    key: 'T',
    state: LoadingState.Error,
    error: { refId: 'T', message: 'site EE001 not granted', status: 403 },
  });
  const latest = await firstValueFrom(ds.query(request([{ refId: 'L', queryType: 'latest', site: '$site' }])));
  expect(latest.state).toBe(LoadingState.Done);
  expect(latest.data[0].refId).toBe('L');
  const sent = backend.requests[1].data as { from: number; to: number; queries: unknown[] };
  expect(sent).toEqual({
    from: 1_780_000_000_000,
    to: 1_780_003_600_000,
    queries: [{ refId: 'L', queryType: 'latest', site: ['FI006', 'EE001'], maxDataPoints: 300, intervalMs: 60_000 }],
  });
});

test('metricFindQuery returns the variable frame as { text, value }', async () => {
  installFakeBackend((q) => ({
    status: 200,
    frames: [
      variableFrame(q.refId, [
        ['Block 1', 'FI006ES1BK1'],
        ['Block 2', 'FI006ES1BK2'],
      ]),
    ],
  }));
  await expect(createDatasource().metricFindQuery({ refId: 'v', variable: 'blocks', site: 'FI006' })).resolves.toEqual([
    { text: 'Block 1', value: 'FI006ES1BK1' },
    { text: 'Block 2', value: 'FI006ES1BK2' },
  ]);
});

test('health check: success lists the sites; a rejected token (401 → 400 by the proxy) says to check the token', async () => {
  const backend = installFakeBackend(() => ({ status: 200 }), {
    status: 'ok',
    database: { reachable: true, latencyMs: 3 },
    sites: [{ code: 'FI006', name: 'Demo', devices: 20, lastPollAt: null }],
  });
  await expect(createDatasource().testDatasource()).resolves.toEqual({
    status: 'success',
    message: 'OpenBESS API OK: 1 site(s) (FI006), database 3 ms',
  });
  expect(backend.requests[0].url).toBe('/api/datasources/proxy/uid/bess/api/health');

  setBackendSrv({
    fetch: () => throwError(() => ({ status: 400, data: { error: 'missing or invalid bearer token' }, config: {} })),
  } as unknown as BackendSrv);
  const failed = await createDatasource().testDatasource();
  expect(failed.status).toBe('error');
  expect(failed.message).toMatch(/HTTP 400: missing or invalid bearer token — check the API token/);
});

test('degraded API (database unreachable) fails the health check with the reason', async () => {
  installFakeBackend(() => ({ status: 200 }), {
    status: 'degraded',
    database: { reachable: false, error: 'ECONNREFUSED' },
    sites: [],
  });
  await expect(createDatasource().testDatasource()).resolves.toEqual({
    status: 'error',
    message: 'OpenBESS API reachable but degraded: database ECONNREFUSED',
  });
});
