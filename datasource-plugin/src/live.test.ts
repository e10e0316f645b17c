import { dateTime, LoadingState, type DataFrame, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { SimpleTemplateSrv } from '../../plugin-config/browser/runtime/templateSrv';
import { createDatasource, installFakeBackend, tableFrame, type ApiQueryBody, type FakeBackend } from './test-utils';
import type { BessQuery } from './types';

const HOUR = 3600_000;
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const SERIES = [
  { device: 'FI006ES1BK1', metric: 'activePower' },
  { device: 'FI006ES1BK1', metric: 'stateOfCharge' },
];

/** History: one point per 10 min over the hour before T0; latest: value = minutes since T0 at "now". */
function answer(q: ApiQueryBody, body: { from: number; to: number }) {
  if (q.queryType === 'timeseries') {
    const frames = (q.series as typeof SERIES).map((s) => {
      const times = Array.from({ length: 7 }, (_, i) => body.from + i * 10 * 60_000);
      return {
        schema: {
          name: `${s.device} ${s.metric}`,
          refId: q.refId,
          fields: [
            { name: 'time', type: 'time' as const },
            {
              name: 'value',
              type: 'number' as const,
              labels: s,
              config: { unit: s.metric === 'activePower' ? 'kwatt' : 'percent' },
            },
          ],
        },
        data: { values: [times, times.map(() => -1)] },
      };
    });
    return { status: 200, frames };
  }
  if (q.queryType === 'latest') {
    const now = Date.now();
    const devices = q.devices as string[];
    const metrics = q.metrics as string[];
    const rows = devices.flatMap((d) => metrics.map((m) => [d, m] as const));
    return {
      status: 200,
      frames: [
        tableFrame(q.refId, {
          device: ['string', rows.map((r) => r[0])],
          metric: ['string', rows.map((r) => r[1])],
          value: ['number', rows.map(() => (now - T0) / 60_000)],
          time: ['time', rows.map(() => now)],
        }),
      ],
    };
  }
  return { status: 400, error: 'unexpected' };
}

function request(targets: BessQuery[]): DataQueryRequest<BessQuery> {
  const to = dateTime(T0);
  const from = dateTime(T0 - HOUR);
  return {
    requestId: 'Q1',
    interval: '1m',
    intervalMs: 60_000,
    maxDataPoints: 500,
    range: { from, to, raw: { from, to } },
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: T0,
  } as DataQueryRequest<BessQuery>;
}

const liveQuery: BessQuery = { refId: 'A', queryType: 'timeseries', series: SERIES, live: true, liveIntervalSec: 5 };
const count = (b: FakeBackend, type: string) =>
  b.requests.filter((r) => (r.data as { queries: ApiQueryBody[] }).queries.some((q) => q.queryType === type)).length;
const times = (f: DataFrame) => f.fields[0].values as number[];
const values = (f: DataFrame) => f.fields[1].values as number[];

let backend: FakeBackend;
beforeEach(() => {
  jest.useFakeTimers({ now: T0 });
  backend = installFakeBackend(answer);
  setTemplateSrv(new SimpleTemplateSrv() as unknown as TemplateSrv);
});
afterEach(() => jest.useRealTimers());

test('live mode streams history, then appends polled latest values every N s, keyed by refId', async () => {
  const got: DataQueryResponse[] = [];
  const sub = createDatasource()
    .query(request([liveQuery]))
    .subscribe((r) => got.push(r));
  await jest.advanceTimersByTimeAsync(0);
  expect(got).toHaveLength(1);
  expect(got[0]).toMatchObject({ key: 'A', state: LoadingState.Streaming });
  expect(got[0].data).toHaveLength(2);
  expect(values(got[0].data[0])).toEqual([-1, -1, -1, -1, -1, -1, -1]);
  expect(got[0].data[0].fields[1].config.unit).toBe('kwatt');

  await jest.advanceTimersByTimeAsync(5000);
  expect(count(backend, 'latest')).toBe(1);
  const polled = backend.requests[1].data as { queries: ApiQueryBody[] };
  expect(polled.queries[0]).toMatchObject({
    queryType: 'latest',
    devices: ['FI006ES1BK1'],
    metrics: ['activePower', 'stateOfCharge'],
  });
  const second = got[got.length - 1];
  expect(second.state).toBe(LoadingState.Streaming);
  expect(times(second.data[0]).at(-1)).toBe(T0 + 5000);
  expect(values(second.data[1]).at(-1)).toBeCloseTo(5000 / 60_000);

  await jest.advanceTimersByTimeAsync(10_000);
  expect(count(backend, 'latest')).toBe(3);
  expect(times(got[got.length - 1].data[0]).slice(-3)).toEqual([T0 + 5000, T0 + 10_000, T0 + 15_000]);
  sub.unsubscribe();
});

test('frames are trimmed to the dashboard window as time moves on', async () => {
  const got: DataQueryResponse[] = [];
  const sub = createDatasource()
    .query(request([{ ...liveQuery, liveIntervalSec: 60 }]))
    .subscribe((r) => got.push(r));
  await jest.advanceTimersByTimeAsync(0);
  expect(times(got[0].data[0])[0]).toBe(T0 - HOUR);
  await jest.advanceTimersByTimeAsync(25 * 60_000);
  const last = got[got.length - 1].data[0];
  const now = T0 + 25 * 60_000;
  expect(times(last)[0]).toBeGreaterThanOrEqual(now - HOUR);
  expect(times(last)[0]).toBe(T0 - 30 * 60_000);
  expect(times(last).at(-1)).toBe(now);
  sub.unsubscribe();
});

test('after unsubscribe no further fetch happens and a poll in flight is cancelled', async () => {
  const sub = createDatasource()
    .query(request([liveQuery]))
    .subscribe(() => {});
  await jest.advanceTimersByTimeAsync(0);
  await jest.advanceTimersByTimeAsync(5000); // poll #1 answered
  jest.advanceTimersByTime(5000); // poll #2 sent, its answer not yet delivered
  expect(count(backend, 'latest')).toBe(2);
  expect(backend.inFlight()).toBe(1);

  sub.unsubscribe();
  expect(backend.inFlight()).toBe(0);
  const before = backend.requests.length;
  await jest.advanceTimersByTimeAsync(60_000);
  expect(backend.requests.length).toBe(before);
  expect(jest.getTimerCount()).toBe(0);
});

test('a failed poll is reported in the stream and polling goes on', async () => {
  let fail = false;
  backend = installFakeBackend((q, body) =>
    fail && q.queryType === 'latest' ? { status: 500, error: 'database down' } : answer(q, body)
  );
  const got: DataQueryResponse[] = [];
  const sub = createDatasource()
    .query(request([liveQuery]))
    .subscribe((r) => got.push(r));
  await jest.advanceTimersByTimeAsync(0);
  fail = true;
  await jest.advanceTimersByTimeAsync(5000);
  expect(got[got.length - 1]).toMatchObject({ state: LoadingState.Streaming, error: { message: 'database down' } });
  fail = false;
  await jest.advanceTimersByTimeAsync(5000);
  expect(got[got.length - 1].error).toBeUndefined();
  expect(times(got[got.length - 1].data[0]).at(-1)).toBe(T0 + 10_000);
  sub.unsubscribe();
});

test('without live the query answers once (Done) and starts no timer', async () => {
  const got: DataQueryResponse[] = [];
  createDatasource()
    .query(request([{ ...liveQuery, live: false }]))
    .subscribe((r) => got.push(r));
  await jest.advanceTimersByTimeAsync(0);
  expect(got).toHaveLength(1);
  expect(got[0]).toMatchObject({ key: 'A', state: LoadingState.Done });
  await jest.advanceTimersByTimeAsync(60_000);
  expect(backend.requests).toHaveLength(1);
});
