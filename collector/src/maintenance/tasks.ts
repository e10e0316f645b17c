import { Router } from 'express';
import { createTaskSchema, TERMINAL_STATUSES, updateTaskSchema, type Task } from '@openbess/model';
import { HttpError } from '../api/errors';
import { recordAudit, type FieldChange } from './audit';
import { handle, idParam, parse, type MaintenanceDeps } from './context';
import { inTransaction, type Db } from './db';
import { assertCan, type Actor } from './scope';
import { loadWorkOrder } from './workOrderRepo';

interface TaskRow {
  id: string;
  work_order_id: string;
  title: string;
  done: boolean;
  done_by: string | null;
  done_at: Date | null;
  position: number;
  created_by: string;
  created_at: Date;
}

const toTask = (r: TaskRow): Task => ({
  id: Number(r.id),
  workOrderId: Number(r.work_order_id),
  title: r.title,
  done: r.done,
  doneBy: r.done_by,
  doneAt: r.done_at ? r.done_at.toISOString() : null,
  position: r.position,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

/**
 * Loads a work order for a child-record edit (tasks, comments, files): visible, not CLOSED/CANCELLED.
 * @throws HttpError 404 unknown / out of scope, 409 final state
 */
export async function editableWorkOrder(db: Db, actor: Actor, id: number) {
  const wo = await loadWorkOrder(db, actor, id, true);
  if (TERMINAL_STATUSES.includes(wo.status))
    throw new HttpError(409, `work order ${id} is ${wo.status}: it can no longer be changed`);
  return wo;
}

/** Checklist routes under `/work-orders/:id/tasks`. Every change is audited on the work order. */
export function taskRoutes(deps: MaintenanceDeps): Router {
  const r = Router();
  const { pool } = deps;

  r.get(
    '/work-orders/:id/tasks',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const id = idParam(req, 'id');
      await loadWorkOrder(pool, actor, id);
      const rows = await pool.query<TaskRow>('SELECT * FROM mnt_task WHERE work_order_id = $1 ORDER BY position, id', [
        id,
      ]);
      res.json({ items: rows.rows.map(toTask) });
    })
  );

  r.post(
    '/work-orders/:id/tasks',
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const b = parse(createTaskSchema, req.body, 'task');
      assertCan(actor, 'task.manage');
      const task = await inTransaction(pool, async (c) => {
        await editableWorkOrder(c, actor, id);
        const row = await c.query<TaskRow>(
          `INSERT INTO mnt_task (work_order_id, title, position, created_by)
           VALUES ($1, $2, (SELECT coalesce(max(position) + 1, 0) FROM mnt_task WHERE work_order_id = $1), $3)
           RETURNING *`,
          [id, b.title, actor.name]
        );
        const t = toTask(row.rows[0]);
        await recordAudit(c, id, actor.name, [{ field: `task:${t.id}`, old: null, new: t.title }]);
        return t;
      });
      res.status(201).json(task);
    })
  );

  r.patch(
    '/work-orders/:id/tasks/:taskId',
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const taskId = idParam(req, 'taskId');
      const b = parse(updateTaskSchema, req.body, 'task update');
      assertCan(actor, 'task.manage');
      const task = await inTransaction(pool, async (c) => {
        await editableWorkOrder(c, actor, id);
        const cur = await c.query<TaskRow>('SELECT * FROM mnt_task WHERE id = $1 AND work_order_id = $2 FOR UPDATE', [
          taskId,
          id,
        ]);
        if (cur.rowCount === 0) throw new HttpError(404, `work order ${id} has no task ${taskId}`);
        const t = toTask(cur.rows[0]);
        const changes: FieldChange[] = [];
        if (b.title !== undefined && b.title !== t.title)
          changes.push({ field: `task:${taskId}.title`, old: t.title, new: b.title });
        if (b.done !== undefined && b.done !== t.done)
          changes.push({ field: `task:${taskId}.done`, old: t.done, new: b.done });
        if (b.position !== undefined && b.position !== t.position)
          changes.push({ field: `task:${taskId}.position`, old: t.position, new: b.position });
        if (changes.length === 0) return t;
        const row = await c.query<TaskRow>(
          `UPDATE mnt_task SET title = coalesce($2, title), position = coalesce($3, position),
             done = coalesce($4, done),
             done_by = CASE WHEN $4::boolean IS NULL THEN done_by WHEN $4 THEN $5 ELSE NULL END,
             done_at = CASE WHEN $4::boolean IS NULL THEN done_at WHEN $4 THEN now() ELSE NULL END
           WHERE id = $1 RETURNING *`,
          [taskId, b.title ?? null, b.position ?? null, b.done ?? null, actor.name]
        );
        await recordAudit(c, id, actor.name, changes);
        return toTask(row.rows[0]);
      });
      res.json(task);
    })
  );

  r.delete(
    '/work-orders/:id/tasks/:taskId',
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const taskId = idParam(req, 'taskId');
      assertCan(actor, 'task.manage');
      await inTransaction(pool, async (c) => {
        await editableWorkOrder(c, actor, id);
        const del = await c.query<{ title: string }>(
          'DELETE FROM mnt_task WHERE id = $1 AND work_order_id = $2 RETURNING title',
          [taskId, id]
        );
        if (del.rowCount === 0) throw new HttpError(404, `work order ${id} has no task ${taskId}`);
        await recordAudit(c, id, actor.name, [{ field: `task:${taskId}`, old: del.rows[0].title, new: null }]);
      });
      res.status(204).end();
    })
  );

  return r;
}
