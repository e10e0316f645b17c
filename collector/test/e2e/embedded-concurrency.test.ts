import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';

/**
 * The embedded database serves several connections correctly: while one connection writes in
 * transactions (as the collector's writer does), concurrent readers on other connections (the API)
 * always get the rows of their own query. pglite-socket's own queue interleaved the connections'
 * Parse/Bind/Execute messages and returned other queries' rows (src/db/session-queue.ts). PGlite runs
 * in a child process (test/store/fixtures/embedded-server.ts): jest cannot load its WASM.
 */
jest.setTimeout(90_000);

let child: ChildProcess;
let pool: Pool;

beforeAll(async () => {
  child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'store', 'fixtures', 'embedded-server.ts'), 'memory'],
    { cwd: join(__dirname, '..', '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let out = '';
  const info = await new Promise<{ url: string; recommendedPoolMax: number }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`embedded server exited (${code})`)));
  });
  expect(info.recommendedPoolMax).toBeGreaterThan(1);
  pool = new Pool({ connectionString: info.url, max: info.recommendedPoolMax + 1 });
});

afterAll(async () => {
  await pool?.end();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

it('a writer in transactions and three concurrent readers: every read gets its own rows', async () => {
  await pool.query('CREATE TABLE r (k int, v text)');
  await pool.query('CREATE TABLE w (k int, v float8)');
  await pool.query("INSERT INTO r SELECT k, 'v' || k FROM generate_series(1, 3) k, generate_series(1, 500)");
  let stop = false;
  let writes = 0;
  const writer = (async () => {
    const ks = Array.from({ length: 2000 }, (_, i) => i);
    while (!stop) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('INSERT INTO w SELECT * FROM unnest($1::int[], $2::float8[])', [ks, ks.map((k) => k / 3)]);
        await c.query('SELECT count(*) FROM w');
        await c.query('COMMIT');
        writes++;
      } finally {
        c.release();
      }
    }
  })();
  let reads = 0;
  let wrong = 0;
  const until = Date.now() + 6000;
  while (Date.now() < until) {
    await Promise.all(
      [1, 2, 3].map(async (k) => {
        const r = await pool.query<{ k: number; v: string }>('SELECT k, v FROM r WHERE k = $1', [k]);
        reads++;
        if (r.rows.length !== 500 || r.rows.some((x) => x.k !== k || x.v !== `v${k}`)) wrong++;
      })
    );
  }
  stop = true;
  await writer;
  expect(writes).toBeGreaterThan(3);
  expect(reads).toBeGreaterThan(30);
  expect(wrong).toBe(0);
  expect(Number((await pool.query('SELECT count(*) AS n FROM w')).rows[0].n)).toBe(writes * 2000);
});
