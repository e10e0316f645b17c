/**
 * Styles of the panel (emotion through `useStyles2`), from theme tokens only, so dark and light themes work.
 * State tones: OK = success (green), WARNING = warning (amber), ALARM = error (red), INFO and NO_DATA = the
 * neutral secondary tone (grey; NO_DATA with a dashed border). Every state also has its own text and icon.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2, ThemeRichColor } from '@grafana/data';
import type { BitState } from '../data/model';

/** Theme tone of a state. */
export function stateTone(theme: GrafanaTheme2, state: BitState): ThemeRichColor {
  switch (state) {
    case 'OK':
      return theme.colors.success;
    case 'WARNING':
      return theme.colors.warning;
    case 'ALARM':
      return theme.colors.error;
    default:
      return theme.colors.secondary;
  }
}

/** Visible keyboard focus ring (Grafana's primary colour), for buttons and focusable cells. */
export function focusRing(theme: GrafanaTheme2) {
  return {
    '&:focus': { outline: 'none' },
    '&:focus-visible': {
      outline: `2px solid ${theme.colors.primary.main}`,
      outlineOffset: '-2px',
      zIndex: 1,
    },
  };
}

/**
 * Icon shapes (16×16) per state, used as CSS masks: the mask's own colour is irrelevant (only its alpha is used);
 * the icon is painted with `currentColor`, i.e. the badge's theme text colour.
 */
const ICON_SHAPES: Record<BitState, string> = {
  // check in a circle
  OK: '<circle cx="8" cy="8" r="7" fill="none" stroke="#000" stroke-width="1.6"/><path d="M4.6 8.3l2.2 2.2 4.6-4.8" fill="none" stroke="#000" stroke-width="1.8" stroke-linecap="round"/>',
  // "i" in a circle
  INFO: '<circle cx="8" cy="8" r="7" fill="none" stroke="#000" stroke-width="1.6"/><path d="M8 7.2v4.3" stroke="#000" stroke-width="1.8" stroke-linecap="round"/><circle cx="8" cy="4.7" r="1.1"/>',
  // "!" in a triangle
  WARNING:
    '<path d="M8 1.5l7 12.5H1z" fill="none" stroke="#000" stroke-width="1.6" stroke-linejoin="round"/><path d="M8 6v3.8" stroke="#000" stroke-width="1.8" stroke-linecap="round"/><circle cx="8" cy="11.9" r="1"/>',
  // "×" in an octagon
  ALARM:
    '<path d="M5.1 1h5.8L15 5.1v5.8L10.9 15H5.1L1 10.9V5.1z" fill="none" stroke="#000" stroke-width="1.6" stroke-linejoin="round"/><path d="M5.6 5.6l4.8 4.8M10.4 5.6l-4.8 4.8" stroke="#000" stroke-width="1.8" stroke-linecap="round"/>',
  // dash in a dashed circle
  NO_DATA:
    '<circle cx="8" cy="8" r="7" fill="none" stroke="#000" stroke-width="1.4" stroke-dasharray="2.5 2"/><path d="M5 8h6" stroke="#000" stroke-width="1.8" stroke-linecap="round"/>',
};

const iconMask = (state: BitState) =>
  `url("data:image/svg+xml,${encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">${ICON_SHAPES[state]}</svg>`
  )}")`;

const BADGE_STATES: BitState[] = ['OK', 'INFO', 'WARNING', 'ALARM', 'NO_DATA'];

function badgeBase(theme: GrafanaTheme2) {
  return {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    height: theme.spacing(2.5),
    padding: theme.spacing(0, 0.75),
    borderRadius: theme.shape.radius.pill,
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    lineHeight: 1,
    whiteSpace: 'nowrap' as const,
  };
}

function badgeVariant(theme: GrafanaTheme2, state: BitState) {
  const tone = stateTone(theme, state);
  const solid = state === 'ALARM' || state === 'WARNING';
  const mask = iconMask(state);
  return {
    background: solid ? tone.main : tone.transparent,
    color: solid ? tone.contrastText : state === 'OK' ? tone.text : theme.colors.text.secondary,
    border: `1px ${state === 'NO_DATA' ? 'dashed' : 'solid'} ${solid ? tone.main : tone.border}`,
    '&::before': {
      content: '""',
      flex: 'none',
      width: 14,
      height: 14,
      backgroundColor: 'currentColor',
      maskImage: mask,
      WebkitMaskImage: mask,
      maskSize: 'contain',
      WebkitMaskSize: 'contain',
      maskRepeat: 'no-repeat',
      WebkitMaskRepeat: 'no-repeat',
    },
  };
}

function gridDeviceStyle(theme: GrafanaTheme2) {
  return {
    display: 'flex',
    alignItems: 'center',
    padding: theme.spacing(0.5, 1),
    fontWeight: theme.typography.fontWeightMedium,
    whiteSpace: 'nowrap' as const,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    cursor: 'pointer',
    '&:hover': { background: theme.colors.action.hover },
    ...focusRing(theme),
  };
}

function gridCellStyle(theme: GrafanaTheme2) {
  return {
    // the hex value after the badge
    '& > span + span': { fontFamily: theme.typography.fontFamilyMonospace },
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 1),
    whiteSpace: 'nowrap' as const,
    overflow: 'hidden',
    cursor: 'pointer',
    '&:hover': { background: theme.colors.action.hover },
    ...focusRing(theme),
  };
}

/** Heights the grid's row windowing relies on (set on the rows, so they hold in both themes), px. */
export const GRID_ROW_HEIGHT = 30;
export const GRID_HEADER_HEIGHT = 30;

export const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    height: '100%',
    width: '100%',
    overflow: 'auto',
    fontSize: theme.typography.body.fontSize,
    color: theme.colors.text.primary,
  }),
  message: css({
    padding: theme.spacing(2),
    color: theme.colors.text.secondary,
    textAlign: 'center',
  }),
  problems: css({
    margin: theme.spacing(1, 0, 0),
    padding: theme.spacing(1),
    border: `1px solid ${theme.colors.warning.border}`,
    borderRadius: theme.shape.radius.default,
    color: theme.colors.warning.text,
    fontSize: theme.typography.bodySmall.fontSize,
    listStyle: 'none',
  }),
  /** Complete badge class per state (base + variant, merged once: emotion's cx() per cell is costly). */
  badgeState: Object.fromEntries(BADGE_STATES.map((s) => [s, css(badgeBase(theme), badgeVariant(theme, s))])) as Record<
    BitState,
    string
  >,
  srOnly: css({
    position: 'absolute',
    width: 1,
    height: 1,
    padding: 0,
    margin: -1,
    overflow: 'hidden',
    clip: 'rect(0, 0, 0, 0)',
    whiteSpace: 'nowrap',
    border: 0,
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 0, 1),
  }),
  deviceName: css({
    fontSize: theme.typography.h5.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    margin: 0,
  }),
  summary: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  spacer: css({ flex: '1 1 auto' }),
  nav: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  registerList: css({ listStyle: 'none', margin: 0, padding: 0 }),
  registerItem: css({ borderBottom: `1px solid ${theme.colors.border.weak}` }),
  registerButton: css({
    display: 'grid',
    // Fixed tracks (minmax(0, …) and a fixed badge column) so that every register row lines up.
    gridTemplateColumns: `${theme.spacing(2)} minmax(0, 2fr) minmax(0, 1fr) minmax(0, 2fr) ${theme.spacing(13)}`,
    alignItems: 'center',
    gap: theme.spacing(1),
    width: '100%',
    padding: theme.spacing(0.75, 1),
    background: 'transparent',
    border: 'none',
    color: 'inherit',
    font: 'inherit',
    textAlign: 'left',
    cursor: 'pointer',
    '&:hover': { background: theme.colors.action.hover },
    ...focusRing(theme),
  }),
  chevron: css({
    color: theme.colors.text.secondary,
    transition: theme.transitions.create('transform', { duration: theme.transitions.duration.shortest }),
  }),
  chevronOpen: css({ transform: 'rotate(90deg)' }),
  registerLabel: css({ fontWeight: theme.typography.fontWeightMedium, overflow: 'hidden', textOverflow: 'ellipsis' }),
  registerKey: css({
    display: 'block',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightRegular,
  }),
  hex: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.bodySmall.fontSize }),
  /** Last known value of a stale register: dimmed and in italics, never mistaken for a fresh one. */
  hexStale: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.disabled,
    fontStyle: 'italic',
  }),
  bitsPanel: css({ padding: theme.spacing(0, 1, 1, 4) }),
  sampleInfo: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    padding: theme.spacing(0, 0, 0.5),
  }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': {
      padding: theme.spacing(0.5, 1),
      textAlign: 'left',
      verticalAlign: 'middle',
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  bitRow: {
    OK: '',
    NO_DATA: '',
    INFO: css({ background: theme.colors.secondary.transparent }),
    WARNING: css({ background: theme.colors.warning.transparent }),
    ALARM: css({ background: theme.colors.error.transparent }),
  } as Record<BitState, string>,
  badgeCell: css({ justifySelf: 'end' }),
  bitName: css({ fontWeight: theme.typography.fontWeightMedium }),
  bitDescription: css({ display: 'block', color: theme.colors.text.secondary }),
  numeric: css({ fontFamily: theme.typography.fontFamilyMonospace }),
  /** The grid: a fixed-height frame (summary + scroll area); rows are CSS grids on one column template. */
  gridFrame: css({ display: 'flex', flexDirection: 'column', minHeight: 0 }),
  gridScroll: css({ flex: '1 1 auto', minHeight: 0, overflow: 'auto' }),
  grid: css({ fontSize: theme.typography.bodySmall.fontSize }),
  gridHeader: css({
    position: 'sticky',
    top: 0,
    zIndex: 2,
    background: theme.colors.background.primary,
    color: theme.colors.text.secondary,
    fontWeight: theme.typography.fontWeightMedium,
  }),
  gridHeaderRow: css({
    display: 'grid',
    gridTemplateColumns: 'var(--bitfield-cols)',
    alignItems: 'center',
    height: GRID_HEADER_HEIGHT,
    boxSizing: 'border-box',
    borderBottom: `1px solid ${theme.colors.border.medium}`,
  }),
  gridRow: css({
    display: 'grid',
    gridTemplateColumns: 'var(--bitfield-cols)',
    height: GRID_ROW_HEIGHT,
    boxSizing: 'border-box',
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  gridHeaderCell: css({
    padding: theme.spacing(0.75, 1),
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  gridDevice: css(gridDeviceStyle(theme)),
  gridCell: css(gridCellStyle(theme)),
  /** gridCell / gridDevice with the "open" background, merged once (no cx() per cell). */
  gridCellOpen: css(gridCellStyle(theme), { background: theme.colors.action.selected }),
  gridDeviceOpen: css(gridDeviceStyle(theme), { background: theme.colors.action.selected }),
  gridMissing: css({ color: theme.colors.text.disabled }),
  /** Hex of a stale register in a grid cell (last known value). */
  gridStaleHex: css({ color: theme.colors.text.disabled, fontStyle: 'italic' }),
  gridDetail: css({
    background: theme.colors.background.secondary,
    padding: theme.spacing(1),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  gridInfo: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    padding: theme.spacing(0, 0, 1),
  }),
});

export type PanelStyles = ReturnType<typeof getStyles>;
