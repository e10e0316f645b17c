import {
  dataFrameFromJSON,
  type DataFrame,
  type DataFrameJSON as GrafanaFrameJSON,
  type DataQueryError,
} from '@grafana/data';
import { getBackendSrv, type FetchError } from '@grafana/runtime';
import type { QueryResponse } from '@openbess/model/src/api/query';
import { catchError, map, type Observable, throwError } from 'rxjs';
import { parentRefId, type ApiQueryInput } from './queries';

/** `POST <api>/query` body as this plugin sends it (times in epoch ms). */
export interface ApiRequest {
  from: number;
  to: number;
  queries: ApiQueryInput[];
}

/** Human message of a failed API call (FetchError from BackendSrv, network error …). */
export function apiErrorMessage(err: unknown): string {
  const e = err as Partial<FetchError<{ error?: string; message?: string }>> & { message?: string };
  const body = e.data && typeof e.data === 'object' ? (e.data.error ?? e.data.message) : undefined;
  if (typeof e.status === 'number') {
    if (e.status === 0 || e.status === 502) {
      return `OpenBESS API unreachable${body ? `: ${body}` : ''}`;
    }
    return `OpenBESS API answered HTTP ${e.status}${body ? `: ${body}` : e.statusText ? ` ${e.statusText}` : ''}`;
  }
  return e.message ?? String(err);
}

/**
 * Sends one request to `POST <baseUrl>/api/query` (the plugin.json route `api` → `<apiUrl>/api`). Answers with
 * per-query errors (HTTP 207, or 4xx where every query failed) still give their `results`; other failures
 * error the Observable with an Error carrying a readable message. Unsubscribing cancels the HTTP request.
 */
export function postQuery(baseUrl: string, body: ApiRequest, requestId?: string): Observable<QueryResponse> {
  return getBackendSrv()
    .fetch<QueryResponse>({
      url: `${baseUrl}/api/query`,
      method: 'POST',
      data: body,
      requestId,
      hideFromInspector: false,
      showErrorAlert: false,
    })
    .pipe(
      map((r) => r.data),
      catchError((err: FetchError<QueryResponse>) => {
        if (err?.data && typeof err.data === 'object' && 'results' in err.data && err.data.results) {
          return [err.data];
        }
        return throwError(() => new Error(apiErrorMessage(err)));
      })
    );
}

/**
 * Frames and errors of one panel query from an API answer: results of its sub-refIds (`A`, `A~2` …) are
 * merged, frames converted with `dataFrameFromJSON` and given the panel query's refId.
 */
export function resultFor(response: QueryResponse, refId: string): { frames: DataFrame[]; errors: DataQueryError[] } {
  const frames: DataFrame[] = [];
  const errors: DataQueryError[] = [];
  for (const [key, result] of Object.entries(response.results ?? {})) {
    if (parentRefId(key) !== refId) {
      continue;
    }
    for (const f of result.frames ?? []) {
      const frame = dataFrameFromJSON(f as unknown as GrafanaFrameJSON);
      frame.refId = refId;
      frames.push(frame);
    }
    if (result.error) {
      errors.push({ refId, message: result.error, status: result.status });
    }
  }
  return { frames, errors };
}
