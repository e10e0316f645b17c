/**
 * Benchmarks of issue 4 (status registers), runnable alone — `node --import tsx collector/bench/status.ts` — or
 * from `npm run bench` through {@link runStatusBench}:
 *
 * 1. `status` for every string of the `large` site (20 blocks × 12 = 240 strings × all status registers), the
 *    query engine on the real PostgreSQL — p50/p95 of `runs` queries (target < 50 ms) — and the same over HTTP;
 * 2. `scan stringStatus` of the same site;
 * 3. the event recorder's cost per ingest flush: one batch with every status register of the site, half of
 *    the strings raising a bit, from notify() until the events are committed.
 * Against a throwaway database, written through the store.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadRegisterMaps, parseSitesConfig, querySchema, siteDevices, type SiteConfig } from '@openbess/model';
import { createApiApp } from '../src/api/app';
import { runQuery, type QueryContext } from '../src/api/query';
import { createEventRecorder } from '../src/events';
import { migrate } from '../src/store/migrate';
import { createPool } from '../src/store/pool';
import { registerSites } from '../src/store/registry';
import { createWriter } from '../src/store/writer';
import type { Sample } from '../src/types';
import { createTestDatabase } from '../test/support/db';

/** Figures of {@link runStatusBench}, ms. */
export interface StatusBenchResult {
  strings: number;
  statusRows: number;
  status: { p50: number; p95: number };
  statusHttp: { p50: number; p95: number };
  stringStatusScan: { p50: number; p95: number };
  recorderFlushMs: number;
  eventsRaised: number;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const round = (x: number) => Math.round(x * 10) / 10;

/** Runs the benchmark and prints one line per figure. */
export async function runStatusBench(runs = 30, log: (l: string) => void = console.log): Promise<StatusBenchResult> {
  const maps = loadRegisterMaps();
  const site: SiteConfig = parseSitesConfig(
    {
      sites: [
        {
          code: 'LG001',
          name: 'Bench large',
          modbus: { port: 15999 },
          blocks: 20,
          stringsPerBlock: 12,
          pollCells: false,
        },
      ],
    },
    'bench',
    maps
  )[0];
  const db = await createTestDatabase('openbess_bench_status');
  const pool = createPool(db.url, { max: 4 });
  try {
    await migrate(pool);
    const registry = await registerSites(pool, [site], maps);
    const writer = createWriter(pool, registry);
    const now = Date.now();
    const batch = (t: number, raise: boolean): Sample[] => {
      const out: Sample[] = [];
      for (const d of siteDevices(site))
        for (const src of d.sources)
          for (const p of maps.get(src.map)!.points)
            if ((p.type === 'bitfield16' || p.type === 'bitfield32') && p.kind === 'measurement') {
              let v = (p.bits ?? []).reduce((a, b) => a + (b.expected === 1 ? 2 ** b.bit : 0), 0);
              if (raise && d.profile === 'batteryString' && (d.string ?? 0) % 2 === 0 && p.metric === 'stringEvents')
                v += 2;
              out.push({ time: t, device: d.id, metric: p.metric, value: v });
            }
      return out;
    };
    await writer.write({ samples: batch(now - 2000, false), arrays: [], attributes: [], polls: [] });
    const ctx: QueryContext = {
      pool,
      maps,
      pyramid: async () => [],
      access: { user: null, role: 'admin', sites: 'all' },
      from: now - 3_600_000,
      to: now + 60_000,
      now: () => now,
    };
    const time = async (q: Record<string, unknown>) => {
      const parsed = querySchema.parse({ refId: 'A', ...q });
      const ms: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs + 3; i++) {
        const t0 = performance.now();
        const [f] = await runQuery(ctx, parsed);
        if (i >= 3) ms.push(performance.now() - t0);
        rows = f.data.values[0].length;
      }
      return { p50: round(pct(ms, 0.5)), p95: round(pct(ms, 0.95)), rows };
    };
    const status = await time({ queryType: 'status', site: 'LG001', profile: 'batteryString' });
    log(
      `status, 240 strings × all registers (${status.rows} rows): p50 ${status.p50} ms, p95 ${status.p95} ms (target < 50)`
    );
    const scan = await time({ queryType: 'scan', site: 'LG001', scan: 'stringStatus' });
    log(`scan stringStatus, 240 strings: p50 ${scan.p50} ms, p95 ${scan.p95} ms`);
    // over HTTP (express + JSON), the way Grafana's data proxy calls it
    const app = createApiApp({ pool, sites: [site], token: 'bench-token', logger: pino({ level: 'silent' }), maps });
    const server = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/query`;
    const body = JSON.stringify({
      from: now - 3_600_000,
      to: now + 60_000,
      queries: [{ refId: 'A', queryType: 'status', site: 'LG001', profile: 'batteryString' }],
    });
    const http: number[] = [];
    for (let i = 0; i < runs + 3; i++) {
      const t0 = performance.now();
      const r = await fetch(url, {
        method: 'POST',
        headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
        body,
      });
      await r.arrayBuffer();
      if (i >= 3) http.push(performance.now() - t0);
    }
    server.close();
    const statusHttp = { p50: round(pct(http, 0.5)), p95: round(pct(http, 0.95)) };
    log(`status over HTTP: p50 ${statusHttp.p50} ms, p95 ${statusHttp.p95} ms`);
    // recorder: one flush of every status register, half the strings raising overTempAlarm
    const rec = createEventRecorder({ pool, maps, logger: pino({ level: 'silent' }), sweepIntervalMs: 600_000 });
    await rec.catchUp();
    const b = { samples: batch(now, true), arrays: [], attributes: [], polls: [] };
    await writer.write(b);
    rec.start();
    await rec.idle();
    const t0 = performance.now();
    rec.notify(b);
    await rec.idle();
    const recorderFlushMs = round(performance.now() - t0);
    await rec.stop();
    const eventsRaised = Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
    log(
      `event recorder, one flush of ${b.samples.length} status samples (${eventsRaised} events raised): ${recorderFlushMs} ms`
    );
    return {
      strings: 240,
      statusRows: status.rows,
      status: { p50: status.p50, p95: status.p95 },
      statusHttp,
      stringStatusScan: { p50: scan.p50, p95: scan.p95 },
      recorderFlushMs,
      eventsRaised,
    };
  } finally {
    await pool.end();
    await db.drop();
  }
}

if (require.main === module) {
  runStatusBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
