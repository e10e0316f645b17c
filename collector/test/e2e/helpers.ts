import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadRegisterMaps, type RegisterMap } from '@openbess/model';

/** End-to-end helpers: real child processes of the CLIs, free ports, site configs on disk. */

export const ROOT = join(__dirname, '..', '..', '..');
export const CLI_DIR = join(ROOT, 'collector', 'src', 'cli');
export const MAPS_DIR = join(ROOT, 'model', 'maps');
export const DEMO_CONFIG = join(ROOT, 'collector', 'config', 'demo.yaml');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (listen on 0, read it back, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Copies a site config with every site's Modbus port replaced by a free one (so tests never collide). */
export async function configWithFreePorts(src: string, dest: string): Promise<{ file: string; ports: number[] }> {
  const doc = parse(readFileSync(src, 'utf8')) as { sites: { modbus: { port: number } }[] };
  const ports: number[] = [];
  for (const s of doc.sites) {
    s.modbus.port = await freePort();
    ports.push(s.modbus.port);
  }
  writeFileSync(dest, stringify(doc));
  return { file: dest, ports };
}

/** A CLI child process with its collected output. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout matches; rejects when the process exits first or after timeoutMs. */
  waitForStdout(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

/** Starts `collector/src/cli/<script>` with tsx, like `npm start` does. */
export function startCli(script: string, args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(CLI_DIR, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForStdout(re, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before ${re}: ${err.slice(-2000)}`);
        if (Date.now() > until) throw new Error(`${script}: no ${re} within ${timeoutMs} ms: ${err.slice(-2000)}`);
        await sleep(100);
      }
    },
  };
}

/** Polls `fn` until it returns a truthy value; rejects with `what` after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs: number, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

/** GET a JSON API route with the bearer token. @throws Error on a non-2xx answer */
export async function getJson<T>(url: string, token: string): Promise<T> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Pids of the direct children of a process (from /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid … — comm may contain spaces: parse after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Whether a process exists (and is not a zombie). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

let maps: Map<string, RegisterMap> | null = null;
/** The shipped register maps (loaded once). */
export function shippedMaps(): Map<string, RegisterMap> {
  maps ??= loadRegisterMaps(MAPS_DIR);
  return maps;
}

/**
 * Attribute points per (map, poll group): a poll counts them in `PollRecord.points`, but the store keeps
 * only the newest attribute value (table `attribute`), not one row per poll.
 */
export function attributePoints(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [id, m] of shippedMaps())
    for (const p of m.points)
      if (p.kind === 'attribute') out.set(`${id}|${p.group}`, (out.get(`${id}|${p.group}`) ?? 0) + 1);
  return out;
}
