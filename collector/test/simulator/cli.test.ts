import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePoint } from '@openbess/model';
import { mapScaleFactors } from '../../src/simulator';
import { MAPS, mbpoll, pointOf, registersOf } from './helpers';

/** The simulator CLI as its own process (`node --import tsx collector/src/cli/simulator.ts`). */

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'collector', 'src', 'cli', 'simulator.ts');
const dir = mkdtempSync(join(tmpdir(), 'openbess-sim-cli-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], untilStdout?: RegExp, onReady?: (out: string) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    let fired = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (untilStdout && onReady && !fired && untilStdout.test(stdout)) {
        fired = true;
        onReady(stdout).then(
          () => child.kill('SIGTERM'),
          (e) => {
            child.kill('SIGKILL');
            reject(e);
          }
        );
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** A free TCP port from the OS (listen on 0, read, close). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('serves the configured site, prints its endpoint and stops cleanly on SIGTERM (exit 0)', async () => {
  const port = await freePort();
  const cfg = write(
    'ok.yaml',
    `sites:\n  - { code: GB003, name: CLI test, modbus: { host: 127.0.0.1, port: ${port} }, blocks: 1, stringsPerBlock: 2 }\n`
  );
  let soc = -1;
  const run = await runCli(['--config', cfg], /GB003 Modbus TCP/, async () => {
    const p = pointOf('bess-controller', 'stateOfCharge');
    const r = await mbpoll(port, ['-a', '1', '-r', String(p.address), '-c', '1', '-t', '4:hex']);
    soc = decodePoint(
      p,
      registersOf(r, p.address, 1),
      p.address,
      mapScaleFactors(MAPS.get('bess-controller')!)
    ) as number;
  });
  expect(run.stdout).toContain(`GB003 Modbus TCP 127.0.0.1:${port}`);
  expect(soc).toBeGreaterThan(40); // default initial SOC 55 %
  expect(soc).toBeLessThan(70);
  expect(run.code).toBe(0);
});

test.each([
  [
    'a bad site code',
    `sites:\n  - { code: GB3, name: x, modbus: { port: 15000 }, blocks: 1, stringsPerBlock: 2 }\n`,
    /bad-1\.yaml: sites\[0\] \(x\)\.code: site codes/,
  ],
  [
    'a map that does not exist',
    `sites:\n  - { code: GB003, name: x, modbus: { port: 15000 }, blocks: 1, stringsPerBlock: 2, maps: { pcs: pcs-nobody } }\n`,
    /bad-2\.yaml: sites\[0\] \(GB003\)\.maps\.pcs: no register map "pcs-nobody"/,
  ],
  [
    'a scheduled fault on a string the site does not have',
    `sites:\n  - code: GB003\n    name: x\n    modbus: { port: 15000 }\n    blocks: 1\n    stringsPerBlock: 2\n    simulation:\n      scheduledFaults: [{ kind: stringTrip, device: GB003ES1BK1BS7, atSeconds: 5, durationSeconds: 5 }]\n`,
    /bad-3\.yaml: sites\[0\] \(GB003\)\.simulation\.scheduledFaults\[0\]\.device/,
  ],
])('exits 2 naming file and entry for %s', async (_what, text, message) => {
  const n = text.includes('GB3') ? 1 : text.includes('pcs-nobody') ? 2 : 3;
  const run = await runCli(['--config', write(`bad-${n}.yaml`, text)]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
});

test('exits 2 naming the map file and point when a map is broken', async () => {
  const maps = mkdtempSync(join(dir, 'maps-'));
  writeFileSync(
    join(maps, 'hvac.yaml'),
    'title: x\ngroups: { a: { intervalMs: 1000 } }\npoints:\n  - { name: T, metric: noSuchMetric, address: 0, type: int16, group: a }\n'
  );
  const run = await runCli(['--config', join(ROOT, 'collector', 'config', 'demo.yaml'), '--maps', maps]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/hvac\.yaml: points\[0\] \(T\): unknown metric "noSuchMetric"/);
});
