import { setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import { Observable } from 'rxjs';
import { multipartFile } from './client';
import { ApiError, apiRequest, toApiError } from './http';

test('API errors carry the status and the API reason; 409 is a conflict', () => {
  const e = toApiError(
    { status: 409, data: { error: 'work order 3 was changed', detail: { current: 1 } } },
    'PATCH /x'
  );
  expect(e).toBeInstanceOf(ApiError);
  expect(e.status).toBe(409);
  expect(e.isConflict).toBe(true);
  expect(e.message).toBe('work order 3 was changed');
  expect(e.detail).toEqual({ current: 1 });
  expect(toApiError({ status: 0, data: { message: 'Failed to fetch' } }, 'GET /me').message).toBe(
    'GET /me: API unreachable (Failed to fetch)'
  );
  expect(toApiError(new Error('boom'), 'GET /me').message).toBe('GET /me: boom');
});

test('apiRequest goes through backendSrv to the plugin proxy route, without empty params', async () => {
  const seen: BackendSrvRequest[] = [];
  setBackendSrv({
    fetch: (o: BackendSrvRequest) =>
      new Observable((s) => {
        seen.push(o);
        s.next({ data: { ok: 1 }, status: 200, ok: true, config: o });
        s.complete();
      }),
  } as unknown as BackendSrv);
  await expect(apiRequest({ path: '/work-orders', params: { q: '', site: 'FI006', x: undefined } })).resolves.toEqual({
    ok: 1,
  });
  expect(seen[0]).toMatchObject({
    url: '/api/plugin-proxy/openbess-maintenance-app/maintenance/work-orders',
    method: 'GET',
    params: { site: 'FI006' },
    showErrorAlert: false,
  });
});

test('multipart body: one part named file, quotes and newlines in the name percent-encoded', () => {
  const { body, contentType } = multipartFile(new File(['abc'], 'a"b\r\nc.txt', { type: 'text/plain' }));
  const boundary = /boundary=(.+)$/.exec(contentType)![1];
  expect(body.size).toBe(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a%22b%0D%0Ac.txt"\r\nContent-Type: text/plain\r\n\r\nabc\r\n--${boundary}--\r\n`
      .length
  );
});
