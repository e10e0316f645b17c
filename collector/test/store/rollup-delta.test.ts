import { aggregateRollup, bucketStart } from '../../src/store/rollup-rows';
import { RollupDeltas } from '../../src/store/rollup-delta';
import type { ScalarRows } from '../../src/store/rows';

/** The writer's bookkeeping of which committed transactions its in-memory aggregates hold. */
const W5 = 300_000;
const B0 = bucketStart(Date.UTC(2024, 4, 1, 12, 0), W5);

/** `n` rows of series 1 and 2 every second from `start`. */
function rows(start: number, n: number, seed: number): ScalarRows {
  const out: ScalarRows = { series: [], time: [], value: [] };
  for (let i = 0; i < n; i++)
    for (const s of [1, 2]) {
      out.series.push(s);
      out.time.push(start + i * 1000);
      out.value.push(((i * 7 + seed * 13 + s) % 11) - 5);
    }
  return out;
}

const join = (...parts: ScalarRows[]): ScalarRows => ({
  series: parts.flatMap((p) => p.series),
  time: parts.flatMap((p) => p.time),
  value: parts.flatMap((p) => p.value),
});

describe('RollupDeltas', () => {
  it('holds exactly the committed transactions a mark lists, folding one whose acknowledgement is pending', () => {
    const d = new RollupDeltas();
    const a = rows(B0, 60, 1);
    const b = rows(B0 + 60_000, 60, 2);
    const sa = d.begin(a);
    d.committed(sa);
    const sb = d.begin(b); // committed on the server, its acknowledgement not processed yet
    const got = d.take(B0, d.writer, [sa, sb]);
    expect(got).toEqual(aggregateRollup(join(a, b), W5));
    d.committed(sb); // the late acknowledgement adds nothing twice
    expect(d.size).toBe(0);
  });

  it('refuses (raw recompute) when the mark lists other transactions or another writer, and detaches', () => {
    const d = new RollupDeltas();
    const s1 = d.begin(rows(B0, 30, 1));
    d.committed(s1);
    const s2 = d.begin(rows(B0 + 30_000, 30, 2));
    d.committed(s2);
    // a refresh elsewhere took the mark of s1; the mark now lists s2 only
    expect(d.take(B0, d.writer, [s2])).toBeNull();
    expect(d.size).toBe(0);
    const s3 = d.begin(rows(B0 + 60_000, 30, 3));
    d.committed(s3);
    expect(d.take(B0, 'another-writer', [s3])).toBeNull();
    const s4 = d.begin(rows(B0 + 90_000, 30, 4));
    d.committed(s4);
    expect(d.take(B0, null, null)).toBeNull();
    expect(d.take(B0, d.writer, [s4])).toBeNull(); // already detached by the refusal
  });

  it('a transaction that may have committed taints its buckets; one the server rolled back does not', () => {
    const d = new RollupDeltas();
    const ok = rows(B0, 30, 1);
    const s1 = d.begin(ok);
    d.committed(s1);
    d.failed(d.begin(rows(B0 + 30_000, 30, 2)), false);
    expect(d.take(B0, d.writer, [s1])).toEqual(aggregateRollup(ok, W5));

    const s3 = d.begin(ok);
    d.committed(s3);
    d.failed(d.begin(rows(B0 + 30_000, 30, 2)), true); // connection lost during COMMIT
    expect(d.take(B0, d.writer, [s3])).toBeNull();
  });

  it('splits a transaction across buckets, prunes closed buckets and keeps at most 48', () => {
    const d = new RollupDeltas();
    const x = rows(B0 + W5 - 10_000, 20, 1); // 10 s in B0, 10 s in B1
    const s = d.begin(x);
    d.committed(s);
    expect(d.size).toBe(2);
    d.prune(B0 + W5);
    expect(d.size).toBe(1);
    const inB1 = x.time.map((t, i) => (t >= B0 + W5 ? i : -1)).filter((i) => i >= 0);
    const b1 = {
      series: inB1.map((i) => x.series[i]),
      time: inB1.map((i) => x.time[i]),
      value: inB1.map((i) => x.value[i]),
    };
    expect(d.take(B0 + W5, d.writer, [s])).toEqual(aggregateRollup(b1, W5));
    const seqs: number[] = [];
    for (let k = 0; k < 60; k++) {
      seqs.push(d.begin(rows(B0 + k * W5, 2, k)));
      d.committed(seqs[k]);
    }
    expect(d.size).toBe(48);
    // the oldest went first
    expect(d.take(B0 + 11 * W5, d.writer, [seqs[11]])).toBeNull();
    expect(d.take(B0 + 12 * W5, d.writer, [seqs[12]])).toEqual(aggregateRollup(rows(B0 + 12 * W5, 2, 12), W5));
  });
});
