import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { IconButton, InlineField, InlineFieldRow, useStyles2 } from '@grafana/ui';
import { useState } from 'react';
import type { BessDataSource } from '../datasource';
import { MAX_PICKED_SERIES, type SeriesSelection } from '../types';
import { DevicePicker, MetricsPicker } from './pickers';

interface Props {
  datasource: BessDataSource;
  site?: string;
  series: SeriesSelection[];
  onChange: (series: SeriesSelection[]) => void;
}

/**
 * Time-series picker: device (of the site) → its metrics, several at once; the pairs collect below as removable
 * chips, at most {@link MAX_PICKED_SERIES}. Clicking a chip's device brings it back into the pickers.
 */
export function SeriesEditor({ datasource, site, series, onChange }: Props) {
  const styles = useStyles2(getStyles);
  const [device, setDevice] = useState<string | undefined>(series[0]?.device);
  const picked = series.filter((s) => s.device === device).map((s) => s.metric);
  const others = series.filter((s) => s.device !== device);
  const room = MAX_PICKED_SERIES - others.length;

  const onMetrics = (metrics: string[]) => {
    if (!device) {
      return;
    }
    onChange([...others, ...metrics.slice(0, Math.max(0, room)).map((metric) => ({ device, metric }))]);
  };

  return (
    <>
      <InlineFieldRow>
        <InlineField
          label="Device"
          labelWidth={14}
          htmlFor="openbess-series-device"
          tooltip="Device of the site, or a template variable such as $string"
        >
          <DevicePicker
            inputId="openbess-series-device"
            datasource={datasource}
            site={site}
            value={device}
            onChange={setDevice}
          />
        </InlineField>
        <InlineField label="Metrics" labelWidth={10} htmlFor="openbess-series-metrics" disabled={!device}>
          <MetricsPicker
            inputId="openbess-series-metrics"
            datasource={datasource}
            devices={device ? [device] : []}
            value={picked}
            onChange={onMetrics}
            width={50}
          />
        </InlineField>
      </InlineFieldRow>
      <div className={styles.series} aria-label="Selected series">
        <span className={styles.count}>
          Series {series.length}/{MAX_PICKED_SERIES}
        </span>
        {series.length === 0 && <span className={styles.hint}>Pick a device and one or more of its metrics.</span>}
        {series.map((s) => (
          <span key={`${s.device} ${s.metric}`} className={styles.chip} data-testid="openbess-series-chip">
            <button
              type="button"
              className={styles.chipLabel}
              onClick={() => setDevice(s.device)}
              title="Edit this device's metrics"
            >
              {s.device} <strong>{s.metric}</strong>
            </button>
            <IconButton
              name="times"
              size="sm"
              aria-label={`Remove ${s.device} ${s.metric}`}
              onClick={() => onChange(series.filter((x) => x !== s))}
            />
          </span>
        ))}
        {series.length >= MAX_PICKED_SERIES && (
          <span className={styles.warning}>
            At most {MAX_PICKED_SERIES} series per query — add another query for more.
          </span>
        )}
      </div>
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  series: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    margin: theme.spacing(0.5, 0, 1, 0),
  }),
  count: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    width: theme.spacing(14),
    paddingLeft: theme.spacing(1),
  }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  warning: css({ color: theme.colors.warning.text, fontSize: theme.typography.bodySmall.fontSize }),
  chip: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0.25, 0.5, 0.25, 1),
    borderRadius: theme.shape.radius.pill,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  chipLabel: css({
    background: 'none',
    border: 'none',
    padding: 0,
    color: theme.colors.text.primary,
    cursor: 'pointer',
    fontSize: 'inherit',
    '& strong': { color: theme.colors.text.link, fontWeight: theme.typography.fontWeightMedium },
  }),
});
