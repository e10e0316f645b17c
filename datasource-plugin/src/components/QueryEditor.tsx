import { css } from '@emotion/css';
import type { GrafanaTheme2, QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, InlineSwitch, Input, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { useState } from 'react';
import type { BessDataSource } from '../datasource';
import {
  DEFAULT_LIVE_INTERVAL_SEC,
  DEFAULT_QUERY,
  MIN_LIVE_INTERVAL_SEC,
  type BessDataSourceOptions,
  type BessQuery,
  type BessQueryType,
} from '../types';
import { DevicePicker, DevicesPicker, MetricsPicker, ProfilePicker, SitePicker } from './pickers';
import { SeriesEditor } from './SeriesEditor';

type Props = QueryEditorProps<BessDataSource, BessQuery, BessDataSourceOptions>;

const QUERY_TYPES: Array<SelectableValue<BessQueryType>> = [
  { label: 'Time series', value: 'timeseries', description: 'Up to 8 (device, metric) series over the time range' },
  { label: 'Latest', value: 'latest', description: 'Latest value and time per device and metric' },
  { label: 'Site tree', value: 'tree', description: 'Devices of a site with inline values' },
  { label: 'Register catalog', value: 'catalog', description: 'Metrics with unit and source register' },
  { label: 'Events', value: 'events', description: 'Events and alarms (annotations)' },
  { label: 'Status', value: 'status', description: 'Status registers bit by bit (bitfield panel)' },
  { label: 'Scan', value: 'scan', description: 'One row per string or block with a status column' },
  { label: 'Faults', value: 'faults', description: 'Faults & trips: timeline, MTTR, top offenders' },
];

const SCANS: Array<SelectableValue<NonNullable<BessQuery['scan']>>> = [
  { label: 'String status', value: 'stringStatus' },
  { label: 'Block status', value: 'blockStatus' },
  { label: 'Missing strings', value: 'missingStrings' },
  { label: 'Missing blocks', value: 'missingBlocks' },
];
const FAULT_VIEWS: Array<SelectableValue<NonNullable<BessQuery['view']>>> = [
  { label: 'Timeline', value: 'timeline' },
  { label: 'MTTR by device', value: 'mttrByDevice' },
  { label: 'MTTR by bit', value: 'mttrByBit' },
  { label: 'Top offenders', value: 'topOffenders' },
];
const EVENT_FORMATS: Array<SelectableValue<NonNullable<BessQuery['format']>>> = [
  { label: 'Annotations', value: 'annotations' },
  { label: 'Table', value: 'table' },
];

/** Query editor: query type, site → device → metric pickers loaded from the API, live mode. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const styles = useStyles2(getStyles);
  const q: BessQuery = { ...DEFAULT_QUERY, ...query };
  const type = q.queryType ?? 'timeseries';
  const update = (patch: Partial<BessQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };

  return (
    <div className={styles.editor} data-testid="openbess-query-editor">
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={14}>
          <RadioButtonGroup<BessQueryType>
            options={QUERY_TYPES}
            value={type}
            onChange={(v) => update({ queryType: v })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Site"
          labelWidth={14}
          htmlFor="openbess-site"
          tooltip="Site code or a template variable such as $site"
        >
          <SitePicker
            inputId="openbess-site"
            datasource={datasource}
            value={q.site}
            onChange={(site) => update({ site })}
          />
        </InlineField>
      </InlineFieldRow>

      {type === 'timeseries' && (
        <SeriesEditor
          datasource={datasource}
          site={q.site}
          series={q.series ?? []}
          onChange={(series) => update({ series })}
        />
      )}

      {(type === 'latest' || type === 'events' || type === 'status' || type === 'faults') && (
        <InlineFieldRow>
          <InlineField label="Devices" labelWidth={14} htmlFor="openbess-devices">
            <DevicesPicker
              inputId="openbess-devices"
              datasource={datasource}
              site={q.site}
              value={q.devices ?? []}
              onChange={(devices) => update({ devices })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {type === 'latest' && (
        <InlineFieldRow>
          <InlineField label="Metrics" labelWidth={14} htmlFor="openbess-metrics">
            <MetricsPicker
              inputId="openbess-metrics"
              datasource={datasource}
              devices={q.devices ?? []}
              value={q.metrics ?? []}
              placeholder="All metrics"
              onChange={(metrics) => update({ metrics })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {type === 'status' && (
        <InlineFieldRow>
          <InlineField
            label="Profile"
            labelWidth={14}
            htmlFor="openbess-status-profile"
            tooltip="Without devices: every device of this profile in the site"
          >
            <ProfilePicker
              inputId="openbess-status-profile"
              value={q.profile}
              onChange={(profile) => update({ profile })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {type === 'scan' && (
        <InlineFieldRow>
          <InlineField label="Scan" labelWidth={14}>
            <RadioButtonGroup options={SCANS} value={q.scan} onChange={(scan) => update({ scan })} />
          </InlineField>
        </InlineFieldRow>
      )}
      {type === 'faults' && (
        <InlineFieldRow>
          <InlineField label="View" labelWidth={14}>
            <RadioButtonGroup
              options={FAULT_VIEWS}
              value={q.view ?? 'timeline'}
              onChange={(view) => update({ view })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {type === 'events' && (
        <InlineFieldRow>
          <InlineField label="Format" labelWidth={14}>
            <RadioButtonGroup
              options={EVENT_FORMATS}
              value={q.format ?? 'annotations'}
              onChange={(format) => update({ format })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {type === 'catalog' && (
        <InlineFieldRow>
          <InlineField label="Profile" labelWidth={14} htmlFor="openbess-profile">
            <ProfilePicker inputId="openbess-profile" value={q.profile} onChange={(profile) => update({ profile })} />
          </InlineField>
          <InlineField label="Device" labelWidth={10} htmlFor="openbess-catalog-device">
            <DevicePicker
              inputId="openbess-catalog-device"
              datasource={datasource}
              site={q.site}
              value={q.device}
              onChange={(device) => update({ device })}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {(type === 'timeseries' || type === 'latest') && (
        <InlineFieldRow>
          <InlineField
            label="Live"
            labelWidth={14}
            htmlFor="openbess-live"
            tooltip="Poll the latest values every N seconds and stream them into the panel, trimmed to the time range"
          >
            <InlineSwitch
              id="openbess-live"
              value={Boolean(q.live)}
              onChange={(e) => update({ live: e.currentTarget.checked })}
            />
          </InlineField>
          <InlineField label="Every (s)" labelWidth={10} htmlFor="openbess-live-interval" disabled={!q.live}>
            <LiveIntervalInput
              value={q.liveIntervalSec ?? DEFAULT_LIVE_INTERVAL_SEC}
              onChange={(liveIntervalSec) => update({ liveIntervalSec }, false)}
              onBlur={onRunQuery}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </div>
  );
}

/**
 * Seconds between live polls. The text is local while typing (an emptied field does not snap back); valid
 * values (≥ 1) are saved as typed, anything else restores the saved value on blur.
 */
function LiveIntervalInput(props: { value: number; onChange: (sec: number) => void; onBlur: () => void }) {
  const [text, setText] = useState(String(props.value));
  return (
    <Input
      id="openbess-live-interval"
      type="number"
      min={MIN_LIVE_INTERVAL_SEC}
      width={8}
      value={text}
      onChange={(e) => {
        const raw = e.currentTarget.value;
        setText(raw);
        const n = Number(raw);
        if (raw.trim() !== '' && Number.isFinite(n) && n >= MIN_LIVE_INTERVAL_SEC) {
          props.onChange(n);
        }
      }}
      onBlur={() => {
        const n = Number(text);
        if (text.trim() === '' || !Number.isFinite(n) || n < MIN_LIVE_INTERVAL_SEC) {
          setText(String(props.value));
        }
        props.onBlur();
      }}
    />
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  editor: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
});
