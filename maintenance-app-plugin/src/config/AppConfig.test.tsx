import { setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Observable } from 'rxjs';
import { AppConfig, validateApiUrl, type AppConfigProps } from './AppConfig';

function installSettingsBackend(status = 200) {
  const requests: BackendSrvRequest[] = [];
  const fetch = (options: BackendSrvRequest) =>
    new Observable((s) => {
      requests.push(options);
      Promise.resolve().then(() => {
        if (status >= 400) {
          s.error({ status, data: { message: 'Permission denied' }, config: options });
        } else {
          s.next({ status, ok: true, data: {}, config: options });
          s.complete();
        }
      });
    });
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return requests;
}

function props(jsonData: Record<string, unknown> = {}, secureJsonFields: Record<string, boolean> = {}): AppConfigProps {
  return {
    plugin: { meta: { id: 'openbess-maintenance-app', jsonData, secureJsonFields, enabled: false } },
    query: {},
  } as unknown as AppConfigProps;
}

test('saves API URL and token through Grafana plugin settings; the stored token is never shown', async () => {
  const requests = installSettingsBackend();
  const user = userEvent.setup();
  render(<AppConfig {...props()} />);
  await user.click(screen.getByLabelText(/^API URL/));
  await user.paste('http://collector:8080');
  await user.click(screen.getByLabelText(/^API token/));
  await user.paste('s3cret');
  await user.click(screen.getByRole('button', { name: 'Save settings' }));
  await waitFor(() => expect(requests).toHaveLength(1));
  expect(requests[0]).toMatchObject({
    url: '/api/plugins/openbess-maintenance-app/settings',
    method: 'POST',
    data: {
      enabled: true,
      pinned: true,
      jsonData: { apiUrl: 'http://collector:8080' },
      secureJsonData: { apiToken: 's3cret' },
    },
  });
  expect(await screen.findByText('Settings saved')).toBeInTheDocument();
  // Configured: the field shows "configured" and offers Reset, the value is gone.
  expect(screen.getByRole('button', { name: 'Reset' })).toBeInTheDocument();
});

test('keeps a configured token when only the URL changes; reports failures', async () => {
  const requests = installSettingsBackend(403);
  const user = userEvent.setup();
  render(<AppConfig {...props({ apiUrl: 'http://old:8080' }, { apiToken: true })} />);
  const url = screen.getByLabelText(/^API URL/);
  await user.clear(url);
  await user.paste('http://new:8080');
  await user.click(screen.getByRole('button', { name: 'Save settings' }));
  await waitFor(() => expect(requests).toHaveLength(1));
  expect(requests[0].data).toEqual({ enabled: true, pinned: true, jsonData: { apiUrl: 'http://new:8080' } });
  expect(await screen.findByText('Permission denied')).toBeInTheDocument();
});

test('refuses a URL with /api or without a scheme before saving', async () => {
  const requests = installSettingsBackend();
  const user = userEvent.setup();
  render(<AppConfig {...props({}, { apiToken: true })} />);
  await user.click(screen.getByLabelText(/^API URL/));
  await user.paste('http://collector:8080/api');
  await user.click(screen.getByRole('button', { name: 'Save settings' }));
  expect((await screen.findAllByText(/Leave out \/api/)).length).toBeGreaterThan(0);
  expect(requests).toHaveLength(0);
  expect(validateApiUrl('collector:8080')).toMatch(/http/);
  expect(validateApiUrl('ftp://x')).toMatch(/http/);
  expect(validateApiUrl('https://api.example.com')).toBeUndefined();
});
