/** Audit history of a work order (who, when, field, old → new), collapsed by default. */
import { Collapse, useStyles2 } from '@grafana/ui';
import type { AuditEntry, AuditValue } from '@openbess/model/src/maintenance/types';
import { useState } from 'react';
import { api } from '../api/client';
import { useApi } from '../hooks/useApi';
import { formatTime, getCommonStyles } from './styles';

/** Short text of an audited value (HTML bodies reduced to their text). */
export function auditText(v: AuditValue): string {
  if (v === null || v === undefined) {
    return '—';
  }
  if (Array.isArray(v)) {
    return v.length ? v.join(', ') : '—';
  }
  if (typeof v === 'object') {
    return JSON.stringify(v);
  }
  const s = String(v)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > 80 ? `${s.slice(0, 79)}…` : s || '—';
}

/** Props of {@link HistoryList}. */
export interface HistoryListProps {
  workOrderId: number;
  /** Changes when the work order changed, to reload. */
  version: number;
}

/** The history section. */
export function HistoryList({ workOrderId, version }: HistoryListProps) {
  const common = useStyles2(getCommonStyles);
  const [open, setOpen] = useState(false);
  const history = useApi<AuditEntry[]>(
    () => (open ? api.history(workOrderId) : Promise.resolve([])),
    [workOrderId, version, open]
  );
  return (
    <Collapse label="History" isOpen={open} onToggle={() => setOpen(!open)} collapsible>
      {history.error && <div className={common.muted}>{history.error.message}</div>}
      <table className={common.table} aria-label="History">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Field</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {[...(history.data ?? [])].reverse().map((h) => (
            <tr key={h.id}>
              <td className={common.muted}>{formatTime(h.at)}</td>
              <td>{h.by}</td>
              <td className={common.mono}>{h.field}</td>
              <td>
                {auditText(h.old)} → {auditText(h.new)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Collapse>
  );
}
