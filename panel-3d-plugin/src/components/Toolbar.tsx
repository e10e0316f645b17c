import { Button, RadioButtonGroup } from '@grafana/ui';
import type { CellMetric } from '../scene/cells';
import { METRIC_DEFS, metricDef } from '../scene/colorScales';
import type { MetricKey, ViewMode } from '../types';
import type { Styles } from './styles';

const METRIC_OPTIONS = METRIC_DEFS.map((m) => ({
  label: m.label,
  value: m.key,
  description: `${m.label} (${m.unit})`,
}));
const MODE_OPTIONS = [
  { label: 'String', value: 'string' as ViewMode, description: 'A bar per battery string' },
  { label: 'Block', value: 'block' as ViewMode, description: 'One aggregated bar per block' },
];
const CELL_OPTIONS = [
  { label: 'Voltage', value: 'voltage' as CellMetric },
  { label: 'Temperature', value: 'temperature' as CellMetric },
];

/** Site view toolbar: metric toggles, String / Block mode (DC voltage forces String), auto-rotate. */
export function SiteToolbar(props: {
  styles: Styles;
  metric: MetricKey;
  mode: ViewMode;
  autoRotate: boolean;
  onMetric: (m: MetricKey) => void;
  onMode: (m: ViewMode) => void;
  onAutoRotate: (on: boolean) => void;
}) {
  const { styles, metric, mode, autoRotate } = props;
  const forced = metricDef(metric).stringOnly;
  return (
    <div className={styles.toolbar} data-testid="site3d-toolbar">
      <div className={styles.group}>
        <RadioButtonGroup
          size="sm"
          options={METRIC_OPTIONS}
          value={metric}
          onChange={props.onMetric}
          aria-label="Metric"
        />
      </div>
      <div className={styles.group} title={forced ? 'DC voltage is measured per string: string view' : undefined}>
        <RadioButtonGroup
          size="sm"
          options={MODE_OPTIONS}
          value={forced ? 'string' : mode}
          disabledOptions={forced ? ['block'] : []}
          onChange={props.onMode}
          aria-label="View mode"
        />
      </div>
      <div className={styles.group}>
        <Button
          size="sm"
          variant={autoRotate ? 'primary' : 'secondary'}
          icon="sync"
          aria-pressed={autoRotate}
          onClick={() => props.onAutoRotate(!autoRotate)}
        >
          Rotate
        </Button>
      </div>
    </div>
  );
}

/** Cell view toolbar: back to the site, voltage / temperature. */
export function CellToolbar(props: {
  styles: Styles;
  device: string;
  metric: CellMetric;
  available: Record<CellMetric, boolean>;
  onMetric: (m: CellMetric) => void;
  onBack: () => void;
}) {
  const { styles, device, metric, available } = props;
  return (
    <div className={styles.toolbar} data-testid="site3d-toolbar">
      <div className={styles.group}>
        <Button size="sm" variant="secondary" icon="arrow-left" onClick={props.onBack} aria-label="Back to site">
          Site
        </Button>
      </div>
      <div className={styles.title}>Cells of {device}</div>
      <div className={styles.group}>
        <RadioButtonGroup
          size="sm"
          options={CELL_OPTIONS}
          value={metric}
          disabledOptions={CELL_OPTIONS.filter((o) => !available[o.value]).map((o) => o.value)}
          onChange={props.onMetric}
          aria-label="Cell metric"
        />
      </div>
    </div>
  );
}
