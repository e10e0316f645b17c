import {
  CoreApp,
  DataSourceApi,
  LoadingState,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { catchError, lastValueFrom, map, merge, type Observable, of } from 'rxjs';
import { apiErrorMessage, postQuery, resultFor } from './api';
import { expandAll, expandSeries } from './interpolate';
import { livePoll, liveTimeseries } from './live';
import { isRunnable, toApiQueries, toVariableApiQuery } from './queries';
import {
  DEFAULT_LIVE_INTERVAL_SEC,
  DEFAULT_QUERY,
  MIN_LIVE_INTERVAL_SEC,
  type BessDataSourceOptions,
  type BessQuery,
  type BessVariableQuery,
} from './types';
import { BessVariableSupport } from './variables';

/** Body of the API's `GET /api/health` the health check reads (collector/src/api/routes/health.ts). */
interface HealthReport {
  status: 'ok' | 'degraded';
  database?: { reachable: boolean; error?: string; latencyMs?: number };
  sites?: Array<{ code: string; name: string; devices: number; lastPollAt: string | null }>;
}

/**
 * The OpenBESS telemetry datasource: every query goes to the OpenBESS API through Grafana's data proxy route
 * `api` (plugin.json: `<apiUrl>/api`, bearer token from secureJsonData), one `POST /api/query` per panel query.
 */
export class BessDataSource extends DataSourceApi<BessQuery, BessDataSourceOptions> {
  /** Data proxy URL of this datasource (`/api/datasources/proxy/uid/<uid>`). */
  readonly baseUrl: string;

  constructor(instanceSettings: DataSourceInstanceSettings<BessDataSourceOptions>) {
    super(instanceSettings);
    this.baseUrl = instanceSettings.url ?? '';
    this.variables = new BessVariableSupport(this) as unknown as BessDataSource['variables'];
    // Annotations from `events`: Grafana turns the frames (time, timeEnd, title, text, tags) into annotations.
    this.annotations = {
      getDefaultQuery: () => ({ queryType: 'events' }),
      prepareQuery: (anno) =>
        ({
          ...DEFAULT_QUERY,
          ...(anno.target ?? {}),
          refId: anno.target?.refId ?? 'Anno',
          queryType: 'events',
        }) as BessQuery,
    };
  }

  override getDefaultQuery(_app: CoreApp): Partial<BessQuery> {
    return DEFAULT_QUERY;
  }

  override filterQuery(query: BessQuery): boolean {
    return !query.hide && isRunnable(query);
  }

  /** Interpolated copy of a query (what Explore/inspector show; multi-value series expanded). */
  applyTemplateVariables(query: BessQuery, scopedVars: ScopedVars): BessQuery {
    return {
      ...query,
      series: expandSeries(query.series, scopedVars),
      devices: expandAll(query.devices, scopedVars),
      metrics: expandAll(query.metrics, scopedVars),
    };
  }

  query(request: DataQueryRequest<BessQuery>): Observable<DataQueryResponse> {
    const targets = request.targets.filter((t) => !t.hide);
    if (targets.length === 0) {
      return of({ data: [], state: LoadingState.Done });
    }
    return merge(...targets.map((t) => this.runTarget(t, request)));
  }

  private runTarget(target: BessQuery, request: DataQueryRequest<BessQuery>): Observable<DataQueryResponse> {
    const from = request.range.from.valueOf();
    const to = request.range.to.valueOf();
    let queries;
    try {
      queries = toApiQueries(target, request.scopedVars, {
        maxDataPoints: request.maxDataPoints,
        intervalMs: request.intervalMs,
      });
    } catch (e) {
      return of({
        key: target.refId,
        data: [],
        state: LoadingState.Error,
        error: { refId: target.refId, message: (e as Error).message },
      });
    }
    const once = (): Observable<DataQueryResponse> =>
      postQuery(this.baseUrl, { from, to, queries }, `${request.requestId}-${target.refId}`).pipe(
        map((response) => {
          const { frames, errors } = resultFor(response, target.refId);
          return {
            key: target.refId,
            data: frames,
            state: errors.length ? LoadingState.Error : LoadingState.Done,
            ...(errors.length ? { error: errors[0], errors } : {}),
          };
        }),
        catchError((err: Error) =>
          of({
            key: target.refId,
            data: [],
            state: LoadingState.Error,
            error: { refId: target.refId, message: err.message },
          })
        )
      );
    if (!target.live) {
      return once();
    }
    const intervalMs = 1000 * Math.max(MIN_LIVE_INTERVAL_SEC, target.liveIntervalSec || DEFAULT_LIVE_INTERVAL_SEC);
    if ((target.queryType ?? 'timeseries') === 'timeseries') {
      return liveTimeseries({
        baseUrl: this.baseUrl,
        refId: target.refId,
        series: queries.flatMap((q) => ('series' in q ? q.series : [])),
        history: { from, to, queries },
        windowMs: Math.max(1000, to - from),
        intervalMs,
      });
    }
    return livePoll(once, intervalMs);
  }

  /** Values of a template variable or a picker (`variable` query): `{ text, value }` per option. */
  override async metricFindQuery(
    query: BessVariableQuery,
    options?: { scopedVars?: ScopedVars; range?: DataQueryRequest['range'] }
  ): Promise<MetricFindValue[]> {
    const apiQuery = toVariableApiQuery({ ...query, refId: 'variable' }, options?.scopedVars);
    const now = Date.now();
    const from = options?.range?.from.valueOf() ?? now - 3600_000;
    const to = options?.range?.to.valueOf() ?? now;
    const response = await lastValueFrom(
      postQuery(this.baseUrl, { from, to: Math.max(to, from + 1), queries: [apiQuery] })
    );
    const { frames, errors } = resultFor(response, 'variable');
    if (errors.length) {
      throw new Error(errors[0].message);
    }
    const values: MetricFindValue[] = [];
    for (const frame of frames) {
      const text = frame.fields.find((f) => f.name === 'text');
      const value = frame.fields.find((f) => f.name === 'value') ?? text;
      for (let i = 0; i < frame.length; i++) {
        values.push({ text: String((text ?? value)?.values[i]), value: String(value?.values[i]) });
      }
    }
    return values;
  }

  /** "Save & test": `GET /api/health` through the data proxy route (checks URL, token and database). */
  async testDatasource(): Promise<TestDataSourceResponse> {
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<HealthReport>({ url: `${this.baseUrl}/api/health`, method: 'GET', showErrorAlert: false })
      );
      const health = response.data;
      const sites = health.sites ?? [];
      const siteList = sites.map((s) => s.code).join(', ') || 'none';
      if (health.status !== 'ok') {
        return {
          status: 'error',
          message: `OpenBESS API reachable but degraded: database ${health.database?.error ?? 'unreachable'}`,
        };
      }
      const latency = health.database?.latencyMs !== undefined ? `, database ${health.database.latencyMs} ms` : '';
      return { status: 'success', message: `OpenBESS API OK: ${sites.length} site(s) (${siteList})${latency}` };
    } catch (err) {
      const status = (err as { status?: number }).status;
      const hint =
        status === 400 || status === 401 || status === 403
          ? ' — check the API token (Grafana turns the API’s 401 into 400)'
          : status === 404
            ? ' — check the API URL (base URL without /api)'
            : '';
      return { status: 'error', message: `${apiErrorMessage(err)}${hint}` };
    }
  }
}
