import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { parseSitesConfig } from '@openbess/model';
import { readRecords } from '../../src/ingest/record';
import { spoolFiles } from '../../src/ingest/spool';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startPrivatePostgres, type PrivatePostgres } from '../support/pg-cluster';
import { attributePoints, freePort, getJson, shippedMaps, sleep, startCli, waitFor, type CliProcess } from './helpers';

/**
 * The database outage, end to end: simulator (real Modbus TCP) → collector process (the CLI) →
 * a private PostgreSQL cluster that is stopped for about 60 s. 20 s into the outage the collector is
 * killed with SIGKILL and started again on the same spool directory; when PostgreSQL is back:
 * - everything the killed process had spooled arrives (its outage ticks are in poll_log),
 * - stored points = Σ points of the successful polls in poll_log (nothing lost, nothing twice),
 * - per series, rows were inserted in time order, and the spool is empty.
 */
const OUTAGE_MS = Number(process.env.E2E_OUTAGE_MS ?? 60_000);
const KILL_AFTER_MS = OUTAGE_MS / 3;
jest.setTimeout(OUTAGE_MS + 150_000);

const TOKEN = 'e2e-db-outage';
const maps = shippedMaps();
let pg: PrivatePostgres;
let sim: Simulator;
let dir: string;
let collector: CliProcess | null = null;

const siteDoc = (port: number) => ({
  sites: [{ code: 'GB003', name: 'db outage', modbus: { host: '127.0.0.1', port }, blocks: 1, stringsPerBlock: 2 }],
});

beforeAll(async () => {
  pg = await startPrivatePostgres();
  dir = mkdtempSync(join(tmpdir(), 'openbess-e2e-pg-'));
  const port = await freePort();
  sim = await startSimulator({ sites: parseSitesConfig(siteDoc(port), 'e2e.yaml', maps), maps });
  writeFileSync(join(dir, 'site.yaml'), stringify(siteDoc(port)));
});

afterAll(async () => {
  if (collector && collector.child.exitCode === null && collector.child.signalCode === null)
    collector.child.kill('SIGKILL');
  await sim?.stop();
  await pg?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Points in the spool segments on disk (intact records only). */
function spooledPoints(spoolDir: string): number {
  let n = 0;
  for (const f of spoolFiles(spoolDir)) {
    for (const b of readRecords(readFileSync(f.file)).batches)
      n += b.samples.length + b.attributes.length + b.arrays.reduce((k, a) => k + a.values.length, 0);
  }
  return n;
}

it('a 60 s PostgreSQL outage with a SIGKILLed collector loses nothing that was spooled and stores every point once', async () => {
  const apiPort = await freePort();
  const spoolDir = join(dir, 'spool');
  const env = {
    DATABASE_URL: pg.url,
    OPENBESS_API_TOKEN: TOKEN,
    OPENBESS_API_PORT: String(apiPort),
    OPENBESS_SPOOL_DIR: spoolDir,
    OPENBESS_STATE_DIR: join(dir, 'state'),
  };
  const args = ['--config', join(dir, 'site.yaml'), '--pool-max', '3'];
  const health = () =>
    getJson<{
      database: { reachable: boolean };
      sites: { code: string; pointsBuffered: number; pointsWritten: number }[];
    }>(`http://127.0.0.1:${apiPort}/api/health`, TOKEN);
  const db = new Client({ connectionString: pg.url });
  const count = async (sql: string) => {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      return Number((await c.query(sql)).rows[0].n);
    } finally {
      await c.end();
    }
  };

  collector = startCli('collector.ts', args, env);
  await waitFor('rows in the database', () => count('SELECT count(*) AS n FROM telemetry').catch(() => 0), 90_000, 500);

  await pg.stop();
  const stoppedAt = Date.now();
  await sleep(KILL_AFTER_MS);
  const spooled = spooledPoints(spoolDir);
  expect(spooled).toBeGreaterThan(0); // the outage goes to disk, not only to memory
  collector.child.kill('SIGKILL');
  await collector.exited;
  const killedAt = Date.now();

  collector = startCli('collector.ts', args, env);
  await waitFor('the restarted collector’s API', () => health(), 60_000, 500);
  await sleep(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
  await pg.start();
  let h: Awaited<ReturnType<typeof health>> | null = null;
  await waitFor(
    'the buffer to drain',
    async () => {
      h = await health();
      // spool replayed; what is in memory (the last second of polls) is flushed by the SIGTERM below
      return h.database.reachable && h.sites[0].pointsWritten > 0 && spoolFiles(spoolDir).length === 0;
    },
    120_000,
    500
  ).catch((e: Error) => {
    throw new Error(
      `${e.message}; health ${JSON.stringify(h)}; spool ${JSON.stringify(spoolFiles(spoolDir))}; collector log:\n${collector!.stderr().slice(-3000)}`
    );
  });
  collector.child.kill('SIGTERM');
  expect((await collector.exited).code).toBe(0);
  collector = null;

  await db.connect();
  try {
    const q = async <T extends object>(sql: string) => (await db.query<T>(sql)).rows;
    // the killed process's outage ticks (spooled) are stored: a record for every 1 s tick of the BESS
    // controller between the stop and ~1 s before the kill (what was still in memory then is lost)
    const during = await q<{ n: string }>(
      `SELECT count(*) AS n FROM poll_log WHERE device = 'GB003ES1' AND poll_group = 'fast'
          AND time > to_timestamp(${stoppedAt / 1000}) AND time <= to_timestamp(${(killedAt - 2500) / 1000})`
    );
    expect(Number(during[0].n)).toBeGreaterThanOrEqual(Math.floor((killedAt - 2500 - stoppedAt) / 1000) - 1);

    // stored points == Σ points of the successful polls (attributes are kept as newest value only)
    const attrs = attributePoints();
    const polls = await q<{ map: string; poll_group: string; points: string; n: string }>(
      `SELECT map, poll_group, sum(points) AS points, count(*) AS n FROM poll_log WHERE ok GROUP BY 1, 2`
    );
    const expected = polls.reduce(
      (s, p) => s + Number(p.points) - (attrs.get(`${p.map}|${p.poll_group}`) ?? 0) * Number(p.n),
      0
    );
    const stored =
      (await count('SELECT count(*) AS n FROM telemetry')) +
      (await count('SELECT coalesce(sum(cardinality(value)), 0) AS n FROM telemetry_array'));
    expect(stored).toBe(expected);
    expect(stored).toBeGreaterThan(spooled);

    // per series, insertion order is time order (replay kept the order across the kill)
    const rows = await q<{ series_id: number; t: number }>(
      'SELECT series_id, extract(epoch FROM time)::float8 AS t FROM telemetry ORDER BY ctid'
    );
    const last = new Map<number, number>();
    let backwards = 0;
    for (const r of rows) {
      if ((last.get(r.series_id) ?? -1) >= r.t) backwards++;
      last.set(r.series_id, r.t);
    }
    expect(backwards).toBe(0);
  } finally {
    await db.end();
  }
});
