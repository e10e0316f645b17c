import { Router, type Request } from 'express';
import type { Pool } from 'pg';
import {
  queryRequestSchema,
  type DataFrameJSON,
  type Query,
  type QueryResult,
  type RegisterMap,
} from '@openbess/model';
import { asyncRoute, badRequest, HttpError } from '../errors';
import { accessFor, assertTelemetryAllowed } from '../identity';
import { catalogQuery } from './catalog';
import { eventsQuery, faultsQuery } from './events';
import { scanQuery } from './scan';
import { statusQuery } from './status';
import type { OfflineStatusProvider, QueryContext, QueryDeps } from './context';
import { latestQuery } from './latest';
import type { LatestMemory } from '../../store/latest-values';
import { storePyramid } from './pyramid';
import type { PyramidLevel } from './resolution';
import { timeseriesQuery } from './timeseries';
import { treeQuery } from './tree';
import { variableQuery } from './variable';

/** Options of {@link queryRouter}. */
export interface QueryRouterOptions {
  pool: Pool;
  /** Loaded register maps (per-device poll intervals for `isOffline`). */
  maps?: Map<string, RegisterMap>;
  /** Poll interval assumed for devices whose maps are unknown, ms. Default 5000. */
  defaultPollIntervalMs?: number;
  /** Manual offline status from the maintenance app (issue 6); ORed into the tree's `isOffline`. */
  offlineStatus?: OfflineStatusProvider;
  /** Pyramid levels source; default the store's continuous aggregates when its feature flag is on. */
  pyramid?: () => Promise<readonly PyramidLevel[]>;
  /** Logger for unexpected per-query failures (answered as status 500 for that refId only). */
  logger?: { error: (obj: unknown, msg: string) => void };
  /** In-memory latest values of this process's writer (see {@link QueryDeps.latest}). */
  latest?: LatestMemory;
}

/** Runs one validated query. */
export async function runQuery(ctx: QueryContext, q: Query): Promise<DataFrameJSON[]> {
  switch (q.queryType) {
    case 'timeseries':
      return timeseriesQuery(ctx, q);
    case 'latest':
      return latestQuery(ctx, q);
    case 'tree':
      return treeQuery(ctx, q);
    case 'catalog':
      return catalogQuery(ctx, q);
    case 'variable':
      return variableQuery(ctx, q);
    case 'status':
      return statusQuery(ctx, q);
    case 'scan':
      return scanQuery(ctx, q);
    case 'events':
      return eventsQuery(ctx, q);
    case 'faults':
      return faultsQuery(ctx, q);
  }
}

/**
 * HTTP status of a whole answer: 200 when every query succeeded; when all failed with one status,
 * that status; otherwise 207 Multi-Status (Grafana's `datasourceQueryMultiStatus` behaviour). The body
 * always has the `{ results }` shape.
 */
export function overallStatus(results: QueryResult[]): number {
  const failed = results.filter((r) => r.status >= 400);
  if (failed.length === 0) return 200;
  if (failed.length === results.length && failed.every((r) => r.status === failed[0].status)) return failed[0].status;
  return 207;
}

/** JSON text of frame lists already sent once (answers reused from a cache, e.g. latest ones, are not re-serialized). */
const framesText = new WeakMap<DataFrameJSON[], string>();

/**
 * The `{ results }` body (`QueryResponse` of @openbess/model) as JSON text — the text `JSON.stringify` gives, with
 * each frame list serialized once per object (see `framesText`).
 */
function responseText(results: Map<string, QueryResult>): string {
  const parts: string[] = [];
  for (const [refId, r] of results) {
    let text: string;
    if (r.frames && r.error === undefined) {
      let f = framesText.get(r.frames);
      if (f === undefined) framesText.set(r.frames, (f = JSON.stringify(r.frames)));
      text = `{"status":${r.status},"frames":${f}}`;
    } else text = JSON.stringify(r);
    parts.push(`${JSON.stringify(refId)}:${text}`);
  }
  return `{"results":{${parts.join(',')}}}`;
}

/**
 * `POST /api/query` — Grafana's `/api/ds/query` contract (model/src/api/query.ts): body
 * `{ from, to, queries: [{ refId, queryType, maxDataPoints, intervalMs, … }] }`, answer
 * `{ results: { <refId>: { status, frames } | { status, error } } }`.
 *
 * - 415 when the body is not `application/json`; 400 naming the field for an invalid body (zod);
 * - 403 for role partner-maintenance (no telemetry at all);
 * - per query: 400/403/404 with a reason in `results[refId].error` (e.g. a device of a site the user
 *   is not granted); an unexpected failure of one query is logged and answered 500 for that refId only.
 * Every query type filters rows by the device's stored site against the caller's {@link accessFor}.
 */
export function queryRouter(opts: QueryRouterOptions): Router {
  const deps: QueryDeps = {
    pool: opts.pool,
    maps: opts.maps,
    defaultPollIntervalMs: opts.defaultPollIntervalMs,
    offlineStatus: opts.offlineStatus,
    latest: opts.latest,
    pyramid: opts.pyramid ?? storePyramid(opts.pool),
  };
  const r = Router();
  r.post(
    '/query',
    asyncRoute(async (req: Request, res) => {
      const access = accessFor(req);
      assertTelemetryAllowed(access);
      if (!req.is('application/json')) throw new HttpError(415, 'Content-Type must be application/json');
      const parsed = queryRequestSchema.safeParse(req.body);
      if (!parsed.success) throw badRequest(parsed.error, 'query request');
      const { from, to, queries } = parsed.data;
      const ctx: QueryContext = { ...deps, access, from, to };
      const results = await Promise.all(
        queries.map(async (q): Promise<QueryResult> => {
          if (q.hide) return { status: 200, frames: [] };
          try {
            return { status: 200, frames: await runQuery(ctx, q) };
          } catch (e) {
            if (e instanceof HttpError) return { status: e.status, error: e.message };
            opts.logger?.error({ err: e, refId: q.refId, queryType: q.queryType }, 'query failed');
            return { status: 500, error: 'internal error' };
          }
        })
      );
      const byRefId = new Map<string, QueryResult>();
      queries.forEach((q, i) => byRefId.set(q.refId, results[i]));
      res.status(overallStatus(results)).type('application/json').send(responseText(byRefId));
    })
  );
  return r;
}
