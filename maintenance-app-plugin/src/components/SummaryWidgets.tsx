/**
 * Summary widgets of the Work orders page: open requests (REQUEST), active work orders (ACTIVE + IN_PROGRESS,
 * overdue among the open ones) and time-based availability of each site over the last 30 days against the
 * contract target (API `GET /availability`, formula in model/src/kpi/availability.ts).
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import type { AvailabilityResponse, SummaryResponse } from '@openbess/model/src/maintenance/api';
import { api } from '../api/client';
import { useApi } from '../hooks/useApi';
import { useMaintenance } from './MaintenanceContext';

/** Availability window of the summary, ms (30 days). */
export const AVAILABILITY_WINDOW_MS = 30 * 86_400_000;

/** Props of {@link SummaryWidgets}. */
export interface SummaryWidgetsProps {
  /** Site filter of the page (undefined = every visible site). */
  site?: string;
  /** Bumped by the page after a change so the counts reload. */
  refreshKey?: number;
}

/** Open requests, active work orders and availability vs target. */
export function SummaryWidgets({ site, refreshKey }: SummaryWidgetsProps) {
  const styles = useStyles2(getStyles);
  const { sites } = useMaintenance();
  const summary = useApi<SummaryResponse>(() => api.summary(site), [site, refreshKey]);
  const shownSites = site ? [site] : sites.map((s) => s.code);
  const availability = useApi<AvailabilityResponse[]>(() => {
    const to = Date.now();
    return Promise.all(shownSites.map((s) => api.availability(s, to - AVAILABILITY_WINDOW_MS, to)));
  }, [shownSites.join(','), refreshKey]);

  const counts = summary.data?.counts;
  const active = counts ? counts.ACTIVE + counts.IN_PROGRESS : undefined;
  return (
    <div className={styles.grid} aria-label="Summary">
      <section className={styles.widget} aria-labelledby="summary-requests">
        <div id="summary-requests" className={styles.label}>
          Open requests
        </div>
        <div className={styles.value} data-testid="summary-open-requests">
          {counts ? counts.REQUEST : '…'}
        </div>
        <div className={styles.sub}>waiting for triage</div>
      </section>
      <section className={styles.widget} aria-labelledby="summary-active">
        <div id="summary-active" className={styles.label}>
          Active work orders
        </div>
        <div className={styles.value} data-testid="summary-active">
          {active ?? '…'}
        </div>
        <div className={styles.sub}>
          {counts ? `${counts.IN_PROGRESS} in progress` : ''}
          {summary.data && summary.data.overdue > 0 && (
            <span className={styles.bad}>
              {' · '}
              <Icon name="exclamation-triangle" size="sm" /> {summary.data.overdue} overdue
            </span>
          )}
        </div>
      </section>
      <section className={cx(styles.widget, styles.wide)} aria-labelledby="summary-availability">
        <div id="summary-availability" className={styles.label}>
          Availability, last 30 days
        </div>
        {availability.error && <div className={styles.sub}>{availability.error.message}</div>}
        {!availability.data && !availability.error && <div className={styles.value}>…</div>}
        <div className={styles.availList}>
          {availability.data?.map((a) => (
            <div key={a.site} className={styles.avail} data-testid={`availability-${a.site}`}>
              <span className={cx(styles.value, a.meetsTarget ? styles.good : styles.bad)}>
                {a.availabilityPct.toFixed(2)} %
              </span>
              <span className={styles.sub}>
                {shownSites.length > 1 && <strong>{a.site} </strong>}
                target {a.targetPct} %{a.meetsTarget ? ' · met' : ` · ${a.shortfallPct.toFixed(2)} pp short`}
              </span>
            </div>
          ))}
        </div>
      </section>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(200px, 1fr))',
    gap: theme.spacing(2),
  }),
  widget: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
  }),
  wide: css({
    gridColumn: 'span 2',
    [theme.breakpoints.down('md')]: { gridColumn: 'span 1' },
  }),
  label: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    textTransform: 'uppercase',
    letterSpacing: '0.04em',
  }),
  value: css({
    fontSize: theme.typography.h2.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    lineHeight: 1.2,
  }),
  sub: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  availList: css({
    display: 'flex',
    gap: theme.spacing(3),
    flexWrap: 'wrap',
  }),
  avail: css({
    display: 'flex',
    flexDirection: 'column',
  }),
  good: css({ color: theme.colors.success.text }),
  bad: css({ color: theme.colors.error.text }),
});
