import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CONFIG, MAPS_DIR, startCli } from './helpers';

/**
 * A broken register map, site config or access file stops the collector (and the demo) at start —
 * exit code 2, before polling or spawning anything — with a message naming the file and the entry
 * (site, device map, register point).
 */
jest.setTimeout(90_000);

const dir = mkdtempSync(join(tmpdir(), 'openbess-e2e-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// never reached: the configuration is checked before the first connection
const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', OPENBESS_STATE_DIR: join(dir, 'state') };

const write = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

async function run(script: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const p = startCli(script, args, { ...env, ...extraEnv });
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 60_000);
  const { code } = await p.exited;
  clearTimeout(timer);
  return { code, stderr: p.stderr(), stdout: p.stdout() };
}

test('a site config naming a register map that does not exist', async () => {
  const cfg = write(
    'bad-site.yaml',
    'sites:\n  - { code: GB003, name: x, modbus: { port: 15999 }, blocks: 1, stringsPerBlock: 2, maps: { pcs: pcs-nobody } }\n'
  );
  const r = await run('collector.ts', ['--config', cfg]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /configuration error: .*bad-site\.yaml: sites\[0\] \(GB003\)\.maps\.pcs: no register map "pcs-nobody"/
  );
});

test('a register point with a wrong type in a shipped map', async () => {
  const maps = join(dir, 'maps');
  cpSync(MAPS_DIR, maps, { recursive: true });
  const file = join(maps, 'pcs-tmeic.yaml');
  const text = readFileSync(file, 'utf8');
  const broken = text.replace(
    '{ name: W, metric: activePower, label: Active power, address: 40080, type: int16,',
    '{ name: W, metric: activePower, label: Active power, address: 40080, type: int17,'
  );
  expect(broken).not.toBe(text);
  writeFileSync(file, broken);
  const r = await run('collector.ts', ['--config', DEMO_CONFIG, '--maps', maps]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/pcs-tmeic\.yaml: points\[\d+\] \(W\)\.type/);
});

test('an access file granting an unknown role', async () => {
  const access = write('access.yaml', 'users:\n  alice: { role: owner, sites: [GB003] }\n');
  const r = await run('collector.ts', ['--config', DEMO_CONFIG], { OPENBESS_ACCESS_FILE: access });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/configuration error: .*access\.yaml: users\.alice\.role/);
});

test('the demo refuses a broken site config before starting any process', async () => {
  const cfg = write(
    'bad-demo.yaml',
    'sites:\n  - { code: GB3, name: x, modbus: { port: 15998 }, blocks: 1, stringsPerBlock: 2 }\n'
  );
  const r = await run('demo.ts', ['--config', cfg]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/bad-demo\.yaml: sites\[0\] \(x\)\.code: site codes/);
  expect(r.stdout).not.toMatch(/demo running/);
});
