/**
 * A real, minimal implementation of Grafana's `TemplateSrv` (the service behind `getTemplateSrv()` in
 * @grafana/runtime) for places without a Grafana server: the browser harness page and plugin unit tests
 * (`setTemplateSrv(new SimpleTemplateSrv([...]) as unknown as TemplateSrv)`).
 *
 * Behaviour follows grafana public/app/features/templating/template_srv.ts and its format registry
 * (public/app/features/templating/formatRegistry.ts): the `$var`, `${var}`, `${var:format}`, `[[var]]` and
 * `[[var:format]]` syntaxes, scoped variables first, `$__all` expanded to every option value (or to `allValue`,
 * returned unformatted), the default format `glob` for multi-value variables (`{a,b}`), and the formats raw,
 * regex, pipe, csv, json, lucene, glob, text, singlequote, doublequote, sqlstring, percentencode, queryparam,
 * html, or a custom function `(value, variable, defaultFormatter) => string`.
 *
 * Deliberately free of @grafana/* imports so plugin type-checks and jest can load it from plugin-config/.
 */

/** A dashboard variable as tests and the harness describe it. */
export interface SimpleVariable {
  name: string;
  label?: string;
  /** Grafana variable type; only affects `getVariables()` output. Default `custom`. */
  type?: 'custom' | 'query' | 'constant' | 'textbox' | 'interval';
  /** Current selection: one value, several (multi-value), or `'$__all'` / `['$__all']` for All. */
  current: string | string[];
  /** Options: plain values or `{ text, value }`. `$__all` expands to these (minus an All option). */
  options?: Array<string | { text: string; value: string }>;
  multi?: boolean;
  includeAll?: boolean;
  /** Custom all value (e.g. `.*`); replaces `$__all` as is. */
  allValue?: string;
}

/** The variable model `getVariables()` returns (the fields of Grafana's TypedVariableModel plugins read). */
export interface SimpleVariableModel {
  id: string;
  type: string;
  name: string;
  label?: string;
  current: { text: string | string[]; value: string | string[]; selected: boolean };
  options: Array<{ text: string; value: string; selected: boolean }>;
  multi: boolean;
  includeAll: boolean;
  allValue?: string | null;
  query?: string;
  hide: number;
  skipUrlSync: boolean;
}

/** `ScopedVars` (e.g. repeated panels, `$__interval`): name → `{ text, value }`. */
export type SimpleScopedVars = Record<string, { text?: unknown; value: unknown } | undefined>;

/** Custom format function, as Grafana calls it. */
export type FormatFunction = (value: unknown, variable?: SimpleVariableModel, defaultFormat?: unknown) => string;

/** Grafana's variable regex (public/app/features/variables/utils.ts `variableRegex`). */
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;
const ALL_VALUE = '$__all';

const toArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

function luceneEscape(value: string): string {
  return value.replace(/([!*+\-=<>\s&|()[\]{}^~?:\\/"])/g, '\\$1');
}

/** Applies a named format to a value (string or list), like Grafana's format registry. */
export function formatVariableValue(
  value: unknown,
  format: string,
  variable?: SimpleVariableModel,
  text?: string
): string {
  const values = toArray(value);
  const isMulti = Array.isArray(value);
  const [name, arg] = format.split(':');
  switch (name) {
    case 'raw':
      return values.join(',');
    case 'regex': {
      const escaped = values.map(escapeRegex);
      return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
    }
    case 'lucene':
      return isMulti && values.length !== 1
        ? `(${values.map((v) => `"${luceneEscape(v)}"`).join(' OR ')})`
        : luceneEscape(values[0] ?? '');
    case 'pipe':
      return values.join('|');
    case 'csv':
    case 'distributed':
      return values.join(',');
    case 'json':
      return JSON.stringify(value);
    case 'text':
      return text ?? values.join(' + ');
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'sqlstring':
      return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'percentencode':
      return encodeURIComponent(values.length > 1 ? `{${values.join(',')}}` : (values[0] ?? ''));
    case 'queryparam':
      return values.map((v) => `var-${encodeURIComponent(variable?.name ?? '')}=${encodeURIComponent(v)}`).join('&');
    case 'html':
      return values
        .join(', ')
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
    case 'date':
      return arg === 'seconds' ? String(Math.floor(Number(values[0]) / 1000)) : values[0];
    case 'glob':
    default:
      return values.length > 1 ? `{${values.join(',')}}` : (values[0] ?? '');
  }
}

/** Builds the model of one variable. */
function toModel(v: SimpleVariable): SimpleVariableModel {
  const options = (v.options ?? []).map((o) => (typeof o === 'string' ? { text: o, value: o } : o));
  const currentValues = toArray(v.current);
  const textOf = (value: string) =>
    value === ALL_VALUE ? 'All' : (options.find((o) => o.value === value)?.text ?? value);
  const multi = v.multi ?? Array.isArray(v.current);
  return {
    id: v.name,
    type: v.type ?? 'custom',
    name: v.name,
    label: v.label,
    current: {
      value: multi ? currentValues : currentValues[0],
      text: multi ? currentValues.map(textOf) : textOf(currentValues[0]),
      selected: true,
    },
    options: [
      ...(v.includeAll ? [{ text: 'All', value: ALL_VALUE, selected: currentValues.includes(ALL_VALUE) }] : []),
      ...options.map((o) => ({ ...o, selected: currentValues.includes(o.value) })),
    ],
    multi,
    includeAll: Boolean(v.includeAll),
    allValue: v.allValue ?? null,
    query: options.map((o) => o.value).join(','),
    hide: 0,
    skipUrlSync: false,
  };
}

/** Grafana-compatible template service over a fixed list of variables. */
export class SimpleTemplateSrv {
  private variables: SimpleVariableModel[];
  private timeRange: { from: number; to: number } | undefined;

  constructor(variables: SimpleVariable[] = []) {
    this.variables = variables.map(toModel);
  }

  /** Replaces all variables (e.g. when a test changes the dashboard's selection). */
  setVariables(variables: SimpleVariable[]): void {
    this.variables = variables.map(toModel);
  }

  getVariables(): SimpleVariableModel[] {
    return this.variables;
  }

  /** Stores the range `$__from` / `$__to` interpolate to (epoch ms). */
  updateTimeRange(timeRange: { from: { valueOf(): number }; to: { valueOf(): number } }): void {
    this.timeRange = { from: timeRange.from.valueOf(), to: timeRange.to.valueOf() };
  }

  /** True when `target` mentions a known variable (or a scoped/built-in one). */
  containsTemplate(target?: string): boolean {
    if (!target) {
      return false;
    }
    for (const m of target.matchAll(VARIABLE_REGEX)) {
      const name = m[1] || m[2] || m[4];
      if (this.byName(name) || name.startsWith('__')) {
        return true;
      }
    }
    return false;
  }

  /** Interpolates `target`; unknown variables are left as written (Grafana does the same). */
  replace(target?: string, scopedVars?: SimpleScopedVars, format?: string | FormatFunction): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(VARIABLE_REGEX, (match, var1, var2, fmt2, var3, fieldPath, fmt3) => {
      const name: string = var1 || var2 || var3;
      const fmt: string | FormatFunction | undefined = fmt2 || fmt3 || format;
      const scoped = scopedVars?.[name];
      if (scoped) {
        let value = scoped.value;
        if (fieldPath) {
          value = String(fieldPath)
            .split('.')
            .reduce<unknown>((o, k) => (o == null ? o : (o as Record<string, unknown>)[k]), value);
        }
        return this.format(value, fmt, undefined, scoped.text === undefined ? undefined : String(scoped.text));
      }
      if ((name === '__from' || name === '__to') && this.timeRange) {
        return this.format(String(name === '__from' ? this.timeRange.from : this.timeRange.to), fmt);
      }
      const variable = this.byName(name);
      if (!variable) {
        return match;
      }
      let value: string | string[] = variable.current.value;
      let text = toArray(variable.current.text).join(' + ');
      if (toArray(value).includes(ALL_VALUE)) {
        text = 'All';
        if (variable.allValue) {
          return fmt === 'text' ? text : variable.allValue;
        }
        value = variable.options.filter((o) => o.value !== ALL_VALUE).map((o) => o.value);
      }
      return this.format(value, fmt, variable, text);
    });
  }

  private format(
    value: unknown,
    fmt: string | FormatFunction | undefined,
    variable?: SimpleVariableModel,
    text?: string
  ) {
    if (typeof fmt === 'function') {
      return fmt(value, variable, formatVariableValue);
    }
    return formatVariableValue(value, fmt ?? 'glob', variable, text);
  }

  private byName(name: string): SimpleVariableModel | undefined {
    return this.variables.find((v) => v.name === name);
  }
}
