/**
 * `npm start`: the demo. Starts the site simulator (its own process), the collector with its API
 * (its own process) and — when DATABASE_URL is unset — an embedded PostgreSQL (PGlite served over
 * the PostgreSQL wire protocol, in this process), then prints the API URL and token, each site's
 * Modbus endpoint and a live line per site. SIGTERM/SIGINT stop every child cleanly; a child that
 * dies, or a failure while starting, stops the others too (exit 1) so nothing is left orphaned.
 *
 * Environment: DATABASE_URL, OPENBESS_API_TOKEN (generated when unset), OPENBESS_API_PORT (3001),
 * OPENBESS_STATE_DIR (.openbess: embedded database, spool, logs), OPENBESS_ACCESS_FILE & co. (passed
 * to the collector, see cli/collector.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../db/embedded';
import type { SiteLatest } from '../api/routes/latest';
import {
  apiToken,
  DEFAULT_CONFIG,
  DEFAULT_MAPS,
  instant,
  loadConfigOrExit,
  portFromEnv,
  REPO_ROOT,
  STATE_DIR,
} from './common';
import { formatSummary, summarise } from './summary';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Grace period for a child to stop after SIGTERM before it is killed, ms. */
const STOP_GRACE_MS = 10_000;

const children: { name: string; child: ChildProcess }[] = [];
let embedded: EmbeddedDatabase | null = null;
let shuttingDown = false;

/**
 * Stops the children newest first (SIGTERM, SIGKILL after {@link STOP_GRACE_MS} each), then the embedded
 * database (after the collector, so its last flush lands), and exits with `code`. Runs once.
 */
async function shutdown(code: number, reason?: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (reason) process.stderr.write(`${reason}\n`);
  process.stdout.write('\nstopping…\n');
  // newest first: the collector flushes while the simulator still answers, then the simulator stops
  for (const { child } of [...children].reverse()) {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
  if (embedded)
    await embedded.stop().catch((e) => process.stderr.write(`embedded database: ${(e as Error).message}\n`));
  process.exit(code);
}

/** Starts `collector/src/cli/<script>` as a child process, its output appended to `<logDir>/<name>.log`. */
function startChild(
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logDir: string,
  onStdout?: (text: string) => void
): ChildProcess {
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'collector/src/cli', script), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // own process group: a terminal's Ctrl-C reaches only the demo, which stops the children in order
    detached: true,
  });
  child.stdout!.on('data', (d: Buffer) => {
    log.write(d);
    onStdout?.(d.toString());
  });
  // the last plain-text stderr line (start-up failures are printed as text, log records as JSON)
  let lastError = '';
  child.stderr!.on('data', (d: Buffer) => {
    log.write(d);
    const text = d
      .toString()
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('{'));
    if (text.length > 0) lastError = text[text.length - 1].slice(0, 500);
  });
  child.once('error', (e) => void shutdown(1, `${name} could not be started: ${e.message}`));
  child.once('exit', (code, signal) => {
    if (!shuttingDown)
      void shutdown(1, `${name} exited (${signal ?? code})${lastError ? `: ${lastError}` : ''}; see ${logFile}`);
  });
  children.push({ name, child });
  return child;
}

function speedArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const o = new Command('openbess-demo')
    .description('OpenBESS demo: simulator → Modbus TCP → collector → database, with the API')
    .option('--config <file>', 'site config (YAML)', DEFAULT_CONFIG)
    .option('--maps <dir>', 'register map directory', DEFAULT_MAPS)
    .option('--speed <x>', 'simulated seconds per second (faster SOC movement)', speedArg, 1)
    .option('--summary-every <seconds>', 'seconds between summary lines when stdout is not a terminal', speedArg, 10)
    .option('--start-time <iso>', "the simulator's time at start (ISO 8601; default now)", (v: string) => {
      instant(v);
      return v;
    })
    .parse()
    .opts<{ config: string; maps: string; speed: number; summaryEvery: number; startTime?: string }>();
  const { sites } = loadConfigOrExit(o.config, o.maps);
  const { token } = apiToken();
  const apiPort = portFromEnv('OPENBESS_API_PORT', 3001);
  const logDir = join(STATE_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGHUP', () => void shutdown(0));

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedDatabase({ dataDir: join(STATE_DIR, 'pgdata') });
    databaseUrl = embedded.url;
  }

  // the simulator prints "<code> Modbus TCP <host>:<port>" per site once it listens
  let simOut = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the simulator did not listen within 60 s; see ${join(logDir, 'simulator.log')}`)),
      60_000
    );
    const args = [
      ...['--config', o.config, '--maps', o.maps, '--speed', String(o.speed)],
      ...(o.startTime ? ['--start-time', o.startTime] : []),
    ];
    startChild('simulator', 'simulator.ts', args, {}, logDir, (t) => {
      simOut += t;
      if (sites.every((s) => simOut.includes(`${s.code} Modbus TCP `))) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  if (shuttingDown) return;
  startChild(
    'collector',
    'collector.ts',
    ['--config', o.config, '--maps', o.maps, ...(embedded ? ['--pool-max', String(embedded.recommendedPoolMax)] : [])],
    { DATABASE_URL: databaseUrl, OPENBESS_API_TOKEN: token, OPENBESS_API_PORT: String(apiPort) },
    logDir
  );
  const api = `http://127.0.0.1:${apiPort}`;
  const headers = { authorization: `Bearer ${token}` };
  const apiDeadline = Date.now() + 90_000;
  while (!shuttingDown) {
    const ok = await fetch(`${api}/api/health`, { headers, signal: AbortSignal.timeout(5000) }).then(
      (r) => r.ok,
      () => false
    );
    if (ok) break;
    if (Date.now() > apiDeadline)
      throw new Error(`the API did not answer on ${api} within 90 s; see ${join(logDir, 'collector.log')}`);
    await sleep(200);
  }
  if (shuttingDown) return;

  const out = process.stdout;
  out.write(`\nOpenBESS demo running\n`);
  out.write(`  API        ${api}   (Authorization: Bearer ${token})\n`);
  out.write(
    `  database   ${embedded ? `embedded PGlite (${embedded.url}, data in ${embedded.dataDir})` : databaseUrl.replace(/:[^:@/]*@/, ':***@')}\n`
  );
  for (const s of sites)
    out.write(
      `  Modbus     ${s.code} ${s.name}: modbus-tcp://${s.modbus.host}:${s.modbus.port} (BESS controller unit 1)\n`
    );
  if (o.speed !== 1) out.write(`  simulator  ${o.speed}× real time\n`);
  out.write(`  logs       ${logDir}\n  Ctrl-C to stop\n\n`);

  const tty = out.isTTY === true;
  let printed = 0;
  let lastPrint = 0;
  while (!shuttingDown) {
    const lines = await Promise.all(
      sites.map(async (s) => {
        try {
          const r = await fetch(`${api}/api/sites/${s.code}/latest?arrays=false`, {
            headers,
            signal: AbortSignal.timeout(10_000),
          });
          if (!r.ok) return `${s.code}  (API answered ${r.status})`;
          return formatSummary(summarise((await r.json()) as SiteLatest));
        } catch (e) {
          return `${s.code}  (API unreachable: ${(e as Error).message})`;
        }
      })
    );
    if (shuttingDown) break;
    if (tty) {
      if (printed) out.write(`\x1b[${printed}A`);
      for (const l of lines) out.write(`\x1b[2K${l}\n`);
      printed = lines.length;
    } else if (Date.now() - lastPrint >= o.summaryEvery * 1000 - 100) {
      lastPrint = Date.now();
      for (const l of lines) out.write(`${l}\n`);
    }
    await sleep(tty ? 2000 : Math.min(2000, o.summaryEvery * 1000));
  }
}

main().catch((e) => void shutdown(1, `demo failed: ${(e as Error).message}`));
