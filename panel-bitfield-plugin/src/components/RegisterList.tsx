/**
 * The status registers of one device: one row per register (label, metric, hex value, summary, worst state),
 * each a disclosure button (Enter/Space toggle, `aria-expanded`) that shows the register's bits.
 */
import { useState } from 'react';
import { cx } from '@emotion/css';
import { dateTimeFormat } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { RegisterStatus } from '../data/model';
import { BitTable } from './BitTable';
import { StateBadge, stateDescription } from './StateBadge';
import { getStyles } from './styles';

/** "2 alarms, 1 warning", "All bits OK", "No data" … for a register row. */
export function registerSummary(r: RegisterStatus): string {
  if (r.raw === null) {
    return r.note ? `No data (${r.note})` : 'No data';
  }
  if (r.stale) {
    return 'No recent data (stale): last known value';
  }
  const count = (s: keyof RegisterStatus['counts']) => r.counts[s];
  const parts: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (count('ALARM')) {
    parts.push(plural(count('ALARM'), 'alarm'));
  }
  if (count('WARNING')) {
    parts.push(plural(count('WARNING'), 'warning'));
  }
  if (count('INFO')) {
    parts.push(plural(count('INFO'), 'info bit'));
  }
  if (parts.length > 0) {
    return parts.join(', ');
  }
  if (Object.values(r.counts).every((n) => n === 0)) {
    return 'No bits defined';
  }
  return count('OK') > 0 ? 'All bits OK' : 'No expected values';
}

interface RegisterListProps {
  /** Id prefix for aria-controls (unique on the page, e.g. the device id). */
  idPrefix: string;
  registers: RegisterStatus[];
  /** Registers open at first render (keys). */
  initiallyOpen?: string[];
  /** Hide OK bits in the bit tables. */
  onlyNonOk?: boolean;
  timeZone?: string;
}

export function RegisterList({ idPrefix, registers, initiallyOpen = [], onlyNonOk, timeZone }: RegisterListProps) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = useState<Set<string>>(() => new Set(initiallyOpen));
  const toggle = (key: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(key)) {
        next.delete(key);
      } else {
        next.add(key);
      }
      return next;
    });

  return (
    <ul className={styles.registerList} aria-label="Status registers">
      {registers.map((r) => {
        const isOpen = open.has(r.key);
        const panelId = `${idPrefix}-${r.key}-bits`.replace(/[^A-Za-z0-9_-]/g, '_');
        const summary = registerSummary(r);
        return (
          <li key={r.key} className={styles.registerItem} data-testid={`register-${r.key}`} data-state={r.state}>
            <button
              type="button"
              className={styles.registerButton}
              aria-expanded={isOpen}
              aria-controls={panelId}
              aria-label={`${r.label}, ${r.hex || 'no value'}, ${stateDescription(r.state, !r.stale && r.raw !== null)}: ${summary}`}
              onClick={() => toggle(r.key)}
            >
              <svg
                className={cx(styles.chevron, isOpen && styles.chevronOpen)}
                width="12"
                height="12"
                viewBox="0 0 12 12"
                aria-hidden="true"
              >
                <path d="M4 2l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
              </svg>
              <span className={styles.registerLabel}>
                {r.label}
                {r.label !== r.key && <span className={styles.registerKey}>{r.key}</span>}
              </span>
              <span
                className={r.stale ? styles.hexStale : styles.hex}
                data-testid="hex"
                title={r.stale ? 'Last known value (stale)' : undefined}
              >
                {r.hex || '—'}
              </span>
              <span className={styles.summary}>{summary}</span>
              <StateBadge state={r.state} hasValue={!r.stale && r.raw !== null} className={styles.badgeCell} />
            </button>
            {isOpen && (
              <div id={panelId} className={styles.bitsPanel}>
                <div className={styles.sampleInfo}>
                  {r.raw === null
                    ? 'No sample'
                    : `${r.stale ? 'Last known raw' : 'Raw'} ${r.raw} (${r.hex})` +
                      (r.time !== null ? ` · sampled ${dateTimeFormat(r.time, { timeZone })}` : '') +
                      (r.stale ? ' · stale: no recent sample, bits shown as no data' : '')}
                </div>
                <BitTable bits={r.bits} onlyNonOk={onlyNonOk} label={`Bits of ${r.label}`} />
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
