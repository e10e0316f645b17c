/**
 * Panel chrome styles (toolbar, legend, tooltip, messages) from Grafana theme tokens, so buttons and overlays
 * follow the dark and light themes while the 3D scene itself stays dark navy in both.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** Hatch swatch of the stale / offline legend entry (same look as the ghost bars). */
export const HATCH = 'repeating-linear-gradient(135deg, #e5e7eb 0 3px, #6b7280 3px 7px)';

export const getStyles = (theme: GrafanaTheme2) => {
  const overlay = css({
    position: 'absolute',
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z2,
    color: theme.colors.text.primary,
    fontSize: theme.typography.bodySmall.fontSize,
  });
  return {
    root: css({ position: 'relative', overflow: 'hidden', background: '#0a1428' }),
    host: css({ position: 'absolute', inset: 0 }),
    toolbar: css({
      position: 'absolute',
      top: theme.spacing(1),
      left: theme.spacing(1),
      right: theme.spacing(1),
      display: 'flex',
      flexWrap: 'wrap',
      gap: theme.spacing(1),
      alignItems: 'center',
      pointerEvents: 'none',
      '& > *': { pointerEvents: 'auto' },
    }),
    group: css({ background: theme.colors.background.primary, borderRadius: theme.shape.radius.default }),
    title: css([
      overlay,
      { position: 'static', padding: theme.spacing(0.5, 1), fontWeight: theme.typography.fontWeightMedium },
    ]),
    legend: css([
      overlay,
      { left: theme.spacing(1), bottom: theme.spacing(1), padding: theme.spacing(1), minWidth: 220 },
    ]),
    legendTitle: css({ fontWeight: theme.typography.fontWeightMedium, marginBottom: theme.spacing(0.5) }),
    gradient: css({ height: 10, borderRadius: 2, margin: theme.spacing(0.5, 0) }),
    legendRange: css({ display: 'flex', justifyContent: 'space-between', fontVariantNumeric: 'tabular-nums' }),
    legendRow: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.75), marginTop: theme.spacing(0.5) }),
    swatch: css({ width: 14, height: 10, borderRadius: 2, display: 'inline-block' }),
    muted: css({ color: theme.colors.text.secondary }),
    tooltip: css([
      overlay,
      { pointerEvents: 'none', padding: theme.spacing(0.75, 1), minWidth: 180, zIndex: 2, lineHeight: 1.5 },
    ]),
    tooltipValue: css({ fontSize: theme.typography.h5.fontSize, fontWeight: theme.typography.fontWeightMedium }),
    message: css([
      overlay,
      { left: '50%', top: '50%', transform: 'translate(-50%, -50%)', padding: theme.spacing(2), maxWidth: '80%' },
    ]),
    problems: css([
      overlay,
      { right: theme.spacing(1), bottom: theme.spacing(1), padding: theme.spacing(0.5, 1), maxWidth: '45%' },
    ]),
  };
};

export type Styles = ReturnType<typeof getStyles>;
