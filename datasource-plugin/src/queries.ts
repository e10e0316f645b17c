import type { ScopedVars } from '@grafana/data';
import type { QueryRequestBody } from '@openbess/model/src/api/query';
import { expandAll, expandSeries } from './interpolate';
import { MAX_PICKED_SERIES, type BessQuery, type BessVariableQuery } from './types';

/** One query of an API request body, as this plugin builds it (model/src/api/query.ts). */
export type ApiQueryInput = QueryRequestBody['queries'][number];

/** Options of the status/scan/events/faults queries passed to the API as they are (not template fields). */
const OPTIONS = ['scan', 'view', 'format', 'active', 'minSeverity', 'limit'] as const;
const options = (q: BessQuery) => Object.fromEntries(OPTIONS.filter((k) => q[k] !== undefined).map((k) => [k, q[k]]));

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
    case 'faults':
      return true;
    case 'status':
      return (q.devices ?? []).length > 0 || Boolean((q.site || q.block) && q.profile);
    case 'scan':
      return Boolean(q.site && q.scan);
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
    case 'events':
    case 'faults': {
      const devices = expandAll(q.devices, scopedVars);
      return [
        {
          ...base,
          refId: q.refId,
          queryType: q.queryType,
          ...(sites.length ? { site: sites } : {}),
          ...(devices.length ? { devices } : {}),
          ...options(q),
        } as ApiQueryInput,
      ];
    }
    case 'status': {
      // devices, or every device of a profile in each site (one query per site) or in a block
      const devices = expandAll(q.devices, scopedVars);
      const registers = expandAll(q.registers, scopedVars);
      const [profile] = expandAll(q.profile ? [q.profile] : [], scopedVars);
      const blocks = expandAll(q.block ? [q.block] : [], scopedVars);
      const common = { ...base, queryType: 'status' as const, ...(registers.length ? { registers } : {}) };
      if (devices.length) {
        return [{ ...common, refId: q.refId, devices }];
      }
      const scopes = blocks.length ? blocks.map((block) => ({ block })) : sites.map((site) => ({ site }));
      if (!profile || scopes.length === 0) {
        throw new Error(`query ${q.refId}: status needs devices, or a site or block and a profile`);
      }
      return scopes.map((scope, i) => ({
        ...common,
        refId: subRefId(q.refId, i),
        ...scope,
        profile: profile as never,
      }));
    }
    case 'scan':
      if (sites.length === 0 || !q.scan) {
        throw new Error(`query ${q.refId}: scan needs a site and a scan`);
      }
      return [{ ...base, refId: q.refId, queryType: 'scan' as const, site: sites, scan: q.scan }];
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
