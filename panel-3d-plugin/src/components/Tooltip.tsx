import { dateTimeFormat } from '@grafana/data';
import type { BarSet } from '../scene/bars';
import { FRESHNESS_CODE } from '../scene/bars';
import { metricDef } from '../scene/colorScales';
import type { Styles } from './styles';

/** Hover tooltip of a bar: device id, |value| with unit (and direction for power), timestamp, freshness. */
export function BarTooltip(props: {
  styles: Styles;
  bars: BarSet;
  index: number;
  x: number;
  y: number;
  timeZone?: string;
}) {
  const { styles, bars, index, x, y, timeZone } = props;
  const def = metricDef(bars.metric);
  const v = bars.values[index];
  const f = bars.freshness[index];
  const t = bars.times[index];
  const direction =
    bars.metric === 'power' && Number.isFinite(v) && v !== 0 ? (v > 0 ? 'discharging' : 'charging') : '';
  const state = f === FRESHNESS_CODE.offline ? 'offline' : f === FRESHNESS_CODE.stale ? 'stale' : '';
  return (
    <div className={styles.tooltip} style={{ left: x + 14, top: y + 14 }} data-testid="site3d-tooltip">
      <div>
        <strong>{bars.ids[index]}</strong> <span className={styles.muted}>{bars.names[index]}</span>
      </div>
      <div className={styles.tooltipValue}>
        {Number.isFinite(v) ? `${Math.abs(v).toFixed(def.decimals)} ${def.unit}` : 'no value'}{' '}
        <span className={styles.muted}>
          {def.label}
          {direction ? ` · ${direction}` : ''}
        </span>
      </div>
      <div className={styles.muted}>
        {Number.isFinite(t) ? dateTimeFormat(t, { timeZone, format: 'YYYY-MM-DD HH:mm:ss' }) : 'time unknown'}
        {state ? ` · ${state}` : ''}
        {state && bars.reasons[index] ? ` (${bars.reasons[index]})` : ''}
      </div>
      {bars.details[index] ? <div className={styles.muted}>{bars.details[index]}</div> : null}
    </div>
  );
}
