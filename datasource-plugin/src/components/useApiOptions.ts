import type { SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { useEffect, useState } from 'react';
import type { BessDataSource } from '../datasource';
import type { BessVariableQuery } from '../types';

/** Options of a picker and where loading them stands. */
export interface ApiOptions {
  options: Array<SelectableValue<string>>;
  loading: boolean;
  error?: string;
}

/** The dashboard's template variables as picker options (`$site` …), offered in every field. */
export function templateVariableOptions(): Array<SelectableValue<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Template variable' }));
}

/**
 * Loads picker options from the API's `variable` query (sites, devices of a site, metrics of a device …) and
 * prepends the template variables. `query` undefined = nothing to load yet (e.g. no site picked). Reloads when
 * the query changes; answers of outdated queries are dropped.
 */
export function useApiOptions(
  datasource: BessDataSource,
  query: Omit<BessVariableQuery, 'refId'> | undefined
): ApiOptions {
  const key = query ? JSON.stringify(query) : '';
  const [state, setState] = useState<ApiOptions>({ options: [], loading: Boolean(query) });
  useEffect(() => {
    if (!key) {
      setState({ options: [], loading: false });
      return;
    }
    let current = true;
    setState((s) => ({ options: s.options, loading: true }));
    datasource
      .metricFindQuery({ ...(JSON.parse(key) as BessVariableQuery), refId: 'picker' })
      .then((values) => {
        if (current) {
          setState({
            options: values.map((v) => ({ label: v.text, value: String(v.value ?? v.text) })),
            loading: false,
          });
        }
      })
      .catch((err: Error) => {
        if (current) {
          setState({ options: [], loading: false, error: err.message });
        }
      });
    return () => {
      current = false;
    };
  }, [datasource, key]);
  return state;
}

/** Options with the template variables first, and the current value(s) kept even when not (yet) listed. */
export function withVariables(
  options: Array<SelectableValue<string>>,
  current: string[] = []
): Array<SelectableValue<string>> {
  const all = [...templateVariableOptions(), ...options];
  for (const value of current) {
    if (value && !all.some((o) => o.value === value)) {
      all.push({ label: value, value });
    }
  }
  return all;
}
