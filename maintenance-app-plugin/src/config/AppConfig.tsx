/**
 * App configuration page (Administration → Plugins → OpenBESS Maintenance → Configuration): the API URL
 * (jsonData.apiUrl, used by the plugin.json route) and the API token (secureJsonData.apiToken, write-only).
 * Saved with Grafana's plugin settings API, as create-plugin's app template does.
 */
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import { lastValueFrom } from 'rxjs';
import { toApiError } from '../api/http';
import type { AppJsonData, AppSecureJsonData } from '../types';

/** Props Grafana passes to an app config page. */
export type AppConfigProps = PluginConfigPageProps<AppPluginMeta<AppJsonData>>;

/** Body of `POST /api/plugins/<id>/settings`. */
export interface PluginSettingsUpdate {
  enabled: boolean;
  pinned: boolean;
  jsonData: AppJsonData;
  /** Only sent when the token was (re)entered; absent keeps the stored one. */
  secureJsonData?: AppSecureJsonData;
}

/** Saves the app's settings through Grafana's plugin settings API. */
export async function savePluginSettings(pluginId: string, data: PluginSettingsUpdate): Promise<void> {
  try {
    await lastValueFrom(getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data }));
  } catch (e) {
    throw toApiError(e, 'saving the app settings');
  }
}

/** The API URL must be an absolute http(s) URL without `/api` (the route appends `/api/maintenance`). */
export function validateApiUrl(url: string): string | undefined {
  if (!url) {
    return 'The API URL is required';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Not a URL: use e.g. http://collector:3001';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return 'Use an http:// or https:// URL';
  }
  if (/\/api\/?$/.test(parsed.pathname)) {
    return 'Leave out /api: the app adds /api/maintenance itself';
  }
  return undefined;
}

/** App configuration page. */
export function AppConfig({ plugin }: AppConfigProps) {
  const styles = useStyles2(getStyles);
  const meta = plugin.meta;
  const [apiUrl, setApiUrl] = useState(meta.jsonData?.apiUrl ?? '');
  const [token, setToken] = useState('');
  const [tokenConfigured, setTokenConfigured] = useState(Boolean(meta.secureJsonFields?.apiToken));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const urlError = apiUrl ? validateApiUrl(apiUrl) : undefined;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const invalid = validateApiUrl(apiUrl);
    if (invalid) {
      setError(invalid);
      return;
    }
    if (!tokenConfigured && !token) {
      setError('The API token is required');
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      await savePluginSettings(meta.id, {
        enabled: true,
        pinned: true,
        jsonData: { ...(meta.jsonData ?? {}), apiUrl },
        ...(token ? { secureJsonData: { apiToken: token } } : {}),
      });
      setSaved(true);
      if (token) {
        setTokenConfigured(true);
        setToken('');
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className={styles.container} onSubmit={onSubmit} aria-label="OpenBESS Maintenance settings">
      <FieldSet label="OpenBESS API">
        <Field
          label="API URL"
          description="Base URL of the OpenBESS API as Grafana's server reaches it (without /api), e.g. http://collector:3001"
          invalid={Boolean(urlError)}
          error={urlError}
          required
        >
          <Input
            id="openbess-maintenance-api-url"
            width={60}
            placeholder="http://collector:3001"
            value={apiUrl}
            onChange={(e: ChangeEvent<HTMLInputElement>) => {
              setApiUrl(e.target.value.trim());
              setSaved(false);
            }}
          />
        </Field>
        <Field
          label="API token"
          description="Bearer token of the API (OPENBESS_API_TOKEN of the collector). Stored encrypted; never sent to browsers."
          required
        >
          <SecretInput
            id="openbess-maintenance-api-token"
            width={60}
            placeholder="API token"
            isConfigured={tokenConfigured}
            value={token}
            onChange={(e: ChangeEvent<HTMLInputElement>) => {
              setToken(e.target.value);
              setSaved(false);
            }}
            onReset={() => {
              setTokenConfigured(false);
              setToken('');
            }}
          />
        </Field>
      </FieldSet>
      {error && (
        <Alert severity="error" title="Settings not saved">
          {error}
        </Alert>
      )}
      {saved && <Alert severity="success" title="Settings saved" />}
      <Button type="submit" disabled={saving}>
        {saving ? 'Saving…' : 'Save settings'}
      </Button>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({
    maxWidth: theme.spacing(100),
  }),
});
