import type { ScopedVars } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';

/** Grafana's variable syntax: `$var`, `[[var]]`, `[[var:fmt]]`, `${var}`, `${var.path}`, `${var:fmt}`. */
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** Names of the template variables `text` mentions, in order of first appearance. */
export function variableNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(VARIABLE_REGEX)) {
    const name = m[1] || m[2] || m[4];
    if (name && !names.includes(name)) {
      names.push(name);
    }
  }
  return names;
}

/**
 * Current values of variable `name` as a list: a multi-value selection gives several, `All` gives every option
 * (Grafana hands format functions the value list), a scoped variable (repeated panel) gives its one value.
 * Returns undefined for a name that is not a variable (Grafana leaves those untouched).
 */
function valuesOf(name: string, scopedVars?: ScopedVars): string[] | undefined {
  const probe = `\${${name}}`;
  let list: string[] | undefined;
  const out = getTemplateSrv().replace(probe, scopedVars, (value: unknown) => {
    list = (Array.isArray(value) ? value : [value]).map((v) => String(v));
    return '';
  });
  if (list) {
    return list;
  }
  // Custom all values (e.g. `.*`) come back unformatted; anything else untouched means "not a variable".
  return out === probe ? undefined : [out];
}

/**
 * Expands `text` into one string per combination of the values of the multi-value variables it mentions
 * (cartesian product, duplicates removed, order kept): with `$site` = [FI006, EE001], `${site}MT1` →
 * [FI006MT1, EE001MT1]. Text without variables comes back as the only element.
 */
export function expandTemplate(text: string, scopedVars?: ScopedVars): string[] {
  const names = variableNames(text);
  if (names.length === 0) {
    return [text];
  }
  let combos: ScopedVars[] = [{ ...(scopedVars ?? {}) }];
  for (const name of names) {
    const values = valuesOf(name, scopedVars);
    if (!values) {
      continue;
    }
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: { text: v, value: v } })));
  }
  return unique(combos.map((c) => getTemplateSrv().replace(text, c)));
}

/** {@link expandTemplate} over a list; empty strings dropped, duplicates removed. */
export function expandAll(values: readonly string[] | undefined, scopedVars?: ScopedVars): string[] {
  return unique((values ?? []).flatMap((v) => expandTemplate(v, scopedVars)).filter((v) => v.trim() !== ''));
}

/** Every combination of devices × metrics of a series selection list, each field expanded. */
export function expandSeries(
  series: ReadonlyArray<{ device: string; metric: string }> | undefined,
  scopedVars?: ScopedVars
): Array<{ device: string; metric: string }> {
  const seen = new Set<string>();
  const out: Array<{ device: string; metric: string }> = [];
  for (const s of series ?? []) {
    for (const device of expandAll([s.device], scopedVars)) {
      for (const metric of expandAll([s.metric], scopedVars)) {
        const key = `${device}\u0000${metric}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push({ device, metric });
        }
      }
    }
  }
  return out;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
