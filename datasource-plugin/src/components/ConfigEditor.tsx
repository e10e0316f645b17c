import { css } from '@emotion/css';
import type { DataSourcePluginOptionsEditorProps, GrafanaTheme2 } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import type { ChangeEvent } from 'react';
import type { BessDataSourceOptions, BessSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<BessDataSourceOptions, BessSecureJsonData>;

/**
 * Datasource settings: the OpenBESS API base URL (jsonData.apiUrl; the plugin.json route calls `<apiUrl>/api/…`)
 * and the API token (secureJsonData.apiToken, write-only: once saved the browser only knows it is set and can
 * reset it). Grafana's data proxy adds it as `Authorization: Bearer …` to every API request.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const styles = useStyles2(getStyles);
  const { jsonData, secureJsonFields } = options;
  const secureJsonData = (options.secureJsonData ?? {}) as BessSecureJsonData;

  const onApiUrlChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, apiUrl: event.target.value.trim() } });
  };
  const onTokenChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, apiToken: event.target.value } });
  };
  const onTokenReset = () => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, apiToken: false },
      secureJsonData: { ...secureJsonData, apiToken: '' },
    });
  };

  return (
    <div className={styles.container}>
      <FieldSet label="OpenBESS API">
        <Field
          label="API URL"
          description="Base URL of the OpenBESS API as Grafana's server reaches it (without /api), e.g. http://collector:3001"
          required
        >
          <Input
            id="openbess-api-url"
            aria-label="API URL"
            width={60}
            placeholder="http://collector:3001"
            value={jsonData.apiUrl ?? ''}
            onChange={onApiUrlChange}
          />
        </Field>
        <Field
          label="API token"
          description="Bearer token of the API (OPENBESS_API_TOKEN of the collector). Stored encrypted; never sent to browsers."
          required
        >
          <SecretInput
            id="openbess-api-token"
            aria-label="API token"
            width={60}
            placeholder="API token"
            isConfigured={Boolean(secureJsonFields?.apiToken)}
            value={secureJsonData.apiToken ?? ''}
            onChange={onTokenChange}
            onReset={onTokenReset}
          />
        </Field>
      </FieldSet>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({
    maxWidth: theme.spacing(100),
  }),
});
