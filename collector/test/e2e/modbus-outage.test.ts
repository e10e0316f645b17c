import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseSitesConfig } from '@openbess/model';
import { startCollectorService, type CollectorService } from '../../src/service';
import { startSimulator, type Simulator } from '../../src/simulator';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { freePort, getJson, shippedMaps, sleep, waitFor } from './helpers';

/**
 * The site's Modbus server (the simulator's gateway, real TCP) is stopped mid-run and started again on
 * the same port, with the collector service writing into the real PostgreSQL: the outage is stored as
 * a gap (no telemetry rows for the failed ticks, never a stale value) with failed poll_log records and
 * device_quality counters, and polling resumes after the restart.
 */
jest.setTimeout(120_000);

const TOKEN = 'e2e-outage-token';
const OUTAGE_MS = 4000;
const maps = shippedMaps();
let db: TestDatabase;
let sim: Simulator;
let svc: CollectorService;
let spoolDir: string;

beforeAll(async () => {
  db = await createTestDatabase('openbess_e2e_mb');
  spoolDir = mkdtempSync(join(tmpdir(), 'openbess-e2e-mb-'));
  const config = (port: number) =>
    parseSitesConfig(
      {
        sites: [{ code: 'GB003', name: 'outage', modbus: { host: '127.0.0.1', port }, blocks: 1, stringsPerBlock: 2 }],
      },
      'e2e.yaml',
      maps
    );
  const sites = config(await freePort());
  sim = await startSimulator({ sites, maps });
  svc = await startCollectorService({
    databaseUrl: db.url,
    sites,
    maps,
    token: TOKEN,
    apiPort: 0,
    spoolDir,
    poolMax: 3,
    timeoutMs: 300,
    logger: pino({ level: 'silent' }),
  });
  await svc.ready;
});

afterAll(async () => {
  await svc?.stop();
  await sim?.stop();
  await db?.drop();
  rmSync(spoolDir, { recursive: true, force: true });
});

interface PollRow {
  t: number;
  ok: boolean;
  error: string | null;
}

it('a stopped Modbus server is a gap with data-quality records; polling resumes after the restart', async () => {
  const q = <T extends object>(sql: string, args: unknown[] = []) => svc.pool.query<T>(sql, args).then((r) => r.rows);
  const polls = () =>
    q<PollRow>(
      `SELECT (extract(epoch FROM time) * 1000)::bigint::float8 AS t, ok, error FROM poll_log
        WHERE device = 'GB003ES1' AND poll_group = 'fast' ORDER BY time`
    );
  await waitFor('good polls stored', async () => (await polls()).filter((p) => p.ok).length >= 3, 60_000);

  await sim.stopSite('GB003');
  const stoppedAt = Date.now();
  await sleep(OUTAGE_MS);
  await sim.startSite('GB003');
  const restartedAt = Date.now();
  await waitFor(
    'polling to resume',
    async () => (await polls()).filter((p) => p.ok && p.t > restartedAt).length >= 3,
    60_000
  );

  const rows = await polls();
  const failed = rows.filter((p) => !p.ok);
  // one failed record per 1 s tick of the outage (the tick in flight at the stop may still succeed)
  expect(failed.length).toBeGreaterThanOrEqual(Math.floor(OUTAGE_MS / 1000) - 1);
  for (const p of failed) {
    expect(p.t).toBeGreaterThanOrEqual(stoppedAt - 1000);
    expect(p.t).toBeLessThanOrEqual(restartedAt + 1000);
    expect(p.error).toMatch(/ECONNREFUSED|connection lost|not connected|closed|timed out/i);
  }
  // every tick has exactly one record, ok or failed: the gap is exact
  for (let i = 1; i < rows.length; i++) expect(rows[i].t - rows[i - 1].t).toBe(1000);

  // the gap: no telemetry for the failed ticks (never a stale value), values before and after
  const values = await q<{ t: number }>(
    `SELECT (extract(epoch FROM t.time) * 1000)::bigint::float8 AS t FROM telemetry t JOIN series s ON s.id = t.series_id
      WHERE s.device = 'GB003ES1' AND s.metric = 'activePower' ORDER BY t.time`
  );
  const valueTimes = new Set(values.map((v) => v.t));
  for (const p of failed) expect(valueTimes.has(p.t)).toBe(false);
  for (const p of rows.filter((r) => r.ok)) expect(valueTimes.has(p.t)).toBe(true);
  expect(values.some((v) => v.t < stoppedAt)).toBe(true);
  expect(values.some((v) => v.t > restartedAt)).toBe(true);

  // per-device data quality
  const [dq] = await q<{
    polls_ok: number;
    polls_failed: number;
    last_error: string | null;
    last_error_at: Date | null;
    last_ok_at: Date;
  }>(`SELECT * FROM device_quality WHERE device = 'GB003ES1' AND poll_group = 'fast'`);
  expect(Number(dq.polls_failed)).toBe(failed.length);
  expect(Number(dq.polls_ok)).toBe(rows.length - failed.length);
  expect(dq.last_error).toEqual(expect.any(String));
  expect(dq.last_error_at!.getTime()).toBe(failed.at(-1)!.t);
  expect(dq.last_ok_at.getTime()).toBeGreaterThan(restartedAt);

  // the API's health shows the site polled again
  const health = await getJson<{ sites: { code: string; lastPollAt: string | number | null }[] }>(
    `http://127.0.0.1:${svc.apiPort}/api/health`,
    TOKEN
  );
  const lastPollAt = health.sites.find((s) => s.code === 'GB003')!.lastPollAt;
  expect(new Date(lastPollAt!).getTime()).toBeGreaterThan(restartedAt);
});
