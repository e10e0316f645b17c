/**
 * `npm start`: the demo. Starts the site simulator (its own process), the collector with its API
 * (its own process) and — when DATABASE_URL is unset — an embedded PostgreSQL (PGlite served over
 * the PostgreSQL wire protocol), then prints the API URL and token, each site's Modbus endpoint and
 * a live line per site. SIGTERM/SIGINT stop every child cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Command } from 'commander';
import { startEmbeddedDatabase } from '../db/embedded';
import type { SiteLatest } from '../api/routes/latest';
import { apiToken, DEFAULT_CONFIG, DEFAULT_MAPS, loadConfigOrExit, portFromEnv, REPO_ROOT, STATE_DIR } from './common';
import { formatSummary, summarise } from './summary';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when host:port accepts TCP connections; rejects after timeoutMs. */
async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const o = new Command('openbess-demo')
    .description('OpenBESS demo: simulator → Modbus TCP → collector → database, with the API')
    .option('--config <file>', 'site config (YAML)', DEFAULT_CONFIG)
    .option('--maps <dir>', 'register map directory', DEFAULT_MAPS)
    .parse()
    .opts<{ config: string; maps: string }>();
  const { sites } = loadConfigOrExit(o.config, o.maps);
  const { token } = apiToken();
  const apiPort = portFromEnv('OPENBESS_API_PORT', 3001);
  const logDir = join(STATE_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });

  let databaseUrl = process.env.DATABASE_URL;
  let embedded: Awaited<ReturnType<typeof startEmbeddedDatabase>> | null = null;
  if (!databaseUrl) {
    embedded = await startEmbeddedDatabase({ dataDir: join(STATE_DIR, 'pgdata') });
    databaseUrl = embedded.url;
  }

  const children: ChildProcess[] = [];
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stdout.write('\nstopping…\n');
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            c.kill('SIGTERM');
          })
      )
    );
    if (embedded) await embedded.stop();
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  const start = (name: string, script: string, args: string[], env: NodeJS.ProcessEnv) => {
    const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'collector/src/cli', script), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.once('exit', (code, signal) => {
      if (!shuttingDown) {
        process.stderr.write(`${name} exited (${signal ?? code}); see ${join(logDir, `${name}.log`)}\n`);
        void shutdown(1);
      }
    });
    children.push(child);
    return child;
  };

  start('simulator', 'simulator.ts', ['--config', o.config, '--maps', o.maps], {});
  for (const s of sites) await waitForPort(s.modbus.host, s.modbus.port, 30_000);
  start(
    'collector',
    'collector.ts',
    ['--config', o.config, '--maps', o.maps, ...(embedded ? ['--pool-max', String(embedded.recommendedPoolMax)] : [])],
    { DATABASE_URL: databaseUrl, OPENBESS_API_TOKEN: token, OPENBESS_API_PORT: String(apiPort) }
  );
  const api = `http://127.0.0.1:${apiPort}`;
  const headers = { authorization: `Bearer ${token}` };
  for (let i = 0; ; i++) {
    const ok = await fetch(`${api}/api/health`, { headers }).then(
      (r) => r.ok,
      () => false
    );
    if (ok) break;
    if (i > 150) throw new Error(`the API did not come up on ${api}; see ${join(logDir, 'collector.log')}`);
    await sleep(200);
  }

  const out = process.stdout;
  out.write(`\nOpenBESS demo running\n`);
  out.write(`  API        ${api}   (Authorization: Bearer ${token})\n`);
  out.write(`  database   ${embedded ? `embedded PGlite (${embedded.url})` : databaseUrl.replace(/:[^:@/]*@/, ':***@')}\n`);
  for (const s of sites) out.write(`  Modbus     ${s.code} ${s.name}: modbus-tcp://${s.modbus.host}:${s.modbus.port} (BESS controller unit 1)\n`);
  out.write(`  logs       ${logDir}\n  Ctrl-C to stop\n\n`);

  const tty = out.isTTY === true;
  let printed = 0;
  for (let tick = 0; !shuttingDown; tick++) {
    const lines = await Promise.all(
      sites.map(async (s) => {
        try {
          const r = await fetch(`${api}/api/sites/${s.code}/latest?arrays=false`, { headers });
          if (!r.ok) return `${s.code}  (API answered ${r.status})`;
          return formatSummary(summarise((await r.json()) as SiteLatest));
        } catch (e) {
          return `${s.code}  (API unreachable: ${(e as Error).message})`;
        }
      })
    );
    if (tty) {
      if (printed) out.write(`\x1b[${printed}A`);
      for (const l of lines) out.write(`\x1b[2K${l}\n`);
      printed = lines.length;
    } else if (tick % 5 === 0) {
      for (const l of lines) out.write(`${l}\n`);
    }
    await sleep(2000);
  }
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
  process.exit(1);
});
