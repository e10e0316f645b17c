/**
 * Transport to the maintenance API: Grafana's `getBackendSrv().fetch` (so requests carry Grafana's session and go
 * through the app plugin proxy route of plugin.json), errors turned into {@link ApiError} with the API's reason.
 */
import { getBackendSrv, type FetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { API_BASE } from '../constants';

/** An API request that failed: HTTP status and the API's own reason (`{ error }` body) when it gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: unknown
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** 409: the record changed since it was loaded (optimistic locking) or the transition is not allowed. */
  get isConflict(): boolean {
    return this.status === 409;
  }
}

function isFetchError(e: unknown): e is FetchError<{ error?: string; message?: string; detail?: unknown }> {
  return typeof e === 'object' && e !== null && 'status' in e && 'data' in e;
}

/** Converts a rejected fetch into an {@link ApiError} naming what failed. */
export function toApiError(e: unknown, what: string): ApiError {
  if (e instanceof ApiError) {
    return e;
  }
  if (isFetchError(e)) {
    const body = e.data;
    const reason =
      (typeof body === 'object' && body !== null && (body.error ?? body.message)) ||
      (typeof body === 'string' && body) ||
      e.statusText ||
      'request failed';
    const status = e.status ?? 0;
    return new ApiError(status, status === 0 ? `${what}: API unreachable (${reason})` : String(reason), body?.detail);
  }
  return new ApiError(0, `${what}: ${(e as Error)?.message ?? String(e)}`);
}

/** Options of {@link apiRequest}. */
export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under `/api/maintenance`, e.g. `/work-orders/12`. */
  path: string;
  params?: Record<string, string | number | boolean | string[] | undefined>;
  data?: unknown;
  /** Extra request headers (e.g. the multipart Content-Type of an upload). */
  headers?: Record<string, string>;
  /** Cancels a previous request with the same id (Grafana's requestId semantics). */
  requestId?: string;
}

/** Sends one request to the maintenance API and resolves with the JSON body; rejects with {@link ApiError}. */
export async function apiRequest<T>(req: ApiRequest): Promise<T> {
  const params = req.params
    ? Object.fromEntries(Object.entries(req.params).filter(([, v]) => v !== undefined && v !== ''))
    : undefined;
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${API_BASE}${req.path}`,
        method: req.method ?? 'GET',
        params,
        data: req.data,
        headers: req.headers,
        requestId: req.requestId,
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return response.data;
  } catch (e) {
    throw toApiError(e, `${req.method ?? 'GET'} ${req.path}`);
  }
}
