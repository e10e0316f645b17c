import { join } from 'node:path';
import { ConfigError } from '@openbess/model';
import { boolFromEnv, identityFromSettings } from '../../src/cli/identity';
import { ROOT } from './helpers';

/** How the collector CLI turns its access settings into the API's identity options (cli/identity.ts). */

const ACCESS = join(ROOT, 'collector', 'config', 'access.yaml');
const SITES = ['FI006', 'EE001', 'GB003'];

test('no access file: token-only mode (undefined)', () => {
  expect(identityFromSettings({}, SITES)).toBeUndefined();
});

test('access file + Grafana: users from the file, ID tokens verified against that Grafana', () => {
  const id = identityFromSettings(
    { accessFile: ACCESS, grafanaUrl: 'https://grafana.example.com/', grafanaOrgId: 2 },
    SITES
  )!;
  expect(id.access.users.get('analyst')).toEqual({ role: 'viewer', sites: ['FI006'] });
  expect(id.grafana).toEqual({ grafanaUrl: 'https://grafana.example.com/', orgId: 2 });
  expect(id.trustUserHeader).toBe(false);
});

test.each([
  [{ grafanaUrl: 'https://g.example.com' }, '--grafana-url'],
  [{ trustUserHeader: true }, '--trust-user-header'],
  [{ accessFile: ACCESS, grafanaJwksUrl: 'https://g.example.com/keys' }, '--grafana-jwks-url'],
  [{ accessFile: ACCESS, grafanaUrl: 'https://g.example.com', grafanaOrgId: 0 }, '--grafana-org-id'],
  [{ accessFile: '/nonexistent/access.yaml' }, '/nonexistent/access.yaml'],
])('refuses %o naming %s', (settings, where) => {
  expect(() => identityFromSettings(settings, SITES)).toThrow(ConfigError);
  expect(() => identityFromSettings(settings, SITES)).toThrow(where);
});

test('boolean environment variables', () => {
  process.env.OPENBESS_T_BOOL = 'Yes';
  expect(boolFromEnv('OPENBESS_T_BOOL')).toBe(true);
  process.env.OPENBESS_T_BOOL = '0';
  expect(boolFromEnv('OPENBESS_T_BOOL')).toBe(false);
  process.env.OPENBESS_T_BOOL = 'maybe';
  expect(() => boolFromEnv('OPENBESS_T_BOOL')).toThrow('OPENBESS_T_BOOL');
  delete process.env.OPENBESS_T_BOOL;
  expect(boolFromEnv('OPENBESS_T_BOOL')).toBeUndefined();
});
