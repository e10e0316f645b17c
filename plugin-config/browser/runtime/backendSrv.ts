/**
 * A small, real `BackendSrv` (the service behind `getBackendSrv()` in @grafana/runtime) on the browser's
 * `fetch`, for the harness page: `fetch()` returns an Observable of Grafana's `FetchResponse`
 * (`{ data, status, statusText, ok, headers, redirected, type, url, config }`), errors are Grafana's
 * `FetchError` shape (`{ status, statusText, data, config }`), unsubscribing aborts the HTTP request, and a
 * new request with the same `requestId` cancels the previous one (as Grafana's does). `get/post/put/patch/
 * delete/request/datasourceRequest` are the promise forms.
 *
 * Like Grafana, relative URLs go to the page's origin, where the harness server emulates Grafana's data proxy
 * (`/api/datasources/proxy/uid/<uid>/<route>/…`, route headers from plugin.json) and app proxy.
 *
 * Free of @grafana/* imports (see templateSrv.ts); only rxjs.
 */
import { lastValueFrom, Observable } from 'rxjs';

/** The request options plugins pass (subset of Grafana's BackendSrvRequest). */
export interface SimpleBackendRequest {
  url: string;
  method?: string;
  data?: unknown;
  params?: Record<string, unknown>;
  headers?: Record<string, string>;
  requestId?: string;
  responseType?: 'json' | 'text' | 'arraybuffer' | 'blob';
  credentials?: RequestCredentials;
  showErrorAlert?: boolean;
  showSuccessAlert?: boolean;
  hideFromInspector?: boolean;
  silent?: boolean;
}

/** Grafana's FetchResponse. */
export interface SimpleFetchResponse<T = unknown> {
  data: T;
  status: number;
  statusText: string;
  ok: boolean;
  headers: Headers;
  redirected: boolean;
  type: ResponseType;
  url: string;
  config: SimpleBackendRequest;
}

/** Grafana's FetchError. */
export interface SimpleFetchError<T = unknown> {
  status: number;
  statusText?: string;
  data: T;
  config: SimpleBackendRequest;
  cancelled?: boolean;
  isHandled?: boolean;
}

/** Every request the service made, for tests to inspect (method, url, body). */
export interface RecordedRequest {
  method: string;
  url: string;
  data?: unknown;
}

function serializeParams(params: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) {
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(
        `${encodeURIComponent(key)}=${encodeURIComponent(typeof v === 'object' ? JSON.stringify(v) : String(v))}`
      );
    }
  }
  return parts.join('&');
}

async function readBody(res: Response, responseType: SimpleBackendRequest['responseType']): Promise<unknown> {
  if (responseType === 'arraybuffer') {
    return res.arrayBuffer();
  }
  if (responseType === 'blob') {
    return res.blob();
  }
  const text = await res.text();
  if (responseType === 'text' || text === '') {
    return text;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** fetch()-based BackendSrv; `requests` records every request made. */
export class SimpleBackendSrv {
  readonly requests: RecordedRequest[] = [];
  /** Requests started and not yet answered, failed or cancelled. */
  pending = 0;
  private inFlight = new Map<string, AbortController>();

  constructor(private readonly defaultHeaders: Record<string, string> = { 'X-Grafana-Org-Id': '1' }) {}

  fetch<T>(options: SimpleBackendRequest): Observable<SimpleFetchResponse<T>> {
    return new Observable<SimpleFetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      if (options.requestId) {
        this.inFlight.get(options.requestId)?.abort();
        this.inFlight.set(options.requestId, controller);
      }
      const method = (options.method ?? 'GET').toUpperCase();
      const query = options.params ? serializeParams(options.params) : '';
      const url = query ? `${options.url}${options.url.includes('?') ? '&' : '?'}${query}` : options.url;
      const headers: Record<string, string> = { ...this.defaultHeaders, ...(options.headers ?? {}) };
      let body: BodyInit | undefined;
      if (options.data !== undefined && method !== 'GET') {
        if (typeof options.data === 'string' || options.data instanceof FormData || options.data instanceof Blob) {
          body = options.data as BodyInit;
        } else {
          body = JSON.stringify(options.data);
          headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
        }
      }
      this.requests.push({ method, url, data: options.data });
      this.pending++;
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          this.pending--;
        }
      };
      fetch(url, {
        method,
        headers,
        body,
        signal: controller.signal,
        credentials: options.credentials ?? 'same-origin',
      })
        .then(async (res) => {
          const data = (await readBody(res, options.responseType)) as T;
          if (!res.ok) {
            const error: SimpleFetchError = { status: res.status, statusText: res.statusText, data, config: options };
            subscriber.error(error);
            return;
          }
          subscriber.next({
            data,
            status: res.status,
            statusText: res.statusText,
            ok: res.ok,
            headers: res.headers,
            redirected: res.redirected,
            type: res.type,
            url: res.url,
            config: options,
          });
          subscriber.complete();
        })
        .catch((err: Error) => {
          if (controller.signal.aborted) {
            return;
          }
          const error: SimpleFetchError = {
            status: 0,
            statusText: err.message,
            data: { message: err.message },
            config: options,
          };
          subscriber.error(error);
        })
        .finally(() => {
          settle();
          if (options.requestId && this.inFlight.get(options.requestId) === controller) {
            this.inFlight.delete(options.requestId);
          }
        });
      return () => {
        settle();
        controller.abort();
      };
    });
  }

  async request<T>(options: SimpleBackendRequest): Promise<T> {
    return (await lastValueFrom(this.fetch<T>(options))).data;
  }

  datasourceRequest<T>(options: SimpleBackendRequest): Promise<SimpleFetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }

  get<T>(url: string, params?: Record<string, unknown>, requestId?: string, options?: Partial<SimpleBackendRequest>) {
    return this.request<T>({ ...options, url, params, requestId, method: 'GET' });
  }

  delete<T>(url: string, data?: unknown, options?: Partial<SimpleBackendRequest>) {
    return this.request<T>({ ...options, url, data, method: 'DELETE' });
  }

  post<T>(url: string, data?: unknown, options?: Partial<SimpleBackendRequest>) {
    return this.request<T>({ ...options, url, data, method: 'POST' });
  }

  patch<T>(url: string, data?: unknown, options?: Partial<SimpleBackendRequest>) {
    return this.request<T>({ ...options, url, data, method: 'PATCH' });
  }

  put<T>(url: string, data?: unknown, options?: Partial<SimpleBackendRequest>) {
    return this.request<T>({ ...options, url, data, method: 'PUT' });
  }

  /** Grafana's chunked(): here the whole body as one chunk. */
  chunked(options: SimpleBackendRequest): Observable<SimpleFetchResponse<Uint8Array | undefined>> {
    return new Observable((subscriber) => {
      const sub = this.fetch<ArrayBuffer>({ ...options, responseType: 'arraybuffer' }).subscribe({
        next: (r) => subscriber.next({ ...r, data: new Uint8Array(r.data) }),
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => sub.unsubscribe();
    });
  }
}
