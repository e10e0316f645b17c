import type { ScopedVars } from '@grafana/data';
import type { QueryRequestBody } from '@openbess/model/src/api/query';
import { expandAll, expandSeries } from './interpolate';
import { MAX_PICKED_SERIES, type BessQuery, type BessVariableQuery } from './types';

/** One query of an API request body, as this plugin builds it. */
export type ApiQueryInput = QueryRequestBody['queries'][number] | EventsApiQuery;

/** `events` (annotations): not in the API contract yet; sent in its own request so it cannot spoil others. */
export interface EventsApiQuery {
  refId: string;
  queryType: 'events';
  site?: string[];
  devices?: string[];
  maxDataPoints?: number;
  intervalMs?: number;
}

/** Separator of the sub-refIds a query is split into (`A~2`): the API takes at most 8 series per query. */
export const SUB_REF_SEPARATOR = '~';

/** Original refId of a (sub-)refId. */
export const parentRefId = (refId: string): string => refId.split(SUB_REF_SEPARATOR)[0];

const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
};

const subRefId = (refId: string, i: number) => (i === 0 ? refId : `${refId}${SUB_REF_SEPARATOR}${i + 1}`);

/** Is the query complete enough to send (Grafana calls this `filterQuery`)? */
export function isRunnable(q: BessQuery): boolean {
  switch (q.queryType ?? 'timeseries') {
    case 'timeseries':
      return (q.series ?? []).some((s) => s.device && s.metric);
    case 'latest':
      return Boolean(q.site) || (q.devices ?? []).length > 0;
    case 'tree':
      return Boolean(q.site);
    case 'catalog':
    case 'events':
      return true;
    default:
      return false;
  }
}

/**
 * Turns one panel query into API queries, template variables interpolated and multi-value variables
 * expanded: a time-series query whose expansion exceeds the API's 8 series per query is split into several
 * (`A`, `A~2`, …), a tree query over several sites into one per site.
 * @throws Error naming the query when nothing remains to ask for (e.g. all series' variables are empty)
 */
export function toApiQueries(
  q: BessQuery,
  scopedVars: ScopedVars | undefined,
  limits: { maxDataPoints?: number; intervalMs?: number } = {}
): ApiQueryInput[] {
  const base = { maxDataPoints: limits.maxDataPoints, intervalMs: limits.intervalMs };
  const sites = expandAll(q.site ? [q.site] : [], scopedVars);
  switch (q.queryType ?? 'timeseries') {
    case 'timeseries': {
      const series = expandSeries(q.series, scopedVars).filter((s) => s.device && s.metric);
      if (series.length === 0) {
        throw new Error(`query ${q.refId}: no series (pick a device and a metric)`);
      }
      return chunk(series, MAX_PICKED_SERIES).map((part, i) => ({
        ...base,
        refId: subRefId(q.refId, i),
        queryType: 'timeseries' as const,
        series: part,
      }));
    }
    case 'latest': {
      const devices = expandAll(q.devices, scopedVars);
      const metrics = expandAll(q.metrics, scopedVars);
      return [
        {
          ...base,
          refId: q.refId,
          queryType: 'latest' as const,
          ...(sites.length ? { site: sites } : {}),
          ...(devices.length ? { devices } : {}),
          ...(metrics.length ? { metrics } : {}),
        },
      ];
    }
    case 'tree':
      if (sites.length === 0) {
        throw new Error(`query ${q.refId}: tree needs a site`);
      }
      return sites.map((site, i) => ({ ...base, refId: subRefId(q.refId, i), queryType: 'tree' as const, site }));
    case 'catalog': {
      const [device] = expandAll(q.device ? [q.device] : [], scopedVars);
      const [profile] = expandAll(q.profile ? [q.profile] : [], scopedVars);
      return [
        {
          ...base,
          refId: q.refId,
          queryType: 'catalog' as const,
          ...(sites[0] ? { site: sites[0] } : {}),
          ...(device ? { device } : {}),
          ...(profile ? { profile: profile as never } : {}),
        },
      ];
    }
    case 'events': {
      const devices = expandAll(q.devices, scopedVars);
      return [
        {
          ...base,
          refId: q.refId,
          queryType: 'events' as const,
          ...(sites.length ? { site: sites } : {}),
          ...(devices.length ? { devices } : {}),
        },
      ];
    }
    default:
      throw new Error(`query ${q.refId}: unknown query type ${String(q.queryType)}`);
  }
}

/**
 * A template-variable query for the API (`variable`), fields interpolated: a parent (site, block, device) may be
 * a comma-separated list and/or a multi-value variable; it is sent as a list.
 */
export function toVariableApiQuery(q: BessVariableQuery, scopedVars?: ScopedVars): ApiQueryInput {
  const list = (v?: string) => expandAll(v ? v.split(',').map((x) => x.trim()) : [], scopedVars);
  const site = list(q.site);
  const block = list(q.block);
  const device = list(q.device);
  const [profile] = list(q.profile);
  return {
    refId: q.refId || 'variable',
    queryType: 'variable',
    variable: q.variable,
    ...(site.length ? { site } : {}),
    ...(block.length ? { block } : {}),
    ...(device.length ? { device } : {}),
    ...(profile ? { profile: profile as never } : {}),
  };
}
