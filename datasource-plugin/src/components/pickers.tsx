import type { SelectableValue } from '@grafana/data';
import { MultiSelect, Select } from '@grafana/ui';
import { DEVICE_PROFILES } from '@openbess/model/src/deviceId';
import type { BessDataSource } from '../datasource';
import { useApiOptions, withVariables } from './useApiOptions';

/** Pickers share: the datasource (to load options) and an id for the label. */
interface PickerBase {
  datasource: BessDataSource;
  inputId: string;
  width?: number;
}

const values = (selected: Array<SelectableValue<string>>) =>
  selected.map((s) => s.value).filter((v): v is string => Boolean(v));

/** Site code from the API's `sites` (only the user's sites) or a template variable. */
export function SitePicker(props: PickerBase & { value?: string; onChange: (site: string | undefined) => void }) {
  const sites = useApiOptions(props.datasource, { variable: 'sites' });
  return (
    <Select<string>
      inputId={props.inputId}
      width={props.width ?? 30}
      placeholder={sites.error ? 'Sites unavailable' : 'Pick a site'}
      options={withVariables(sites.options, props.value ? [props.value] : [])}
      value={props.value ?? null}
      isLoading={sites.loading}
      allowCustomValue
      isClearable
      onChange={(v) => props.onChange(v?.value)}
    />
  );
}

/** One device of `site` (any profile) or a template variable. */
export function DevicePicker(
  props: PickerBase & { site?: string; value?: string; onChange: (device: string | undefined) => void }
) {
  const devices = useApiOptions(props.datasource, props.site ? { variable: 'devices', site: props.site } : undefined);
  return (
    <Select<string>
      inputId={props.inputId}
      width={props.width ?? 40}
      placeholder={props.site ? 'Pick a device' : 'Pick a site first'}
      options={withVariables(devices.options, props.value ? [props.value] : [])}
      value={props.value ?? null}
      isLoading={devices.loading}
      allowCustomValue
      isClearable
      onChange={(v) => props.onChange(v?.value)}
    />
  );
}

/** Several devices of `site` (template variables allowed). */
export function DevicesPicker(
  props: PickerBase & { site?: string; value: string[]; onChange: (devices: string[]) => void }
) {
  const devices = useApiOptions(props.datasource, props.site ? { variable: 'devices', site: props.site } : undefined);
  return (
    <MultiSelect<string>
      inputId={props.inputId}
      width={props.width ?? 60}
      placeholder={props.site ? 'All devices of the site' : 'Pick a site first'}
      options={withVariables(devices.options, props.value)}
      value={props.value}
      isLoading={devices.loading}
      allowCustomValue
      onChange={(v) => props.onChange(values(v))}
    />
  );
}

/** Metrics the API has for `devices` (scalar series), several at once. */
export function MetricsPicker(
  props: PickerBase & {
    devices: string[];
    value: string[];
    onChange: (metrics: string[]) => void;
    placeholder?: string;
    disabled?: boolean;
  }
) {
  const metrics = useApiOptions(
    props.datasource,
    props.devices.length ? { variable: 'metrics', device: props.devices.join(',') } : undefined
  );
  return (
    <MultiSelect<string>
      inputId={props.inputId}
      width={props.width ?? 60}
      placeholder={props.placeholder ?? (props.devices.length ? 'Pick metrics' : 'Pick a device first')}
      options={withVariables(metrics.options, props.value)}
      value={props.value}
      isLoading={metrics.loading}
      disabled={props.disabled}
      allowCustomValue
      onChange={(v) => props.onChange(values(v))}
    />
  );
}

/** Device profile (static vocabulary from the model). */
export function ProfilePicker(props: {
  inputId: string;
  value?: string;
  onChange: (profile: string | undefined) => void;
}) {
  return (
    <Select<string>
      inputId={props.inputId}
      width={30}
      placeholder="All profiles"
      options={withVariables(
        DEVICE_PROFILES.map((p) => ({ label: p, value: p })),
        props.value ? [props.value] : []
      )}
      value={props.value ?? null}
      isClearable
      allowCustomValue
      onChange={(v) => props.onChange(v?.value)}
    />
  );
}
