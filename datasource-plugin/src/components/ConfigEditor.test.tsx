import type { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import type { BessDataSourceOptions, BessSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Options = DataSourceSettings<BessDataSourceOptions, BessSecureJsonData>;

const baseOptions = (patch: Partial<Options> = {}): Options =>
  ({
    id: 1,
    uid: 'bess',
    orgId: 1,
    name: 'OpenBESS',
    type: 'openbess-telemetry-datasource',
    typeName: 'OpenBESS Telemetry',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...patch,
  }) as Options;

/** Grafana's options round trip: every onOptionsChange re-renders with the new options. */
function Host({ initial, seen }: { initial: Options; seen: Options[] }) {
  const [options, setOptions] = useState(initial);
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(o) => {
        seen.push(o);
        setOptions(o);
      }}
    />
  );
}

test('API URL goes to jsonData.apiUrl (trimmed) and the token to secureJsonData only', async () => {
  const seen: Options[] = [];
  render(<Host initial={baseOptions()} seen={seen} />);
  await userEvent.type(screen.getByLabelText('API URL'), ' http://collector:3001 ');
  await userEvent.type(screen.getByLabelText('API token'), 's3cret');
  const last = seen[seen.length - 1];
  expect(last.jsonData.apiUrl).toBe('http://collector:3001');
  expect(last.secureJsonData?.apiToken).toBe('s3cret');
  expect(JSON.stringify(last.jsonData)).not.toContain('s3cret');
});

test('a saved token shows as configured (value never shown) and Reset clears it for re-entry', async () => {
  const seen: Options[] = [];
  render(
    <Host
      initial={baseOptions({ jsonData: { apiUrl: 'http://api' }, secureJsonFields: { apiToken: true } })}
      seen={seen}
    />
  );
  const token = screen.getByLabelText('API token');
  expect(token).toBeDisabled();
  expect(token).toHaveValue('configured');
  await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
  const reset = seen[seen.length - 1];
  expect(reset.secureJsonFields.apiToken).toBe(false);
  expect(reset.secureJsonData?.apiToken).toBe('');
  const editable = screen.getByLabelText('API token');
  expect(editable).toBeEnabled();
  await userEvent.type(editable, 'new-token');
  expect(seen[seen.length - 1].secureJsonData?.apiToken).toBe('new-token');
  expect(seen[seen.length - 1].jsonData.apiUrl).toBe('http://api');
});
