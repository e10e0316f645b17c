import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Select } from '@grafana/ui';
import type { VariableKind } from '@openbess/model/src/api/query';
import type { BessDataSource } from '../datasource';
import { DEFAULT_VARIABLE_QUERY, type BessDataSourceOptions, type BessQuery, type BessVariableQuery } from '../types';
import { DevicePicker, ProfilePicker, SitePicker } from './pickers';

type Props = QueryEditorProps<BessDataSource, BessQuery, BessDataSourceOptions, BessVariableQuery>;

const KINDS: Array<SelectableValue<VariableKind>> = [
  { label: 'Sites', value: 'sites', description: 'Site codes the user may see' },
  { label: 'Blocks', value: 'blocks', description: 'BESS blocks of a site (device ids)' },
  { label: 'Strings', value: 'strings', description: 'Battery strings of a block (device ids)' },
  { label: 'Devices', value: 'devices', description: 'Devices of a site, optionally one profile' },
  { label: 'Metrics', value: 'metrics', description: 'Metrics of a device' },
];

/**
 * Variable query editor: what the variable lists (sites, blocks of `$site`, strings of `$block`, devices,
 * metrics) and its parent, which may itself be a (multi-value) variable — chained variables.
 */
export function VariableQueryEditor({ query, onChange, datasource }: Props) {
  const q: BessVariableQuery = { ...DEFAULT_VARIABLE_QUERY, ...query } as BessVariableQuery;
  const update = (patch: Partial<BessVariableQuery>) => onChange({ ...q, ...patch });
  const needsSite = q.variable === 'blocks' || q.variable === 'devices';
  return (
    <div data-testid="openbess-variable-editor">
      <InlineFieldRow>
        <InlineField label="List" labelWidth={14} htmlFor="openbess-variable-kind">
          <Select<VariableKind>
            inputId="openbess-variable-kind"
            width={30}
            options={KINDS}
            value={q.variable}
            onChange={(v) => v.value && update({ variable: v.value })}
          />
        </InlineField>
      </InlineFieldRow>
      {needsSite && (
        <InlineFieldRow>
          <InlineField label="Site" labelWidth={14} htmlFor="openbess-variable-site" required>
            <SitePicker
              inputId="openbess-variable-site"
              datasource={datasource}
              value={q.site}
              onChange={(site) => update({ site })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {q.variable === 'devices' && (
        <InlineFieldRow>
          <InlineField label="Profile" labelWidth={14} htmlFor="openbess-variable-profile">
            <ProfilePicker
              inputId="openbess-variable-profile"
              value={q.profile}
              onChange={(profile) => update({ profile })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {q.variable === 'strings' && (
        <InlineFieldRow>
          <InlineField label="Site" labelWidth={14} htmlFor="openbess-variable-site">
            <SitePicker
              inputId="openbess-variable-site"
              datasource={datasource}
              value={q.site}
              onChange={(site) => update({ site })}
            />
          </InlineField>
          <InlineField
            label="Block"
            labelWidth={10}
            htmlFor="openbess-variable-block"
            required
            tooltip="Block device id or $block"
          >
            <DevicePicker
              inputId="openbess-variable-block"
              datasource={datasource}
              site={q.site}
              value={q.block}
              onChange={(block) => update({ block })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {q.variable === 'metrics' && (
        <InlineFieldRow>
          <InlineField label="Site" labelWidth={14} htmlFor="openbess-variable-site">
            <SitePicker
              inputId="openbess-variable-site"
              datasource={datasource}
              value={q.site}
              onChange={(site) => update({ site })}
            />
          </InlineField>
          <InlineField label="Device" labelWidth={10} htmlFor="openbess-variable-device" required>
            <DevicePicker
              inputId="openbess-variable-device"
              datasource={datasource}
              site={q.site}
              value={q.device}
              onChange={(device) => update({ device })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </div>
  );
}
