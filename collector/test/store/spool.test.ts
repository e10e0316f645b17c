import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecord, readRecords } from '../../src/ingest/record';
import { Spool, spoolFiles } from '../../src/ingest/spool';
import type { SampleBatch } from '../../src/types';
import { batchPoints, fixtureBatch, fixtureSeries, fixtureSites } from './fixtures/site';

const series = fixtureSeries(fixtureSites());
const T0 = Date.UTC(2024, 0, 1);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'openbess-spool-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('spool records', () => {
  it('round-trips a batch, including NULL, NaN and ±Infinity values and poll errors', () => {
    const b: SampleBatch = fixtureBatch(series, T0, 4);
    b.samples[0].value = Number.NaN;
    b.samples[1].value = Number.POSITIVE_INFINITY;
    b.arrays[0].values[0] = Number.NEGATIVE_INFINITY;
    b.attributes.push({ time: T0, device: 'FI006ES1', name: 'serialNumber', value: 'SN "1"\n' });
    const r = readRecords(encodeRecord(b));
    expect(r).toMatchObject({ torn: 0, corrupt: 0, skippedBytes: 0 });
    expect(r.batches).toHaveLength(1);
    expect(r.batches[0]).toEqual(b);
  });

  it('skips a torn trailing record and resynchronizes after a corrupt one', () => {
    const recs = [0, 1, 2, 3].map((k) => encodeRecord(fixtureBatch(series, T0 + k * 1000, k)));
    // damage one payload byte of record 1 (CRC mismatch), cut record 3 short (torn)
    const r1 = Buffer.from(recs[1]);
    r1[r1.length - 5] ^= 0xff;
    const buf = Buffer.concat([recs[0], r1, recs[2], recs[3].subarray(0, recs[3].length - 3)]);
    const r = readRecords(buf);
    expect(r.batches.map((b) => b.samples[0].time)).toEqual([T0, T0 + 2000]);
    expect(r.corrupt).toBe(1);
    expect(r.torn).toBe(1);
    expect(r.lastEnd).toBe(recs[0].length + r1.length + recs[2].length);
  });

  it('reports a header cut short and leading garbage', () => {
    const rec = encodeRecord(fixtureBatch(series, T0, 0));
    expect(readRecords(rec.subarray(0, 7))).toMatchObject({ batches: [], torn: 1, corrupt: 0 });
    const r = readRecords(Buffer.concat([Buffer.from('garbage!'), rec]));
    expect(r.batches).toHaveLength(1);
    expect(r.corrupt).toBe(1);
    expect(r.skippedBytes).toBe(8);
  });
});

describe('spool directory', () => {
  it('appends, rolls over segments, reopens with counts per site and deletes replayed segments', async () => {
    const dir = tmp();
    const s = new Spool(dir, 4000);
    const batches = [0, 1, 2, 3, 4].map((k) => fixtureBatch(series, T0 + k * 1000, k));
    for (const b of batches) await s.append([b]);
    const points = batches.reduce((n, b) => n + batchPoints(b), 0);
    expect(s.points).toBe(points);
    expect(s.segments.length).toBeGreaterThan(1);
    await s.close();
    const reopened = new Spool(dir, 4000);
    expect(reopened.points).toBe(points);
    expect(reopened.segments.every((g) => g.sealed)).toBe(true);
    expect(reopened.segments[0].sites.get('FI006')).toBe(reopened.segments[0].points);
    const all: SampleBatch[] = [];
    while (reopened.segments.length > 0) {
      const seg = (await reopened.oldest())!;
      all.push(...(await reopened.read(seg)).batches);
      await reopened.remove(seg);
    }
    expect(all).toEqual(batches);
    await reopened.close();
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('refuses a directory locked by another live process and takes over a dead one', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'spool.lock'), `${process.ppid}\n`);
    expect(() => new Spool(dir)).toThrow(/in use by process/);
    writeFileSync(join(dir, 'spool.lock'), '999999999\n');
    const s = new Spool(dir);
    expect(readFileSync(join(dir, 'spool.lock'), 'utf8').trim()).toBe(String(process.pid));
    return s.close();
  });

  it('counts torn records of segments left by an earlier process', async () => {
    const dir = tmp();
    const s = new Spool(dir);
    await s.append([fixtureBatch(series, T0, 0), fixtureBatch(series, T0 + 1000, 1)]);
    await s.close();
    const [f] = spoolFiles(dir);
    truncateSync(f.file, f.bytes - 4);
    const again = new Spool(dir);
    expect(again.torn).toBe(1);
    expect(again.points).toBe(batchPoints(fixtureBatch(series, T0, 0)));
    await again.close();
  });
});
