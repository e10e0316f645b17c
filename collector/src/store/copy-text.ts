/**
 * Text encoders: array literals in the array input syntax `{1.5,NULL,2}` (the insert path for PGlite,
 * whose socket cannot carry COPY, and bulk parameters), timestamptz text, and NUL stripping for text
 * values. The COPY paths use the binary format (./copy-binary.ts).
 */

/** Drops NUL characters, which PostgreSQL `text` cannot hold. */
// eslint-disable-next-line no-control-regex
export const stripNul = (v: string): string => (v.includes('\u0000') ? v.replace(/\u0000/g, '') : v);

/**
 * A `float8[]` (or `int[]`) literal: null as `NULL`, NaN and ±Infinity as PostgreSQL spells them (which
 * is what `String()` gives), finite doubles in a form that round-trips exactly. Built with one join:
 * node-postgres' own array serialization quotes and escapes element by element, several times slower
 * for 8 k-element columns.
 */
export function arrayLiteral(values: readonly (number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : String(v))).join(',')}}`;
}

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
