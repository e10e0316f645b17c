import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createLatestBuffers, LatestReader, LatestValues, MAX_SERIES_ID } from '../../src/store/latest-values';

/**
 * The collector service's threads share the latest values: the plant thread's LatestValues writes,
 * the API thread's LatestReader reads the same shared memory. Here the writer runs in a real worker
 * thread (the module loaded as the service loads it, through tsx).
 */
const MODULE = join(__dirname, '..', '..', 'src', 'store', 'latest-values.ts');

/** Runs `body` (JavaScript, with `LatestValues`, `buffers` and `done()` in scope) in a worker thread. */
function inWorker(buffers: ReturnType<typeof createLatestBuffers>, body: string): Promise<void> {
  const code = `
    require(${JSON.stringify(require.resolve('tsx/cjs'))});
    const { parentPort, workerData } = require('node:worker_threads');
    const { LatestValues } = require(${JSON.stringify(MODULE)});
    const buffers = workerData;
    const done = () => parentPort.postMessage('done');
    ${body}`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: buffers });
    w.on('message', () => void w.terminate().then(() => resolve()));
    w.on('error', reject);
  });
}

describe('latest values in shared memory (writer thread → reader thread)', () => {
  it('a reader sees what another thread applied, including series ids beyond the initial capacity', async () => {
    const buffers = createLatestBuffers();
    const reader = new LatestReader(buffers);
    expect(reader.timeAt(5)).toBeNaN();
    const before = reader.version;
    await inWorker(
      buffers,
      `const lv = new LatestValues({ query: async () => ({ rows: [] }) }, 60000, buffers);
       lv.apply({ series: [5, 70000, 5], time: [1000, 2000, 3000], value: [1.5, null, -2.25] });
       done();`
    );
    expect(reader.get(5)).toEqual({ time: 3000, value: -2.25 });
    expect(reader.get(70_000)).toEqual({ time: 2000, value: null });
    expect(reader.get(69_999)).toBeUndefined();
    expect(reader.version).not.toBe(before);
    expect(reader.seeded).toBe(false);
    await expect(reader.ready()).resolves.toBe(false);
  });

  it('reads inside consistent() never see a write half done', async () => {
    const buffers = createLatestBuffers();
    const reader = new LatestReader(buffers);
    const n = 20_000;
    // every write sets all n series to the write's number: a consistent read sees one number only
    const writing = inWorker(
      buffers,
      `const lv = new LatestValues({ query: async () => ({ rows: [] }) }, 60000, buffers);
       const series = Array.from({ length: ${n} }, (_, i) => i);
       for (let w = 1; w <= 400; w++) lv.apply({ series, time: series.map(() => w), value: series.map(() => w) });
       done();`
    );
    let reads = 0;
    let mixed = 0;
    let finished = false;
    void writing.then(() => (finished = true));
    while (!finished) {
      const seen = reader.consistent(() => {
        const s = new Set<number>();
        for (let i = 0; i < n; i += 97) s.add(reader.valueAt(i));
        return s;
      });
      reads++;
      if (seen.size > 1) mixed++;
      await new Promise((r) => setImmediate(r));
    }
    expect(reads).toBeGreaterThan(0);
    expect(mixed).toBe(0);
    expect(reader.valueAt(n - 1)).toBe(400);
  });

  it('the owner seeds from the table; ids outside 0…MAX_SERIES_ID are ignored', async () => {
    const rows = [
      { id: 3, t: 10, v: 1 },
      { id: -1, t: 10, v: 1 },
      { id: MAX_SERIES_ID + 1, t: 10, v: 1 },
    ];
    const lv = new LatestValues({ query: async () => ({ rows }) } as never);
    await expect(lv.ready()).resolves.toBe(true);
    const reader = new LatestReader(lv.buffers);
    expect(reader.seeded).toBe(true);
    expect(reader.get(3)).toEqual({ time: 10, value: 1 });
    expect(reader.get(-1)).toBeUndefined();
    expect(reader.get(MAX_SERIES_ID + 1)).toBeUndefined();
  });

  it('an owner whose first read fails is not ready (callers read the table)', async () => {
    const lv = new LatestValues({
      query: async () => {
        throw new Error('connection refused');
      },
    } as never);
    await expect(lv.ready()).resolves.toBe(false);
    expect(lv.seeded).toBe(false);
  });
});
