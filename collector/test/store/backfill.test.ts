import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadRegisterMaps, parseSitesConfig, siteDevices } from '@openbess/model';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { backfill, DASHBOARD_METRICS } from '../../src/store/backfill';
import { migrate } from '../../src/store/migrate';
import { createPool, type StorePool } from '../../src/store/pool';
import { deviceSeries } from '../../src/store/registry';

/** History backfill with the simulator physics and the shipped maps: 1 day, re-run → same row count. */
jest.setTimeout(120_000);

const run = promisify(execFile);
const maps = loadRegisterMaps();
const SITE = {
  code: 'GB003',
  name: 'Backfill test site',
  modbus: { port: 15099 },
  blocks: 1,
  stringsPerBlock: 2,
  wind: { ratedKw: 3000 },
};
const sites = parseSitesConfig({ sites: [SITE] }, 'backfill-test.yaml', maps);
const END = Date.UTC(2024, 9, 2, 0, 0, 0);
let db: TestDatabase;
let pool: StorePool;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('openbess_store_b');
  pool = createPool(db.url, { max: 3 });
  await migrate(pool);
  dir = mkdtempSync(join(tmpdir(), 'openbess-backfill-'));
});
afterAll(async () => {
  await pool.end();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const rows = async () => Number((await pool.query('SELECT count(*) AS n FROM telemetry')).rows[0].n);

it('fills one day of 1-minute history for the dashboard metrics; a re-run adds nothing', async () => {
  // expected: one row per minute for every scalar dashboard series the maps define
  const wanted = new Set(DASHBOARD_METRICS);
  const series = siteDevices(sites[0])
    .flatMap((d) => deviceSeries(d, maps))
    .filter((s) => s.kind === 'scalar' && wanted.has(s.metric));
  expect(series.length).toBeGreaterThan(20);
  let progress = 0;
  const r1 = await backfill({ pool, sites, maps, days: 1, endMs: END, onProgress: (d) => (progress = d) });
  expect(r1.steps).toBe(1440);
  expect(progress).toBe(1440);
  expect(r1.paths.copy).toBeGreaterThan(0);
  expect(r1.paths.staging).toBe(0);
  expect(await rows()).toBe(1440 * series.length);
  const span = await pool.query<{ a: Date; b: Date; m: string }>(
    'SELECT min(time) AS a, max(time) AS b, count(DISTINCT series_id)::text AS m FROM telemetry'
  );
  expect(span.rows[0].a.getTime()).toBe(END - 86_400_000 + 60_000);
  expect(span.rows[0].b.getTime()).toBe(END);
  expect(Number(span.rows[0].m)).toBe(series.length);
  // physics, not noise: SOC of the BESS stays in range and moves over the day
  const soc = await pool.query<{ lo: number; hi: number }>(
    `SELECT min(t.value) AS lo, max(t.value) AS hi FROM telemetry t JOIN series s ON s.id = t.series_id
      WHERE s.device = 'GB003ES1' AND s.metric = 'stateOfCharge'`
  );
  expect(soc.rows[0].lo).toBeGreaterThanOrEqual(0);
  expect(soc.rows[0].hi).toBeLessThanOrEqual(100);
  expect(soc.rows[0].hi - soc.rows[0].lo).toBeGreaterThan(1);
  const latest = await pool.query<{ t: Date }>('SELECT max(time) AS t FROM latest');
  expect(latest.rows[0].t.getTime()).toBe(END);

  const r2 = await backfill({ pool, sites, maps, days: 1, endMs: END });
  expect(r2.paths.copy).toBe(0);
  expect(r2.paths.staging).toBeGreaterThan(0);
  expect(await rows()).toBe(1440 * series.length);
});

it('runs as a command (commander) and extends the history without duplicates', async () => {
  const before = await rows();
  const cfg = join(dir, 'sites.yaml');
  writeFileSync(cfg, JSON.stringify({ sites: [SITE] }));
  const end = new Date(END + 30 * 60_000).toISOString();
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'collector/src/cli/backfill.ts',
      '--config',
      cfg,
      '--days',
      '0.125',
      '--end',
      end,
      '--no-progress',
    ],
    {
      cwd: join(__dirname, '..', '..', '..'),
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      timeout: 90_000,
    }
  );
  expect(stdout).toMatch(/backfilled GB003/);
  // 3 h ending 30 min after END: 150 minutes overlap, 30 are new
  const perMinute = before / 1440;
  expect(await rows()).toBe(before + 30 * perMinute);
  const bad = await run(process.execPath, ['--import', 'tsx', 'collector/src/cli/backfill.ts', '--days', '-1'], {
    cwd: join(__dirname, '..', '..', '..'),
  }).catch((e: { code: number; stderr: string }) => e);
  expect((bad as { code: number }).code).not.toBe(0);
  expect((bad as { stderr: string }).stderr).toMatch(/--days must be a positive number/);
});
