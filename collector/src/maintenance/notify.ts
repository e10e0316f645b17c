import type { AccessConfig } from '../api/identity';
import type { NotificationKind } from '@openbess/model';
import type { Db } from './db';
import { loginMaySeeSite } from './scope';

/** A notification to send about a work order. */
export interface NotificationDraft {
  kind: NotificationKind;
  workOrderId: number;
  site: string;
  title: string;
  message: string;
  actor: string;
}

/**
 * Inserts one notification per recipient (lower-cased logins), skipping the actor and logins that may not see
 * the site (so a notification never reveals a work order to someone outside its site).
 * @returns the logins notified
 */
export async function notify(
  db: Db,
  access: AccessConfig | undefined,
  recipients: Iterable<string>,
  n: NotificationDraft
): Promise<string[]> {
  const out: string[] = [];
  for (const r of new Set([...recipients].map((x) => x.toLowerCase()))) {
    if (r === n.actor) continue;
    if (!(await loginMaySeeSite(db, access, r, n.site))) continue;
    out.push(r);
  }
  if (out.length === 0) return out;
  await db.query(
    `INSERT INTO mnt_notification (recipient, kind, work_order_id, site, title, message, actor)
     SELECT r, $2, $3, $4, $5, $6, $7 FROM unnest($1::text[]) AS r`,
    [out, n.kind, n.workOrderId, n.site, n.title, n.message, n.actor]
  );
  return out;
}
