/**
 * `npm run backfill -- [--days 30] [--all-metrics] [--config collector/config/demo.yaml]`: fills N days
 * of 1-minute history for the sites of a config with the simulator's physics, straight into the store
 * (DATABASE_URL, else the embedded database in .openbess/pgdata — stop `npm start` first: one process
 * per data directory). Re-running it adds no duplicate rows.
 */
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../db/embedded';
import { backfill } from '../store/backfill';
import { migrate } from '../store/migrate';
import { createPool } from '../store/pool';
import { createLogger, DEFAULT_CONFIG, DEFAULT_MAPS, loadConfigOrExit, STATE_DIR } from './common';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}"`);
  return n;
};

const time = (v: string) => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`not an ISO-8601 time: "${v}"`);
  return t;
};

async function main(): Promise<void> {
  const o = new Command('openbess-backfill')
    .description('Fills N days of 1-minute history for the sites of a config with the simulator physics')
    .option('--config <file>', 'site config (YAML)', DEFAULT_CONFIG)
    .option('--maps <dir>', 'register map directory', DEFAULT_MAPS)
    .option('--days <n>', 'days of history', positive('--days'), 30)
    .option('--step <seconds>', 'sample spacing in seconds', positive('--step'), 60)
    .option('--end <time>', 'end of the history (ISO-8601), default now', time)
    .option('--sites <codes>', 'only these site codes (comma-separated)')
    .option('--all-metrics', 'every metric of every map, cell arrays included (default: the dashboard metrics)')
    .option('--no-progress', 'no progress bar')
    .parse()
    .opts<{
      config: string;
      maps: string;
      days: number;
      step: number;
      end?: number;
      sites?: string;
      allMetrics?: boolean;
      progress: boolean;
    }>();
  const log = createLogger('backfill');
  const cfg = loadConfigOrExit(o.config, o.maps, log);
  let sites = cfg.sites;
  if (o.sites) {
    const want = new Set(o.sites.split(',').map((s) => s.trim()));
    const unknown = [...want].filter((c) => !sites.some((s) => s.code === c));
    if (unknown.length > 0) {
      process.stderr.write(`--sites: unknown site code(s) ${unknown.join(', ')} in ${o.config}\n`);
      process.exit(2);
    }
    sites = sites.filter((s) => want.has(s.code));
  }
  let embedded: EmbeddedDatabase | null = null;
  let url = process.env.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedDatabase({ dataDir: join(STATE_DIR, 'pgdata') });
    url = embedded.url;
  }
  const pool = createPool(url, { max: embedded ? embedded.recommendedPoolMax : 4, logger: log, statementTimeoutMs: 0 });
  const bar = o.progress
    ? new SingleBar(
        { format: 'backfill {site} |{bar}| {percentage}% {value}/{total} steps | ETA {eta_formatted}' },
        Presets.shades_classic
      )
    : null;
  try {
    await migrate(pool, { logger: log });
    let started = false;
    const r = await backfill({
      pool,
      sites,
      maps: cfg.maps,
      days: o.days,
      stepMs: o.step * 1000,
      allMetrics: !!o.allMetrics,
      logger: log,
      ...(o.end !== undefined ? { endMs: o.end } : {}),
      onProgress: (done, total, site) => {
        if (!bar) return;
        if (!started) {
          bar.start(total, 0, { site });
          started = true;
        }
        if (done % 60 === 0 || done === total) bar.update(done, { site });
      },
    });
    bar?.stop();
    process.stdout.write(
      `backfilled ${sites.map((s) => s.code).join(', ')}: ${new Date(r.startMs).toISOString()} .. ${new Date(r.endMs).toISOString()}, ` +
        `${r.points} points in ${r.paths.copy + r.paths.staging + r.paths.insert} transactions ` +
        `(${r.paths.staging} overlapped stored rows and skipped them)` +
        (r.aggregatesRefreshed ? `, ${r.aggregatesRefreshed} continuous aggregates refreshed` : '') +
        '\n'
    );
  } finally {
    bar?.stop();
    await pool.end();
    await embedded?.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`backfill failed: ${(e as Error).message}\n`);
  process.exit(1);
});
