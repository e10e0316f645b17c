import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Directory of the PostgreSQL 15 server binaries (Debian layout), overridable with PG_BIN. */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL cluster for tests that stop and start the server. */
export interface PrivatePostgres {
  /** Connection string of the `postgres` database (user postgres, trust auth). */
  url: string;
  port: number;
  /** Data directory. */
  dir: string;
  /** Stops the server (fast shutdown: clients are disconnected) and waits until it is down. */
  stop(): Promise<void>;
  /** Starts the server again on the same data directory and port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server if running and deletes the data directory. */
  destroy(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it back, close). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the `postgres` OS user when we are root (initdb refuses root). */
async function pgRun(bin: string, args: string[]): Promise<string> {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const file = asRoot ? 'runuser' : join(PG_BIN, bin);
  const argv = asRoot ? ['-u', 'postgres', '--', join(PG_BIN, bin), ...args] : args;
  try {
    const { stdout } = await run(file, argv, { timeout: 60_000 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string; stdout?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

/**
 * Creates and starts a private PostgreSQL 15 cluster: `initdb` (trust auth, UTF8, C locale) in a
 * fresh temp directory owned by `postgres`, then `pg_ctl start` on an ephemeral port, listening on
 * 127.0.0.1 with its unix socket in the temp directory. fsync is off (test data only). Use it for
 * outage tests (`stop()` / `start()`) without disturbing the shared server other tests use.
 *
 * @throws Error with the tool's output when initdb or pg_ctl fails (e.g. PostgreSQL 15 not installed)
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'openbess-pg-'));
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    `-c listen_addresses=127.0.0.1`,
    `-c fsync=off`,
    `-c shared_buffers=32MB`,
    `-c max_connections=30`,
  ].join(' ');
  let running = false;
  const start = async () => {
    await pgRun('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'server.log'), '-o', opts]);
    running = true;
  };
  const stop = async () => {
    await pgRun('pg_ctl', ['stop', '-w', '-t', '60', '-m', 'fast', '-D', data]);
    running = false;
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir: data,
    stop,
    start,
    async destroy() {
      if (running && existsSync(join(data, 'postmaster.pid'))) await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
