/**
 * The harness's tiny web server (node:http, ephemeral port on 127.0.0.1). It plays the parts of Grafana the page
 * needs:
 * - `/` the harness page (boot data, shared modules bundle, SystemJS + AMD extra),
 * - `/harness/*` the shared modules bundle, `/systemjs/*` SystemJS from node_modules,
 * - `/public/plugins/<id>/*` the plugin's dist/ (the URL Grafana serves plugins from),
 * - the data proxy `/api/datasources/proxy/uid/<uid>/<path>` and the app proxy `/api/plugin-proxy/<id>/<path>`:
 *   like Grafana's pkg/api/pluginproxy (ds_proxy.go `ApplyRoute`), the first plugin.json route whose `path`
 *   prefixes `<path>` (and whose `method` matches, if set) sends the request to the route `url` + the rest of the
 *   path, with `{{ .JsonData.x }}` / `{{ .SecureJsonData.x }}` interpolated in url and headers, Set-Cookie
 *   stripped, and an upstream 401 turned into 400 (Grafana does this so the browser does not log the user out).
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** One plugin.json route (subset). */
export interface PluginRoute {
  path: string;
  url?: string;
  method?: string;
  headers?: Array<{ name: string; content: string }>;
}

export interface HarnessServerOptions {
  /** Plugin folder (its dist/ is served). */
  pluginDir: string;
  pluginId: string;
  /** Directory of the shared modules bundle. */
  sharedDir: string;
  /** HTML of the page served at `/`. */
  html: string;
  /** Datasource uid for the data proxy path. */
  datasourceUid: string;
  routes: PluginRoute[];
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
  /** `@grafana/ui/dist/public` (icons served at /public/build/img/icons like Grafana's build). */
  grafanaUiPublicDir?: string;
  /** Forwarded as `X-Grafana-User` (Grafana's `send_user_header`). */
  grafanaUser?: string;
}

export interface HarnessServer {
  url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.md': 'text/markdown',
};

const SPINNER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2a10 10 0 1 0 10 10h-2a8 8 0 1 1-8-8z"/></svg>';

/** Go-template-like `{{ .JsonData.apiUrl }}` / `{{ .SecureJsonData.apiToken }}` interpolation. */
export function interpolateRoute(
  text: string,
  jsonData: Record<string, unknown>,
  secure: Record<string, string>
): string {
  return text.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g, (_m, scope: string, key: string) => {
    const v = scope === 'JsonData' ? jsonData[key] : secure[key];
    return v === undefined || v === null ? '' : String(v);
  });
}

function serveFile(res: http.ServerResponse, root: string, rel: string): void {
  const file = path.resolve(root, `.${path.posix.normalize(`/${decodeURIComponent(rel)}`)}`);
  if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${rel}`);
    return;
  }
  res.writeHead(200, {
    'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-store',
  });
  fs.createReadStream(file).pipe(res);
}

function proxy(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  proxyPath: string,
  search: string,
  opts: HarnessServerOptions
) {
  const method = (req.method ?? 'GET').toUpperCase();
  const route = opts.routes.find(
    (r) =>
      proxyPath.startsWith(r.path) && (!r.method || r.method.split(',').some((m) => m.trim().toUpperCase() === method))
  );
  if (!route || !route.url) {
    res
      .writeHead(404, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ message: `no route matches ${proxyPath}` }));
    return;
  }
  let target: URL;
  try {
    target = new URL(interpolateRoute(route.url, opts.jsonData, opts.secureJsonData));
  } catch {
    res
      .writeHead(502, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ message: `data proxy: route "${route.path}" has no valid URL (is jsonData set?)` }));
    return;
  }
  const rest = proxyPath.slice(route.path.length);
  target.pathname = `${target.pathname.replace(/\/$/, '')}/${rest.replace(/^\//, '')}`.replace(/\/$/, '') || '/';
  target.search = search;
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (!['host', 'cookie', 'connection', 'x-grafana-user', 'authorization'].includes(k)) {
      headers[k] = v;
    }
  }
  // BackendSrv sends Authorization as X-DS-Authorization through the proxy; Grafana restores it.
  const dsAuthorization = req.headers['x-ds-authorization'];
  if (typeof dsAuthorization === 'string') {
    headers.authorization = dsAuthorization;
    delete headers['x-ds-authorization'];
  }
  for (const h of route.headers ?? []) {
    headers[h.name.toLowerCase()] = interpolateRoute(h.content, opts.jsonData, opts.secureJsonData);
  }
  if (opts.grafanaUser) {
    headers['x-grafana-user'] = opts.grafanaUser;
  }
  const client = target.protocol === 'https:' ? https : http;
  const upstream = client.request(target, { method, headers }, (up) => {
    const outHeaders = { ...up.headers };
    delete outHeaders['set-cookie'];
    res.writeHead(up.statusCode === 401 ? 400 : (up.statusCode ?? 502), outHeaders);
    up.pipe(res);
  });
  upstream.on('error', (err) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'Content-Type': 'application/json' });
    }
    res.end(JSON.stringify({ message: `data proxy: ${err.message}` }));
  });
  req.pipe(upstream);
}

/** Starts the server on an ephemeral port. */
export function startHarnessServer(opts: HarnessServerOptions): Promise<HarnessServer> {
  const systemjsDir = path.dirname(require.resolve('systemjs/dist/system.js'));
  const dsPrefix = `/api/datasources/proxy/uid/${opts.datasourceUid}/`;
  const appPrefix = `/api/plugin-proxy/${opts.pluginId}/`;
  const pluginPrefix = `/public/plugins/${opts.pluginId}/`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://harness');
    const p = url.pathname;
    if (p === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (p === '/' || p === '/index.html') {
      res.writeHead(200, { 'Content-Type': MIME['.html'], 'Cache-Control': 'no-store' }).end(opts.html);
    } else if (p.startsWith('/harness/')) {
      serveFile(res, opts.sharedDir, p.slice('/harness/'.length));
    } else if (p === '/systemjs/system.js') {
      serveFile(res, systemjsDir, 'system.js');
    } else if (p === '/systemjs/amd.js') {
      serveFile(res, path.join(systemjsDir, 'extras'), 'amd.js');
    } else if (p.endsWith('/icons/unicons/spinner.svg')) {
      // Grafana's build adds this icon; @grafana/ui's package lacks it.
      res.writeHead(200, { 'Content-Type': MIME['.svg'] }).end(SPINNER_SVG);
    } else if (p.startsWith('/public/build/img/') && opts.grafanaUiPublicDir) {
      serveFile(res, path.join(opts.grafanaUiPublicDir, 'img'), p.slice('/public/build/img/'.length));
    } else if (p.startsWith('/public/fonts/')) {
      // Grafana's Inter/Roboto Mono files are not in any npm package: answer empty, the page uses system fonts.
      res.writeHead(204).end();
    } else if (p.startsWith(pluginPrefix)) {
      serveFile(res, path.join(opts.pluginDir, 'dist'), p.slice(pluginPrefix.length));
    } else if (p.startsWith(dsPrefix)) {
      proxy(req, res, p.slice(dsPrefix.length), url.search, opts);
    } else if (p.startsWith(appPrefix)) {
      proxy(req, res, p.slice(appPrefix.length), url.search, opts);
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: `not found: ${p}` }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
