/**
 * The real OpenBESS API (collector/src/api `createApiApp`) on a test database, behind a thin recorder so the
 * browser test can check what reached the API (headers added by the data proxy route, bodies, statuses).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { createApiApp } from '../../../collector/src/api/app';
import { TOKEN, type ApiFixture } from '../../../collector/test/api/support/fixture';

/** One request the API received, with the status it answered. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  status?: number;
}

/** A running API on 127.0.0.1 with every request recorded. */
export interface RecordingApi {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts `createApiApp` (token {@link TOKEN}, token-only identity: the token holder sees every site) on the
 * fixture's pool, sites and maps, on an ephemeral port.
 */
export async function startRecordingApi(f: ApiFixture): Promise<RecordingApi> {
  const requests: RecordedRequest[] = [];
  const outer = express();
  // Parse JSON here to record the body; the API's own express.json skips an already parsed body.
  outer.use(express.json({ limit: '1mb' }));
  outer.use((req, res, next) => {
    const r: RecordedRequest = { method: req.method, path: req.path, headers: { ...req.headers }, body: req.body };
    requests.push(r);
    res.on('finish', () => (r.status = res.statusCode));
    next();
  });
  outer.use(
    createApiApp({ pool: f.pool, sites: f.sites, maps: f.maps, token: TOKEN, logger: pino({ level: 'silent' }) })
  );
  const server = await new Promise<Server>((resolve) => {
    const s = outer.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
