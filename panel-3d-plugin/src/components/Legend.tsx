import { CELL_METRICS, type CellMetric } from '../scene/cells';
import type { CellSummary } from '../scene/cellView';
import { cssGradient, metricDef } from '../scene/colorScales';
import type { MetricKey, ViewMode } from '../types';
import { HATCH, type Styles } from './styles';

const fmt = (v: number, decimals: number) => v.toFixed(decimals);

/** Legend of the site view: metric, unit, min and max over the colour gradient, and the stale / offline look. */
export function SiteLegend(props: { styles: Styles; metric: MetricKey; mode: ViewMode; range: [number, number] }) {
  const { styles, metric, mode, range } = props;
  const def = metricDef(metric);
  return (
    <div className={styles.legend} data-testid="site3d-legend">
      <div className={styles.legendTitle}>
        {def.label} ({def.unit}) · {mode === 'block' ? 'per block' : 'per string'}
        {metric === 'power' ? <span className={styles.muted}> · |value|</span> : null}
      </div>
      <div className={styles.gradient} style={{ background: cssGradient(metric) }} />
      <div className={styles.legendRange}>
        <span data-testid="site3d-legend-min">
          {fmt(range[0], def.decimals)} {def.unit}
        </span>
        <span data-testid="site3d-legend-max">
          {fmt(range[1], def.decimals)} {def.unit}
        </span>
      </div>
      <div className={styles.legendRow}>
        <span className={styles.swatch} style={{ background: HATCH }} />
        <span className={styles.muted}>stale, offline or no value</span>
      </div>
    </div>
  );
}

/** Legend of the cell view: metric, range, and the lowest / highest cell with the spread. */
export function CellLegend(props: { styles: Styles; device: string; metric: CellMetric; summary: CellSummary }) {
  const { styles, device, metric, summary } = props;
  const def = CELL_METRICS[metric];
  const d = def.decimals;
  const { stats } = summary;
  return (
    <div className={styles.legend} data-testid="site3d-legend">
      <div className={styles.legendTitle}>
        {def.label} ({def.unit}) · {device}
      </div>
      <div className={styles.gradient} style={{ background: cssGradient(def.scale) }} />
      <div className={styles.legendRange}>
        <span>
          {fmt(summary.range[0], d)} {def.unit}
        </span>
        <span>
          {fmt(summary.range[1], d)} {def.unit}
        </span>
      </div>
      <div className={styles.legendRow} data-testid="site3d-cell-stats">
        min {fmt(stats.min, d)} (cell {stats.minIndex + 1}) · max {fmt(stats.max, d)} (cell {stats.maxIndex + 1}) ·
        spread {fmt(stats.spread * (metric === 'voltage' ? 1000 : 1), metric === 'voltage' ? 0 : 1)}{' '}
        {metric === 'voltage' ? 'mV' : def.unit} · {stats.valid} cells
      </div>
    </div>
  );
}
