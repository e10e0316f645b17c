import { Router } from 'express';
import { createCommentSchema, type Comment } from '@openbess/model';
import { recordAudit } from './audit';
import { handle, idParam, parse, type MaintenanceDeps } from './context';
import { inTransaction } from './db';
import { notify } from './notify';
import { assertCan } from './scope';
import { editableWorkOrder } from './tasks';
import { loadWorkOrder } from './workOrderRepo';

/**
 * `@login` mentions in a comment: `@` at the start or after whitespace/punctuation, then letters, digits, `.`,
 * `_`, `-`, optionally `@domain` (e-mail-style logins). Trailing dots are not part of the login.
 * @returns lower-cased logins, unique, in order of appearance
 */
export function parseMentions(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}_.-]+(?:@[\p{L}\p{N}_.-]+)?)/gu)) {
    const login = m[1].replace(/\.+$/, '').toLowerCase();
    if (login && !out.includes(login)) out.push(login);
  }
  return out;
}

interface CommentRow {
  id: string;
  work_order_id: string;
  author: string;
  body: string;
  mentions: string[];
  created_at: Date;
}

const toComment = (r: CommentRow): Comment => ({
  id: Number(r.id),
  workOrderId: Number(r.work_order_id),
  author: r.author,
  body: r.body,
  mentions: r.mentions,
  createdAt: r.created_at.toISOString(),
});

/** Comment thread routes under `/work-orders/:id/comments`; mentions notify (only users who may see the site). */
export function commentRoutes(deps: MaintenanceDeps): Router {
  const r = Router();
  const { pool } = deps;

  r.get(
    '/work-orders/:id/comments',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const id = idParam(req, 'id');
      await loadWorkOrder(pool, actor, id);
      const rows = await pool.query<CommentRow>('SELECT * FROM mnt_comment WHERE work_order_id = $1 ORDER BY id', [id]);
      res.json({ items: rows.rows.map(toComment) });
    })
  );

  r.post(
    '/work-orders/:id/comments',
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const b = parse(createCommentSchema, req.body, 'comment');
      assertCan(actor, 'comment.create');
      const comment = await inTransaction(pool, async (c) => {
        const wo = await editableWorkOrder(c, actor, id);
        const wanted = [...new Set([...parseMentions(b.body), ...(b.mentions ?? []).map((m) => m.toLowerCase())])];
        const notified = await notify(c, deps.access, wanted, {
          kind: 'mention',
          workOrderId: id,
          site: wo.site,
          title: wo.title,
          message: `${actor.name} mentioned you on #${id} "${wo.title}": ${b.body.slice(0, 140)}`,
          actor: actor.name,
        });
        const row = await c.query<CommentRow>(
          'INSERT INTO mnt_comment (work_order_id, author, body, mentions) VALUES ($1, $2, $3, $4) RETURNING *',
          [id, actor.name, b.body, notified]
        );
        const cm = toComment(row.rows[0]);
        await recordAudit(c, id, actor.name, [{ field: `comment:${cm.id}`, old: null, new: b.body.slice(0, 500) }]);
        return cm;
      });
      res.status(201).json(comment);
    })
  );

  return r;
}
