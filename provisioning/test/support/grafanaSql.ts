/**
 * Expands a Grafana PostgreSQL-datasource query the way Grafana does before the database sees it, so dashboard
 * SQL can be run on the real PostgreSQL in tests:
 * - template variables (frontend, `interpolateVariablesInQueries`): a multi-value or All variable becomes a
 *   quoted, comma-separated list (`'FI006','EE001'`, quotes doubled inside values); a single value is inserted as
 *   is; `${v:sqlstring}` quotes both; `${v:raw}` / `${v:csv}` join unquoted; `$__interval` becomes the interval
 *   text (e.g. `1m`);
 * - macros (backend, pkg/tsdb/grafana-postgresql-datasource/macros.go): `$__timeFilter(col)` →
 *   `col BETWEEN '<from>' AND '<to>'`, `$__timeFrom()` / `$__timeTo()` → the quoted RFC 3339 times,
 *   `$__timeGroup(col, iv)` → `floor(extract(epoch from col)/s)*s`, `$__timeGroupAlias` the same `AS "time"`,
 *   `$__time(col)` → `col AS "time"`.
 */

/** Range, interval and variable values of one expansion. */
export interface SqlContext {
  from: number;
  to: number;
  /** `$__interval` text, e.g. `1m` (default). */
  interval?: string;
  /** Variable values: a list = multi-value (quoted list), a string = single value (inserted as is). */
  vars?: Record<string, string | string[]>;
}

const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds of a Grafana interval such as `5m`, `1h`, `30s`. @throws Error for anything else */
export function intervalSeconds(text: string): number {
  const m = /^\s*'?(\d+(?:\.\d+)?)(ms|s|m|h|d|w)'?\s*$/.exec(text);
  if (!m) throw new Error(`not a Grafana interval: ${text}`);
  return Number(m[1]) * UNIT_S[m[2]];
}

const quote = (v: string) => `'${v.replaceAll("'", "''")}'`;

/** The SQL PostgreSQL receives for `sql` in `ctx`. @throws Error naming an unknown variable or macro */
export function expandGrafanaSql(sql: string, ctx: SqlContext): string {
  const from = `'${new Date(ctx.from).toISOString()}'`;
  const to = `'${new Date(ctx.to).toISOString()}'`;
  let out = sql.replaceAll('$__interval_ms', String(intervalSeconds(ctx.interval ?? '1m') * 1000));
  out = out.replaceAll('$__interval', ctx.interval ?? '1m');
  out = out.replace(/\$(?!__)(\w+)|\$\{(?!__)(\w+)(?::(\w+))?\}/g, (_all, a: string, b: string, format?: string) => {
    const name = a ?? b;
    const v = ctx.vars?.[name];
    if (v === undefined) throw new Error(`variable $${name} has no value in the test`);
    const list = Array.isArray(v) ? v : [v];
    switch (format) {
      case undefined:
        return Array.isArray(v) ? list.map(quote).join(',') : v;
      case 'sqlstring':
        return list.map(quote).join(',');
      case 'raw':
      case 'csv':
        return list.join(',');
      default:
        throw new Error(`variable format :${format} is not implemented by this test helper`);
    }
  });
  out = out.replace(/\$__timeGroup(Alias)?\(([^,()]+),\s*([^,()]+)(?:,[^()]*)?\)/g, (_all, alias, col, iv) => {
    const s = intervalSeconds(iv);
    return `floor(extract(epoch from ${col.trim()})/${s})*${s}${alias ? ' AS "time"' : ''}`;
  });
  out = out.replace(/\$__timeFilter\(([^()]+)\)/g, (_all, col: string) => `${col.trim()} BETWEEN ${from} AND ${to}`);
  out = out.replaceAll('$__timeFrom()', from).replaceAll('$__timeTo()', to);
  out = out.replace(/\$__time\(([^()]+)\)/g, (_all, col: string) => `${col.trim()} AS "time"`);
  const left = /\$__\w+/.exec(out);
  if (left) throw new Error(`macro ${left[0]} is not expanded by this test helper`);
  return out;
}
