/**
 * TEMPORARY stand-in for the OpenBESS API (collector/src/api) in the datasource's browser test, until the lead
 * points the test at the real API (see test/browser.test.ts: one line, `startApi`). It speaks the same contract
 * (model/src/api/query.ts): bearer token on every route, `GET /api/health`, `POST /api/query` with the
 * `{ from, to, queries }` body answered `{ results: { <refId>: { status, frames } } }` in data-frame JSON, for the
 * query types the query editor uses (variable, timeseries, latest). Values are fixed functions of time.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeApi {
  url: string;
  /** Every request seen: method, path, headers, parsed JSON body. */
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders; body?: unknown }>;
  close(): Promise<void>;
}

const SITES = [
  { code: 'FI006', name: 'Demo site' },
  { code: 'EE001', name: 'Tallinn' },
];
const DEVICES: Record<string, Array<{ id: string; name: string }>> = {
  FI006: [
    { id: 'FI006MT1', name: 'Grid meter' },
    { id: 'FI006ES1', name: 'BESS controller' },
    { id: 'FI006ES1BK1', name: 'Block 1' },
    { id: 'FI006ES1BK1BS1', name: 'Block 1 string 1' },
    { id: 'FI006ES1BK1BS2', name: 'Block 1 string 2' },
  ],
  EE001: [{ id: 'EE001MT1', name: 'Grid meter' }],
};
const METRICS = [
  { metric: 'activePower', unit: 'kW', grafana: 'kwatt', axis: 'left' },
  { metric: 'reactivePower', unit: 'kVAr', grafana: 'kvoltampreact', axis: 'left' },
  { metric: 'stateOfCharge', unit: '%', grafana: 'percent', axis: 'right' },
  { metric: 'frequency', unit: 'Hz', grafana: 'hertz', axis: 'right' },
];

const valueAt = (device: string, metric: string, t: number) =>
  Math.round((1000 * Math.sin(t / 3.6e6 + device.length) + (metric === 'stateOfCharge' ? 1050 : 0)) / 10) / 10;

const table = (refId: string, name: string, cols: Array<[string, string, unknown[]]>) => ({
  schema: { name, refId, fields: cols.map(([n, type]) => ({ name: n, type, config: {} })) },
  data: { values: cols.map(([, , v]) => v) },
});

type Q = Record<string, unknown> & { refId: string; queryType: string };
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function answer(q: Q, from: number, to: number) {
  switch (q.queryType) {
    case 'variable': {
      let rows: Array<{ text: string; value: string }> = [];
      if (q.variable === 'sites') rows = SITES.map((s) => ({ text: `${s.code} – ${s.name}`, value: s.code }));
      if (q.variable === 'devices')
        rows = list(q.site).flatMap((s) =>
          (DEVICES[s] ?? []).map((d) => ({ text: `${d.id} (${d.name})`, value: d.id }))
        );
      if (q.variable === 'metrics') rows = METRICS.map((m) => ({ text: `${m.metric} (${m.unit})`, value: m.metric }));
      return {
        status: 200,
        frames: [
          table(q.refId, 'variable', [
            ['text', 'string', rows.map((r) => r.text)],
            ['value', 'string', rows.map((r) => r.value)],
          ]),
        ],
      };
    }
    case 'timeseries': {
      const n = Math.min(Number(q.maxDataPoints ?? 100), 200);
      const frames = (q.series as Array<{ device: string; metric: string }>).map((s) => {
        const m = METRICS.find((x) => x.metric === s.metric) ?? METRICS[0];
        const times = Array.from({ length: n }, (_, i) => Math.round(from + ((to - from) * i) / (n - 1)));
        return {
          schema: {
            name: `${s.device} ${s.metric}`,
            refId: q.refId,
            fields: [
              { name: 'time', type: 'time', config: {} },
              {
                name: 'value',
                type: 'number',
                labels: { device: s.device, metric: s.metric },
                config: {
                  unit: m.grafana,
                  displayNameFromDS: `${s.device} ${s.metric}`,
                  custom: { axisPlacement: m.axis },
                },
              },
            ],
          },
          data: { values: [times, times.map((t) => valueAt(s.device, s.metric, t))] },
        };
      });
      return { status: 200, frames };
    }
    case 'latest': {
      const now = Date.now();
      const rows = list(q.devices).flatMap((d) =>
        (list(q.metrics).length ? list(q.metrics) : METRICS.map((m) => m.metric)).map((m) => ({ d, m }))
      );
      return {
        status: 200,
        frames: [
          table(q.refId, 'latest', [
            ['device', 'string', rows.map((r) => r.d)],
            ['metric', 'string', rows.map((r) => r.m)],
            ['value', 'number', rows.map((r) => valueAt(r.d, r.m, now))],
            ['time', 'time', rows.map(() => now)],
          ]),
        ],
      };
    }
    default:
      return { status: 400, error: `unsupported queryType ${q.queryType}` };
  }
}

/** Starts the TEMPORARY fake API on an ephemeral port; every route needs `Authorization: Bearer <token>`. */
export function startFakeApi(token: string): Promise<FakeApi> {
  const requests: FakeApi['requests'] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body });
      const send = (status: number, json: unknown) =>
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
      if (req.headers.authorization !== `Bearer ${token}`)
        return send(401, { error: 'missing or invalid bearer token' });
      if (req.url === '/api/health') {
        return send(200, {
          status: 'ok',
          database: { reachable: true, latencyMs: 1 },
          sites: SITES.map((s) => ({ ...s, devices: DEVICES[s.code].length, lastPollAt: null })),
        });
      }
      if (req.url === '/api/query' && req.method === 'POST') {
        const from = Number(body.from);
        const to = Number(body.to);
        const results = Object.fromEntries((body.queries as Q[]).map((q) => [q.refId, answer(q, from, to)]));
        return send(200, { results });
      }
      send(404, { error: `no route ${req.method} ${req.url}` });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    })
  );
}
