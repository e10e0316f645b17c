import { Router } from 'express';
import {
  listNotificationsQuerySchema,
  markReadSchema,
  type Notification,
  type NotificationListResponse,
  type UnreadCountResponse,
} from '@openbess/model';
import { handle, parse, queryOf, type MaintenanceDeps } from './context';
import type { Db } from './db';
import { assertCan, scopeParam, type Actor } from './scope';

interface NotificationRow {
  id: string;
  kind: Notification['kind'];
  work_order_id: string;
  site: string;
  title: string;
  message: string;
  actor: string;
  created_at: Date;
  read_at: Date | null;
}

/**
 * Unread notifications of the actor, limited to sites still in scope (a user removed from a team stops seeing
 * that site's notifications).
 */
async function unreadCount(db: Db, actor: Actor): Promise<number> {
  if (!actor.login) return 0;
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM mnt_notification
     WHERE recipient = $1 AND read_at IS NULL AND ($2::text[] IS NULL OR site = ANY($2))`,
    [actor.login, scopeParam(actor)]
  );
  return r.rows[0].n;
}

/** Notification routes of the requesting user (token-only and anonymous requests have none). */
export function notificationRoutes(deps: MaintenanceDeps): Router {
  const r = Router();
  const { pool } = deps;

  r.get(
    '/notifications',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'notification.view');
      const q = parse(listNotificationsQuerySchema, queryOf(req), 'notification query');
      let items: Notification[] = [];
      if (actor.login) {
        const rows = await pool.query<NotificationRow>(
          `SELECT * FROM mnt_notification
           WHERE recipient = $1 AND ($2::text[] IS NULL OR site = ANY($2)) AND ($3::boolean IS NOT TRUE OR read_at IS NULL)
           ORDER BY id DESC LIMIT $4`,
          [actor.login, scopeParam(actor), q.unread === 'true', q.limit]
        );
        items = rows.rows.map((x) => ({
          id: Number(x.id),
          kind: x.kind,
          workOrderId: Number(x.work_order_id),
          site: x.site,
          title: x.title,
          message: x.message,
          actor: x.actor,
          createdAt: x.created_at.toISOString(),
          read: x.read_at !== null,
        }));
      }
      const body: NotificationListResponse = { items, unread: await unreadCount(pool, actor) };
      res.json(body);
    })
  );

  r.get(
    '/notifications/unread-count',
    handle(deps, async (_req, res, actor) => {
      assertCan(actor, 'notification.view');
      const body: UnreadCountResponse = { unread: await unreadCount(pool, actor) };
      res.json(body);
    })
  );

  r.post(
    '/notifications/read',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'notification.view');
      const b = parse(markReadSchema, req.body, 'mark-read request');
      if (actor.login)
        await pool.query(
          `UPDATE mnt_notification SET read_at = now()
           WHERE recipient = $1 AND read_at IS NULL AND ($2::boolean OR id = ANY($3::bigint[]))`,
          [actor.login, b.all === true, b.ids ?? []]
        );
      const body: UnreadCountResponse = { unread: await unreadCount(pool, actor) };
      res.json(body);
    })
  );

  return r;
}
