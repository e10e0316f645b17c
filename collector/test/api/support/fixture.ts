import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import {
  loadRegisterMaps,
  type QueryResponse,
  parseSitesConfig,
  siteDevices,
  type RegisterMap,
  type SiteConfig,
} from '@openbess/model';
import { createApiApp, type ApiOptions } from '../../../src/api/app';
import { migrate } from '../../../src/store/migrate';
import { createPool, type StorePool } from '../../../src/store/pool';
import { registerSites, type SeriesRegistry } from '../../../src/store/registry';
import { createWriter } from '../../../src/store/writer';
import type { Sample, SampleBatch } from '../../../src/types';
import { createTestDatabase, type TestDatabase } from '../../support/db';

/** API token the tests send. */
export const TOKEN = 'test-token-0123456789';
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/**
 * Two small sites with the shipped register maps: FI006 (2 blocks × 2 strings, wind, TMEIC PCS) and
 * EE001 (1 block × 2 strings, solar, vendor-B PCS whose raw power sign is inverted by its map).
 * Cells are not polled (keeps the series count small).
 */
export function testSites(maps: Map<string, RegisterMap>): SiteConfig[] {
  return parseSitesConfig(
    {
      sites: [
        {
          code: 'FI006',
          name: 'Test Finland',
          modbus: { port: 15020 },
          blocks: 2,
          stringsPerBlock: 2,
          pollCells: false,
          wind: { ratedKw: 10000 },
        },
        {
          code: 'EE001',
          name: 'Test Estonia',
          modbus: { port: 15021 },
          blocks: 1,
          stringsPerBlock: 2,
          pollCells: false,
          solar: { ratedKw: 5000 },
          maps: { pcs: 'pcs-vendorb' },
        },
      ],
    },
    'test-sites',
    maps
  );
}

/** Series with 1-minute history, per site (device suffix → metric). */
export const HISTORY: [string, string][] = [
  ['MT1', 'activePower'],
  ['MT1', 'frequency'],
  ['ES1', 'activePower'],
  ['ES1', 'stateOfCharge'],
  ['ES1BK1', 'activePower'],
  ['ES1BK1BS1', 'stateOfCharge'],
];

/** Deterministic 1-minute signal of a series (kW swinging through charge and discharge, SOC, Hz). */
export function signal(metric: string, t: number, k: number): number {
  const h = t / 3_600_000;
  switch (metric) {
    case 'frequency':
      return 50 + 0.05 * Math.sin(h * 3 + k);
    case 'stateOfCharge':
      return 50 + 40 * Math.sin(h / 4 + k);
    default:
      return Math.round(2000 * Math.sin(h / 2 + k) * 10) / 10;
  }
}

/** What {@link setupApi} built. */
export interface ApiFixture {
  db: TestDatabase;
  pool: StorePool;
  maps: Map<string, RegisterMap>;
  sites: SiteConfig[];
  registry: SeriesRegistry;
  /** History range: [from, to) epoch ms, 1-minute samples. */
  from: number;
  to: number;
  /** Injected spike: FI006MT1 activePower at `spike.time`. */
  spike: { time: number; value: number; device: string; metric: string };
  /** Time of the "current" batch giving every scalar series a latest value. */
  now: number;
  /** Raw history as written, per "device metric". */
  raw: Map<string, { t: number[]; v: number[] }>;
  close(): Promise<void>;
}

/**
 * A throwaway database with the store's schema (`migrate`), the two test sites registered
 * (`registerSites`) and data written through the store's writer: `days` of 1-minute history for
 * {@link HISTORY} series of both sites (with one injected spike), and one batch at `now` for every
 * scalar series so latest values and the tree are populated.
 */
export async function setupApi(days = 3, prefix = 'openbess_api'): Promise<ApiFixture> {
  const db = await createTestDatabase(prefix);
  const pool = createPool(db.url, { max: 6 });
  await migrate(pool);
  const maps = loadRegisterMaps();
  const sites = testSites(maps);
  const registry = await registerSites(pool, sites, maps);
  const writer = createWriter(pool, registry);
  const now = Date.now();
  const to = Math.floor((now - DAY) / MINUTE) * MINUTE;
  const from = to - days * DAY;
  const spike = {
    time: from + Math.floor(days / 2) * DAY + 777 * MINUTE,
    value: 98765.4,
    device: 'FI006MT1',
    metric: 'activePower',
  };
  const raw = new Map<string, { t: number[]; v: number[] }>();
  let k = 0;
  for (const site of sites) {
    for (const [suffix, metric] of HISTORY) {
      const device = `${site.code}${suffix}`;
      const s = { t: [] as number[], v: [] as number[] };
      for (let t = from; t < to; t += MINUTE) {
        s.t.push(t);
        s.v.push(
          device === spike.device && metric === spike.metric && t === spike.time ? spike.value : signal(metric, t, k)
        );
      }
      raw.set(`${device} ${metric}`, s);
      k++;
    }
  }
  // Write a day at a time (≈ 17 k samples per batch).
  for (let d0 = from; d0 < to; d0 += DAY) {
    const samples: Sample[] = [];
    for (const [key, s] of raw) {
      const [device, metric] = key.split(' ');
      for (let i = 0; i < s.t.length; i++)
        if (s.t[i] >= d0 && s.t[i] < d0 + DAY) samples.push({ time: s.t[i], device, metric, value: s.v[i] });
    }
    await writer.write({ samples, arrays: [], attributes: [], polls: [] });
  }
  const current: SampleBatch = { samples: [], arrays: [], attributes: [], polls: [] };
  for (const site of sites) {
    for (const d of siteDevices(site)) {
      for (const src of d.sources) {
        for (const p of maps.get(src.map)!.points) {
          if (p.kind !== 'measurement') continue;
          // charging power on EE001 (negative = charging, generator convention, already signed at ingest)
          const value = p.metric === 'activePower' && site.code === 'EE001' ? -1234.5 : 42;
          current.samples.push({ time: now, device: d.id, metric: p.metric, value });
        }
      }
    }
  }
  await writer.write(current);
  await writer.close(); // the latest tables as of the last write
  return {
    db,
    pool,
    maps,
    sites,
    registry,
    from,
    to,
    spike,
    now,
    raw,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

/** A running API server on an ephemeral port. */
export interface RunningApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts `createApiApp` on 127.0.0.1:0 with the fixture's pool and sites. */
export async function startApi(f: ApiFixture, extra: Partial<ApiOptions> = {}): Promise<RunningApi> {
  const app = createApiApp({
    pool: f.pool,
    sites: f.sites,
    token: TOKEN,
    logger: pino({ level: 'silent' }),
    maps: f.maps,
    ...extra,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A /api/query answer: results, or `error` for a whole-request failure. */
export type ApiAnswer = QueryResponse & { error?: string };

/** POSTs a JSON body to /api/query with the bearer token and extra headers. */
export async function postQuery(
  api: RunningApi,
  body: unknown,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: ApiAnswer }> {
  const r = await fetch(`${api.url}/api/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: ApiAnswer;
  try {
    parsed = JSON.parse(text) as ApiAnswer;
  } catch {
    parsed = { results: {}, error: `non-JSON answer: ${text.slice(0, 200)}` };
  }
  return { status: r.status, body: parsed };
}
