/**
 * Test helpers (jest only; not imported by module.ts): a fake of `getBackendSrv().fetch` that answers the OpenBESS
 * API contract with a handler the test supplies, and datasource instance settings.
 */
import type { DataSourceInstanceSettings } from '@grafana/data';
import { setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import type { DataFrameJSON, QueryResponse } from '@openbess/model/src/api/query';
import { Observable } from 'rxjs';
import { BessDataSource } from './datasource';
import type { BessDataSourceOptions } from './types';

export type ApiQueryBody = { refId: string; queryType: string; [k: string]: unknown };

/** Handler: one API query → its result (frames or error). */
export type QueryHandler = (q: ApiQueryBody, body: { from: number; to: number }) => QueryResponse['results'][string];

export interface FakeBackend {
  /** Every request: url, method, body. */
  requests: BackendSrvRequest[];
  /** Requests whose Observable was subscribed and not yet answered. */
  inFlight: () => number;
}

/**
 * Installs a fake BackendSrv whose fetch() answers `POST …/api/query` through `handler` and `GET …/api/health`
 * with `health`, asynchronously (a microtask later) like a real request; unsubscribing before the answer cancels it.
 */
export function installFakeBackend(handler: QueryHandler, health: unknown = { status: 'ok', sites: [] }): FakeBackend {
  const requests: BackendSrvRequest[] = [];
  let pending = 0;
  const fetch = (options: BackendSrvRequest) =>
    new Observable((subscriber) => {
      requests.push(options);
      pending++;
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          pending--;
        }
      };
      // Answered in a microtask (after the caller subscribed), unless unsubscribed first: a cancelled request.
      Promise.resolve().then(() => {
        if (settled) {
          return;
        }
        settle();
        if (options.url.endsWith('/api/health')) {
          subscriber.next({ data: health, status: 200, ok: true, config: options });
        } else {
          const body = options.data as { from: number; to: number; queries: ApiQueryBody[] };
          const results = Object.fromEntries(body.queries.map((q) => [q.refId, handler(q, body)]));
          subscriber.next({ data: { results }, status: 200, ok: true, config: options });
        }
        subscriber.complete();
      });
      return settle;
    });
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return { requests, inFlight: () => pending };
}

/** A table frame in data-frame JSON. */
export function tableFrame(refId: string, columns: Record<string, [string, unknown[]]>): DataFrameJSON {
  const names = Object.keys(columns);
  return {
    schema: { refId, fields: names.map((name) => ({ name, type: columns[name][0] as 'string' })) },
    data: { values: names.map((n) => columns[n][1]) },
  };
}

/** `text`/`value` frame of a `variable` answer. */
export function variableFrame(refId: string, rows: Array<[text: string, value: string]>): DataFrameJSON {
  return tableFrame(refId, { text: ['string', rows.map((r) => r[0])], value: ['string', rows.map((r) => r[1])] });
}

/** A datasource as Grafana constructs it (proxy URL of a datasource with uid `bess`). */
export function createDatasource(jsonData: BessDataSourceOptions = { apiUrl: 'http://api:8080' }): BessDataSource {
  const settings = {
    id: 1,
    uid: 'bess',
    type: 'openbess-telemetry-datasource',
    name: 'OpenBESS',
    url: '/api/datasources/proxy/uid/bess',
    access: 'proxy',
    jsonData,
    readOnly: false,
    meta: { id: 'openbess-telemetry-datasource' },
  } as unknown as DataSourceInstanceSettings<BessDataSourceOptions>;
  return new BessDataSource(settings);
}
