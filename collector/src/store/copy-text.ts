/**
 * Encoders for PostgreSQL COPY text format (PostgreSQL docs, "COPY — Text Format"): columns separated
 * by TAB, rows by LF, NULL as `\N`; backslash, TAB, LF and CR inside a value are escaped as `\\`,
 * `\t`, `\n`, `\r`. Arrays use the array input syntax `{1.5,NULL,2}` inside the field.
 */

/** The NULL marker of COPY text format. */
export const COPY_NULL = '\\N';

/**
 * Escapes a text value for COPY text format. NUL characters, which PostgreSQL text cannot hold, are
 * dropped.
 */
export function copyText(v: string | null | undefined): string {
  if (v === null || v === undefined) return COPY_NULL;
  // eslint-disable-next-line no-control-regex
  if (!/[\\\t\n\r\u0000]/.test(v)) return v;
  let out = '';
  for (const ch of v) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\u0000':
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/**
 * A double precision value: NULL for null/undefined/non-numbers; NaN and ±Infinity as PostgreSQL
 * spells them (`NaN`, `Infinity`, `-Infinity`, which is also what `String()` gives).
 */
export function copyFloat(v: number | null | undefined): string {
  return typeof v === 'number' ? String(v) : COPY_NULL;
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
