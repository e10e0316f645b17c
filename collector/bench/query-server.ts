/**
 * Child process of the load bench (bench/load.ts): the API plus a collector-like ingest (one batch
 * with every scalar series of the site per second, through the store's writer — rollups included)
 * in one Node process, as the collector service runs them, so the load generator does not share its
 * event loop.
 *
 * argv: <database url> <token>. Prints `PORT <n>` once listening and, on SIGTERM,
 * `INGESTED <batches> <write-time percentiles and failed writes as JSON|null>`.
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadRegisterMaps } from '@openbess/model';
import { createApiApp } from '../src/api/app';
import { createPool } from '../src/store/pool';
import { registerSites } from '../src/store/registry';
import { LatestValues } from '../src/store/latest-values';
import { createWriter } from '../src/store/writer';
import type { Sample } from '../src/types';
import { percentiles } from './load';
import { benchSite, scalarSeries } from './query-data';

async function main(): Promise<void> {
  const [url, token] = process.argv.slice(2);
  const pool = createPool(url, { max: 10 });
  const maps = loadRegisterMaps();
  const site = benchSite(maps);
  const registry = await registerSites(pool, [site], maps);
  // as the collector service: the writer keeps the in-memory latest values the API reads
  const latest = new LatestValues(pool);
  const writer = createWriter(pool, registry, { latest });
  const all = scalarSeries(site, maps);
  const app = createApiApp({ pool, sites: [site], token, logger: pino({ level: 'silent' }), maps, latest });
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
  });
  const writeMs: number[] = [];
  let failed = 0;
  // One writer at a time, as the collector's ingest worker: samples of the seconds that arrive while
  // a write is running go into the next write together.
  let pending: Sample[] = [];
  let busy = false;
  const flush = () => {
    if (busy || pending.length === 0) return;
    busy = true;
    const samples = pending;
    pending = [];
    writer
      .write({ samples, arrays: [], attributes: [], polls: [] })
      .then(
        (r) => writeMs.push(r.ms),
        (e: Error) => {
          // an ingest write failing under load is a figure to report, not a reason to stop serving
          failed++;
          process.stderr.write(`bench ingest write failed: ${e.message}\n`);
        }
      )
      .finally(() => {
        busy = false;
        flush();
      });
  };
  let t = Math.floor(Date.now() / 1000) * 1000;
  const timer = setInterval(() => {
    t += 1000;
    const time = t;
    for (let i = 0; i < all.length; i++) pending.push({ ...all[i], time, value: (i % 97) + (time % 1000) / 1000 });
    flush();
  }, 1000);
  process.on('SIGTERM', () => {
    clearInterval(timer);
    const p = writeMs.length ? JSON.stringify({ ...percentiles(writeMs), failed }) : 'null';
    process.stdout.write(`INGESTED ${writeMs.length} ${p}\n`);
    server.close(() => void pool.end().then(() => process.exit(0)));
  });
}

void main();
