/**
 * Previous/next sibling device: which device the panel shows and which devices are its siblings, and changing
 * the dashboard variable (Grafana's `var-<name>` URL parameter, through `locationService.partial`).
 */
import { getTemplateSrv, locationService } from '@grafana/runtime';
import { naturalCompare } from './model';

const ALL = '$__all';

/**
 * Current values of dashboard variable `name` via the panel's `replaceVariables` (Grafana's template service),
 * `[]` when the variable does not exist or is set to All.
 */
export function variableValues(replaceVariables: (value: string) => string, name: string): string[] {
  if (!name) {
    return [];
  }
  const token = `\${${name}:csv}`;
  const out = replaceVariables(token);
  if (out === token || out === '' || out === ALL) {
    return [];
  }
  return out.split(',').filter((v) => v !== '' && v !== ALL);
}

/** Option values of dashboard variable `name` (without All), `[]` when unknown. */
export function variableOptions(name: string): string[] {
  try {
    const v = getTemplateSrv()
      .getVariables()
      .find((x) => x.name === name) as { options?: Array<{ value: unknown }> } | undefined;
    return (v?.options ?? []).flatMap((o) => (Array.isArray(o.value) ? o.value : [o.value])).map(String);
  } catch {
    return []; // no template service (e.g. outside a dashboard)
  }
}

/**
 * Siblings the previous/next buttons walk through, in natural order (BS9 before BS10): the devices in the data
 * when there are several; when the data holds one device (a query for `$device`), the variable's options if
 * they contain it.
 */
export function siblingDevices(dataDevices: string[], options: string[]): string[] {
  let list = dataDevices;
  if (dataDevices.length <= 1 && options.length > 1 && (dataDevices.length === 0 || options.includes(dataDevices[0]))) {
    list = options;
  }
  return [...new Set(list.filter((d) => d !== ALL))].sort(naturalCompare);
}

/** Previous and next device around `current` in `siblings` (no wrap-around). */
export function neighbours(siblings: string[], current: string): { prev?: string; next?: string; index: number } {
  const index = siblings.indexOf(current);
  if (index < 0) {
    return { index };
  }
  return {
    index,
    ...(index > 0 ? { prev: siblings[index - 1] } : {}),
    ...(index < siblings.length - 1 ? { next: siblings[index + 1] } : {}),
  };
}

/** Sets dashboard variable `name` to `device` (replacing the URL entry, as Grafana's variable pickers do). */
export function selectDevice(name: string, device: string): void {
  locationService.partial({ [`var-${name}`]: device }, true);
}
