/**
 * Load-test helpers of the query bench: latency percentiles, the API + ingest child process and an
 * autocannon run against POST /api/query.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';

/** Latency percentiles, ms. */
export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

/** p-quantile (nearest rank) of a list of ms. */
export function percentiles(ms: number[]): Percentiles {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { p50: round(q(0.5)), p95: round(q(0.95)), max: round(s[s.length - 1]) };
}
export const round = (x: number) => Math.round(x * 10) / 10;

/** The API + ingest child process (bench/query-server.ts). */
export async function startServerProcess(
  dbUrl: string,
  token: string
): Promise<{ port: number; stop(): Promise<number> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'query-server.ts'), dbUrl, token], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: join(__dirname, '..', '..'),
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`bench server exited with ${code}`));
    });
  });
  return {
    port,
    stop: () =>
      new Promise<number>((resolve) => {
        child.once('exit', () => resolve(Number(/INGESTED (\d+)/.exec(out)?.[1] ?? 0)));
        child.kill('SIGTERM');
      }),
  };
}

/** autocannon against POST /api/query cycling through `bodies`; latencies of every response. */
export async function loadTest(
  url: string,
  token: string,
  bodies: string[],
  connections: number,
  durationSec: number,
  connectionRate?: number
): Promise<Percentiles & { requests: number; errors: number; non2xx: number; rps: number }> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/api/query`,
        connections,
        ...(connectionRate ? { connectionRate } : {}),
        duration: durationSec,
        requests: bodies.map((body) => ({
          method: 'POST' as const,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        })),
      },
      (err, res) => (err ? reject(err) : resolve(res))
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  return {
    ...percentiles(latencies),
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    rps: round(result.requests.average),
  };
}
