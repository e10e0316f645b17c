/**
 * Reference M4 in plain TypeScript (Jugel et al., PVLDB 2014): per bucket of `bucketMs` aligned at
 * `from`, the first, last, minimum and maximum tuples (earliest among equal extremes), deduplicated
 * and ordered by time. The API's SQL must produce exactly this.
 */
export function m4Reference(
  t: number[],
  v: number[],
  from: number,
  to: number,
  bucketMs: number
): { t: number[]; v: number[] } {
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < t.length; i++) {
    if (t[i] < from || t[i] >= to) continue;
    const b = Math.floor((t[i] - from) / bucketMs);
    let idx = buckets.get(b);
    if (!idx) buckets.set(b, (idx = []));
    idx.push(i);
  }
  const keep = new Set<number>();
  for (const idx of buckets.values()) {
    let first = idx[0];
    let last = idx[0];
    let min = idx[0];
    let max = idx[0];
    for (const i of idx) {
      if (t[i] < t[first]) first = i;
      if (t[i] > t[last]) last = i;
      if (v[i] < v[min] || (v[i] === v[min] && t[i] < t[min])) min = i;
      if (v[i] > v[max] || (v[i] === v[max] && t[i] < t[max])) max = i;
    }
    for (const i of [first, last, min, max]) keep.add(i);
  }
  const order = [...keep].sort((a, b) => t[a] - t[b]);
  return { t: order.map((i) => t[i]), v: order.map((i) => v[i]) };
}
