/**
 * Text encoders of the insert path (PGlite, whose socket cannot carry COPY): `real[]` literals in the
 * array input syntax `{1.5,NULL,2}` and timestamptz text. The COPY paths use the binary format
 * (./copy-binary.ts).
 */

/**
 * A `real[]` literal. Each element is rounded to float4 first (`Math.fround`) so values beyond the
 * float4 range become ±Infinity instead of a "value out of range" error that would reject the whole
 * batch; null/undefined/non-numbers become NULL elements.
 */
export function realArrayLiteral(values: readonly (number | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    out += typeof v === 'number' ? String(Math.fround(v)) : 'NULL';
  }
  return out + '}';
}

/**
 * Caches epoch-ms → ISO-8601 text (many samples of one poll share a timestamp).
 * PostgreSQL reads `2024-01-01T00:00:00.000Z` as a timestamptz in UTC.
 */
export class TimeText {
  private lastMs = Number.NaN;
  private lastText = '';
  private readonly cache = new Map<number, string>();

  /** ISO text of an epoch-ms time. */
  of(ms: number): string {
    if (ms === this.lastMs) return this.lastText;
    let t = this.cache.get(ms);
    if (t === undefined) {
      t = new Date(ms).toISOString();
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(ms, t);
    }
    this.lastMs = ms;
    this.lastText = t;
    return t;
  }
}
