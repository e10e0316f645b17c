/**
 * Child processes of the benches (collector/bench/run.ts): free ports, the CLIs of collector/src/cli
 * started with the node flags of their npm scripts, stopping them, and their CPU and memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'collector', 'src', 'cli');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Node flags of a CLI as the package.json script of the same name runs it (`npm run collector` →
 * `node --max-semi-space-size=4 --import tsx collector/src/cli/collector.ts`), so the bench measures
 * the process as shipped; `--import tsx` when there is no such script.
 */
function nodeFlagsOf(script: string): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const words = (scripts[script.replace(/\.ts$/, '')] ?? '').split(/\s+/);
  const at = words.findIndex((w) => w.endsWith(`cli/${script}`));
  return words[0] === 'node' && at > 0 ? words.slice(1, at) : ['--import', 'tsx'];
}

/** Starts a CLI of collector/src/cli as a child process; resolves once stdout matches `ready`. */
export async function startCli(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp | null,
  timeoutMs = 120_000
): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [...nodeFlagsOf(script), join(CLI, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  if (ready) {
    const until = Date.now() + timeoutMs;
    while (!ready.test(out)) {
      if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}): ${err.slice(-2000)}`);
      if (Date.now() > until) throw new Error(`${script} not ready after ${timeoutMs} ms: ${err.slice(-2000)}`);
      await sleep(100);
    }
  }
  return { child, stderr: () => err };
}

/** SIGTERM, then SIGKILL after 20 s; resolves once the child has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(t);
}

/** CPU seconds (user + system) a process has used so far (/proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** VmRSS and VmHWM of a process, MB. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}
