/**
 * @jest-environment node
 *
 * The harness server's emulation of Grafana's data proxy: plugin.json routes, template interpolation, headers.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { interpolateRoute, startHarnessServer, type HarnessServer } from '../browser/server';

let upstream: http.Server;
let upstreamUrl: string;
let seen: Array<{ url?: string; method?: string; headers: http.IncomingHttpHeaders; body: string }>;
let harness: HarnessServer;
let pluginDir: string;

beforeAll(async () => {
  seen = [];
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url, method: req.method, headers: req.headers, body });
      const status = req.url?.includes('deny') ? 401 : 200;
      res
        .writeHead(status, { 'Content-Type': 'application/json', 'Set-Cookie': 'a=b' })
        .end(JSON.stringify({ ok: status === 200 }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  pluginDir = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-'));
  fs.mkdirSync(path.join(pluginDir, 'dist', 'img'), { recursive: true });
  fs.writeFileSync(path.join(pluginDir, 'dist', 'module.js'), 'define([], function () { return {}; });');
  harness = await startHarnessServer({
    pluginDir,
    pluginId: 'acme-test-datasource',
    sharedDir: pluginDir,
    html: '<html></html>',
    datasourceUid: 'ds1',
    routes: [
      {
        path: 'api',
        url: '{{ .JsonData.apiUrl }}/api',
        headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }],
      },
      { path: 'other', method: 'GET', url: '{{ .JsonData.apiUrl }}/x' },
    ],
    jsonData: { apiUrl: '' },
    secureJsonData: { apiToken: 't0k' },
    grafanaUser: 'alice',
  });
});

afterAll(async () => {
  await harness.close();
  await new Promise<void>((r) => upstream.close(() => r()));
  fs.rmSync(pluginDir, { recursive: true, force: true });
});

test('interpolateRoute fills JsonData and SecureJsonData, missing keys become empty', () => {
  expect(interpolateRoute('{{ .JsonData.a }}/{{.SecureJsonData.b}}/{{ .JsonData.zz }}', { a: 'x' }, { b: 'y' })).toBe(
    'x/y/'
  );
});

test('a route whose URL template yields no valid URL answers 502 with the reason', async () => {
  const res = await fetch(`${harness.url}/api/datasources/proxy/uid/ds1/api/query`, { method: 'POST', body: '{}' });
  expect(res.status).toBe(502);
  expect(await res.json()).toEqual({ message: 'data proxy: route "api" has no valid URL (is jsonData set?)' });
});

test('with a real upstream: path, query, body, bearer header from secureJsonData, X-Grafana-User replaced, 401 → 400', async () => {
  const h = await startHarnessServer({
    pluginDir,
    pluginId: 'acme-test-datasource',
    sharedDir: pluginDir,
    html: '',
    datasourceUid: 'ds1',
    routes: [
      {
        path: 'api',
        url: '{{ .JsonData.apiUrl }}/api',
        headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }],
      },
    ],
    jsonData: { apiUrl: upstreamUrl },
    secureJsonData: { apiToken: 't0k' },
    grafanaUser: 'alice',
  });
  try {
    const res = await fetch(`${h.url}/api/datasources/proxy/uid/ds1/api/query?x=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Grafana-User': 'mallory', Cookie: 'grafana_session=s' },
      body: JSON.stringify({ q: 1 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ url: '/api/query?x=1', method: 'POST', body: '{"q":1}' });
    expect(last.headers.authorization).toBe('Bearer t0k');
    expect(last.headers['x-grafana-user']).toBe('alice');
    expect(last.headers.cookie).toBeUndefined();

    const denied = await fetch(`${h.url}/api/datasources/proxy/uid/ds1/api/deny`);
    expect(denied.status).toBe(400);
    const noRoute = await fetch(`${h.url}/api/datasources/proxy/uid/ds1/nothing`);
    expect(noRoute.status).toBe(404);
    const mod = await fetch(`${h.url}/public/plugins/acme-test-datasource/module.js`);
    expect(await mod.text()).toContain('define(');
    const escape = await fetch(`${h.url}/public/plugins/acme-test-datasource/..%2F..%2Fetc%2Fpasswd`);
    expect(escape.status).toBe(404);
  } finally {
    await h.close();
  }
});
