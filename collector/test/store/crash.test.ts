import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createIngest } from '../../src/ingest/pipeline';
import { readRecords } from '../../src/ingest/record';
import { spoolFiles } from '../../src/ingest/spool';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { registerSites } from '../../src/store/registry';
import { batchPoints, fixtureMaps, fixtureSites } from './fixtures/site';

/**
 * Crash safety: a collector process spooling during a database outage is killed with SIGKILL; a new
 * ingest on the same spool directory stores every point that reached the spool, except a record
 * deliberately torn at the end of the last segment, which is skipped and counted.
 */
jest.setTimeout(90_000);

const maps = fixtureMaps();
const sites = fixtureSites(['FI006'], maps);
let db: TestDatabase;
let pool: StorePool;
let spoolDir: string;

beforeAll(async () => {
  db = await createTestDatabase('openbess_store_c');
  pool = createPool(db.url, { max: 3 });
  await migrate(pool);
  spoolDir = mkdtempSync(join(tmpdir(), 'openbess-crash-'));
});
afterAll(async () => {
  await pool.end();
  await db.drop();
  rmSync(spoolDir, { recursive: true, force: true });
});

/** Runs the child until it reports READY, lets it spool a little longer, then SIGKILLs it. */
async function runAndKill(dir: string, batches: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'fixtures', 'spool-child.ts'), dir, String(batches)],
    {
      cwd: join(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before READY: ${err}`)));
  });
  await new Promise((r) => setTimeout(r, 400));
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
  return ready;
}

it('replays what a SIGKILLed process spooled; a torn last record is skipped', async () => {
  const ready = await runAndKill(spoolDir, 30);
  const files = spoolFiles(spoolDir);
  expect(files.length).toBeGreaterThan(0);
  // count what the dead process left on disk (intact records only)
  const scan = () => {
    let points = 0;
    let torn = 0;
    for (const f of spoolFiles(spoolDir)) {
      const r = readRecords(readFileSync(f.file));
      points += r.batches.reduce((n, b) => n + batchPoints(b), 0);
      torn += r.torn;
    }
    return { points, torn };
  };
  const spooled = scan().points;
  expect(spooled).toBeGreaterThanOrEqual(ready);
  // tear the last intact record of the last non-empty segment: cut it 3 bytes short
  const last = [...files].reverse().find((f) => readRecords(readFileSync(f.file)).batches.length > 0)!;
  const lr = readRecords(readFileSync(last.file));
  const lastPoints = batchPoints(lr.batches[lr.batches.length - 1]);
  truncateSync(last.file, lr.lastEnd - 3);
  const after = scan();
  const expected = spooled - lastPoints;
  expect(after.points).toBe(expected);
  expect(after.torn).toBeGreaterThanOrEqual(1);

  const registry = await registerSites(pool, sites, maps);
  const ingest = createIngest({
    pool,
    registry,
    spoolDir,
    flushIntervalMs: 50,
    maxBatchPoints: 5000,
    logger: pino({ level: 'silent' }),
  });
  expect(ingest.stats().pointsSpooled).toBe(expected);
  expect(ingest.stats().tornRecords).toBe(after.torn);
  await ingest.drain(60_000);
  const st = ingest.stats();
  expect(st.pointsWritten).toBe(expected);
  const stored =
    Number((await pool.query('SELECT count(*) AS n FROM telemetry')).rows[0].n) +
    Number((await pool.query('SELECT coalesce(sum(cardinality(value)), 0) AS n FROM telemetry_array')).rows[0].n);
  expect(stored).toBe(expected);
  expect(spoolFiles(spoolDir)).toEqual([]);
  await ingest.close();
});
