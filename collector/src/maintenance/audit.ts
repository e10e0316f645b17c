import type { AuditValue } from '@openbess/model';
import type { Db } from './db';

/** One field change to record. */
export interface FieldChange {
  field: string;
  old: AuditValue;
  new: AuditValue;
}

/**
 * Appends audit rows for a work order (one per changed field), in the caller's transaction so the history and
 * the change commit together.
 */
export async function recordAudit(db: Db, workOrderId: number, by: string, changes: FieldChange[]): Promise<void> {
  if (changes.length === 0) return;
  await db.query(
    `INSERT INTO mnt_audit (work_order_id, by, field, old, new)
     SELECT $1, $2, f, o, n FROM unnest($3::text[], $4::jsonb[], $5::jsonb[]) AS u(f, o, n)`,
    [
      workOrderId,
      by,
      changes.map((c) => c.field),
      changes.map((c) => JSON.stringify(c.old ?? null)),
      changes.map((c) => JSON.stringify(c.new ?? null)),
    ]
  );
}

/** Whether two audit values differ (arrays compared element-wise, in order). */
export function differs(a: AuditValue | undefined, b: AuditValue | undefined): boolean {
  return JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
}
