/** The bits of one register: bit, name + description, value, expected value and state badge. */
import { useStyles2 } from '@grafana/ui';
import type { BitStatus } from '../data/model';
import { StateBadge } from './StateBadge';
import { getStyles } from './styles';

const show = (v: 0 | 1 | null) => (v === null ? '—' : String(v));

interface BitTableProps {
  bits: BitStatus[];
  /** Hide OK bits (the panel's "Only non-OK" option); says how many are hidden. */
  onlyNonOk?: boolean;
  /** Accessible name, e.g. "Bits of String event 1". */
  label: string;
  id?: string;
}

export function BitTable({ bits: all, onlyNonOk = false, label, id }: BitTableProps) {
  const styles = useStyles2(getStyles);
  if (all.length === 0) {
    return <div className={styles.summary}>No bits defined for this register.</div>;
  }
  const bits = onlyNonOk ? all.filter((b) => b.state !== 'OK') : all;
  const hidden = all.length - bits.length;
  return (
    <>
      {hidden > 0 && (
        <div className={styles.summary}>
          {hidden} OK bit{hidden === 1 ? '' : 's'} hidden (option “Only non-OK”).
        </div>
      )}
      <table className={styles.table} aria-label={label} id={id}>
        <thead>
          <tr>
            <th scope="col">Bit</th>
            <th scope="col">Name</th>
            <th scope="col">Value</th>
            <th scope="col">Expected</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {bits.map((b) => (
            <tr key={b.bit} data-testid={`bit-${b.bit}`} className={styles.bitRow[b.state] || undefined}>
              <td className={styles.numeric}>{b.bit}</td>
              <td>
                <span className={styles.bitName}>{b.name}</span>
                {b.description && <span className={styles.bitDescription}>{b.description}</span>}
              </td>
              <td className={styles.numeric}>{show(b.value)}</td>
              <td className={styles.numeric}>{show(b.expected)}</td>
              <td>
                <StateBadge state={b.state} hasValue={b.value !== null} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
