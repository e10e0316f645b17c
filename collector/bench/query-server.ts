/**
 * Child process of the query bench: the API plus a collector-like ingest (one batch with every scalar
 * series of the site per second, through the store's writer) in one Node process, as the collector
 * service runs them — so the load generator does not share its event loop.
 *
 * argv: <database url> <token>. Prints `PORT <n>` once listening and `INGESTED <batches>` on SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadRegisterMaps } from '@openbess/model';
import { createApiApp } from '../src/api/app';
import { createPool } from '../src/store/pool';
import { registerSites } from '../src/store/registry';
import { createWriter } from '../src/store/writer';
import { benchSite, scalarSeries } from './query';

async function main(): Promise<void> {
  const [url, token] = process.argv.slice(2);
  const pool = createPool(url, { max: 10 });
  const maps = loadRegisterMaps();
  const site = benchSite(maps);
  const registry = await registerSites(pool, [site], maps);
  const writer = createWriter(pool, registry);
  const all = scalarSeries(site, maps);
  const app = createApiApp({ pool, sites: [site], token, logger: pino({ level: 'silent' }), maps });
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
  });
  let batches = 0;
  let t = Math.floor(Date.now() / 1000) * 1000;
  const timer = setInterval(() => {
    t += 1000;
    const time = t;
    void writer
      .write({
        samples: all.map((s, i) => ({ ...s, time, value: (i % 97) + (time % 1000) / 1000 })),
        arrays: [],
        attributes: [],
        polls: [],
      })
      .then(() => batches++);
  }, 1000);
  process.on('SIGTERM', () => {
    clearInterval(timer);
    process.stdout.write(`INGESTED ${batches}\n`);
    server.close(() => void pool.end().then(() => process.exit(0)));
  });
}

void main();
