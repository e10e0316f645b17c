/**
 * A state badge: icon + text + colour, so the state never depends on colour alone. The icon is a CSS mask on a
 * pseudo-element (see styles.ts `badgeState`), so a grid of a thousand cells adds no DOM nodes for icons.
 */
import { useStyles2 } from '@grafana/ui';
import type { BitState } from '../data/model';
import { getStyles } from './styles';

/** Short visible text of a state: OK, INFO, WARNING, ALARM, or an em dash for no data / no expectation. */
export const STATE_TEXT: Record<BitState, string> = {
  OK: 'OK',
  INFO: 'INFO',
  WARNING: 'WARNING',
  ALARM: 'ALARM',
  NO_DATA: '—',
};

/** Spoken/tooltip description of a state. `hasValue` tells "no expected value" from "no data". */
export function stateDescription(state: BitState, hasValue = false): string {
  switch (state) {
    case 'OK':
      return 'OK';
    case 'INFO':
      return 'Info';
    case 'WARNING':
      return 'Warning';
    case 'ALARM':
      return 'Alarm';
    default:
      return hasValue ? 'No expected value' : 'No data';
  }
}

interface StateBadgeProps {
  state: BitState;
  /** For NO_DATA: the bit has a value but no expectation (says "No expected value" instead of "No data"). */
  hasValue?: boolean;
  className?: string;
}

/** Badge with icon, text and colour; `data-state` carries the state for tests and styling hooks. */
export function StateBadge({ state, hasValue = false, className }: StateBadgeProps) {
  const styles = useStyles2(getStyles);
  if (state === 'NO_DATA') {
    const description = stateDescription(state, hasValue);
    return (
      <span
        className={className ? `${styles.badgeState.NO_DATA} ${className}` : styles.badgeState.NO_DATA}
        data-state={state}
        title={description}
      >
        <span aria-hidden="true">{STATE_TEXT.NO_DATA}</span>
        <span className={styles.srOnly}>{description}</span>
      </span>
    );
  }
  return (
    <span
      className={className ? `${styles.badgeState[state]} ${className}` : styles.badgeState[state]}
      data-state={state}
      title={stateDescription(state)}
    >
      {STATE_TEXT[state]}
    </span>
  );
}
