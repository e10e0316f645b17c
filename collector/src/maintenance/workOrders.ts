import { Router } from 'express';
import {
  createWorkOrderSchema,
  findTransition,
  fromEventSchema,
  listWorkOrdersQuerySchema,
  siteCodeSchema,
  OPEN_STATUSES,
  TERMINAL_STATUSES,
  transitionSchema,
  updateWorkOrderSchema,
  WORK_ORDER_STATUSES,
  type AuditEntry,
  type AuditValue,
  type Priority,
  type SummaryResponse,
  type WorkOrder,
  type WorkOrderListResponse,
  type WorkOrderSource,
  type WorkOrderStatus,
  type WorkOrderSummary,
} from '@openbess/model';
import { HttpError } from '../api/errors';
import { differs, recordAudit, type FieldChange } from './audit';
import { handle, idParam, parse, queryOf, type MaintenanceDeps } from './context';
import { inTransaction, type Db } from './db';
import { notify } from './notify';
import { escapeHtml, htmlToText, sanitizeRichText } from './sanitize';
import { assertCan, assertSite, scopeParam, type Actor } from './scope';
import {
  assertCategory,
  assertDevicesOfSite,
  assertTeamMembers,
  loadWorkOrder,
  toWorkOrder,
  uniq,
  withTransitions,
  WO_SELECT,
  type WorkOrderRow,
} from './workOrderRepo';

/** Priority order for sorting. */
const PRIORITY_RANK = `CASE w.priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END`;
const SORT_SQL: Record<string, string> = {
  updatedAt: 'w.updated_at',
  createdAt: 'w.created_at',
  dueDate: 'w.due_date',
  priority: PRIORITY_RANK,
  id: 'w.id',
};

/** Escapes LIKE wildcards. */
const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

interface NewWorkOrder {
  site: string;
  title: string;
  status: WorkOrderStatus;
  categoryId: number | null;
  priority: Priority;
  devices: string[];
  assignees: string[];
  dueDate: string | null;
  description: string;
  report: string;
  source: WorkOrderSource | null;
}

/** The `search` column: lower-cased plain text of title, description, report and devices. */
export function searchText(w: Pick<WorkOrder, 'title' | 'description' | 'report' | 'devices'>): string {
  return [w.title, htmlToText(w.description), htmlToText(w.report), w.devices.join(' ')].join('\n').toLowerCase();
}

/** Inserts a work order with its `created` audit row and assignment notifications. */
async function insertWorkOrder(db: Db, deps: MaintenanceDeps, actor: Actor, w: NewWorkOrder): Promise<WorkOrder> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO mnt_work_order (site, title, category_id, priority, devices, assignees, due_date, description, report,
       status, source, created_by, updated_by, search)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING id`,
    [
      w.site,
      w.title,
      w.categoryId,
      w.priority,
      w.devices,
      w.assignees,
      w.dueDate,
      w.description,
      w.report,
      w.status,
      w.source ? JSON.stringify(w.source) : null,
      actor.name,
      searchText(w),
    ]
  );
  const id = Number(r.rows[0].id);
  const initial: FieldChange[] = [
    { field: 'created', old: null, new: w.status },
    { field: 'title', old: null, new: w.title },
    { field: 'priority', old: null, new: w.priority },
  ];
  if (w.categoryId !== null) initial.push({ field: 'categoryId', old: null, new: w.categoryId });
  if (w.devices.length) initial.push({ field: 'devices', old: null, new: w.devices });
  if (w.assignees.length) initial.push({ field: 'assignees', old: null, new: w.assignees });
  if (w.dueDate) initial.push({ field: 'dueDate', old: null, new: w.dueDate });
  if (w.description) initial.push({ field: 'description', old: null, new: w.description });
  if (w.report) initial.push({ field: 'report', old: null, new: w.report });
  await recordAudit(db, id, actor.name, initial);
  await notify(db, deps.access, w.assignees, {
    kind: 'assignment',
    workOrderId: id,
    site: w.site,
    title: w.title,
    message: `${actor.name} assigned you to #${id} "${w.title}"`,
    actor: actor.name,
  });
  return loadWorkOrder(db, { ...actor, sites: 'all' }, id);
}

/** The body without keys whose value is undefined (so they do not override looked-up values). */
const stripUndefined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Alarm fields of an event of the events table (issue 4, migration 2), when that table exists. */
interface RecordedEvent {
  device?: string;
  alarm?: string;
  message?: string;
  severity?: string;
  time?: number;
}

/**
 * Looks an event id up in the `events` table (issue 4) when it exists and the id is numeric.
 * @returns its alarm fields, or {} when there is no such table or event
 * @throws HttpError 400 when the event belongs to another site
 */
async function recordedEvent(db: Db, site: string, eventId: string): Promise<RecordedEvent> {
  if (!/^\d{1,18}$/.test(eventId)) return {};
  const t = await db.query<{ t: string | null }>(`SELECT to_regclass('public.events')::text AS t`);
  if (!t.rows[0].t) return {};
  const r = await db.query<{
    site: string;
    device: string;
    bit_name: string;
    description: string | null;
    severity: string;
    raised_at: Date;
  }>('SELECT site, device, bit_name, description, severity, raised_at FROM events WHERE id = $1', [eventId]);
  const e = r.rows[0];
  if (!e) return {};
  if (e.site !== site) throw new HttpError(400, `eventId: event ${eventId} belongs to site ${e.site}, not ${site}`);
  return {
    device: e.device,
    alarm: e.bit_name,
    message: e.description ?? undefined,
    severity: e.severity.toLowerCase(),
    time: e.raised_at.getTime(),
  };
}

/** Maps an alarm severity to a work-order priority. */
function priorityOfSeverity(severity: string | undefined): Priority {
  const s = (severity ?? '').toLowerCase();
  if (['critical', 'emergency', 'fatal'].includes(s)) return 'critical';
  if (['major', 'high', 'alarm', 'error'].includes(s)) return 'high';
  if (['minor', 'warning', 'medium'].includes(s)) return 'medium';
  return s ? 'low' : 'medium';
}

/** Work-order routes: list, summary, create, from-event, get, update, transitions, history. */
export function workOrderRoutes(deps: MaintenanceDeps): Router {
  const r = Router();
  const { pool } = deps;

  r.get(
    '/work-orders',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const q = parse(listWorkOrdersQuerySchema, queryOf(req), 'work-order list query');
      const where: string[] = ['($1::text[] IS NULL OR w.site = ANY($1))'];
      const params: unknown[] = [scopeParam(actor)];
      const add = (sql: (n: string) => string, v: unknown) => {
        params.push(v);
        where.push(sql(`$${params.length}`));
      };
      if (q.site) add((n) => `w.site = ${n}`, q.site);
      if (q.status?.length) add((n) => `w.status = ANY(${n}::text[])`, q.status);
      if (q.assignee) add((n) => `${n} = ANY(w.assignees)`, q.assignee.toLowerCase());
      if (q.device) add((n) => `${n} = ANY(w.devices)`, q.device);
      if (q.priority) add((n) => `w.priority = ${n}`, q.priority);
      const text = q.q?.trim();
      if (text) {
        const idm = /^#?(\d{1,15})$/.exec(text);
        params.push(`%${likeEscape(text.toLowerCase())}%`);
        where.push(`(w.search LIKE $${params.length}${idm ? ` OR w.id = ${Number(idm[1])}` : ''})`);
      }
      params.push(q.limit, q.offset);
      const dir = q.order === 'asc' ? 'ASC' : 'DESC';
      const orderBy = `${SORT_SQL[q.sort]} ${dir} NULLS LAST, w.id ${dir}`;
      const sql = `WITH page AS (
          SELECT w.id, count(*) OVER () AS total, row_number() OVER (ORDER BY ${orderBy}) AS rn
          FROM mnt_work_order w
          WHERE ${where.join(' AND ')}
          ORDER BY ${orderBy}
          LIMIT $${params.length - 1} OFFSET $${params.length})
        SELECT x.*, page.total,
          (SELECT count(*) FROM mnt_task t WHERE t.work_order_id = x.id)::int AS tasks_total,
          (SELECT count(*) FROM mnt_task t WHERE t.work_order_id = x.id AND t.done)::int AS tasks_done,
          (SELECT count(*) FROM mnt_comment m WHERE m.work_order_id = x.id)::int AS comment_count,
          (SELECT count(*) FROM mnt_attachment a WHERE a.work_order_id = x.id)::int AS attachment_count
        FROM page JOIN (${WO_SELECT.replace('w.description, w.report', `'' AS description, '' AS report`)}) x ON x.id = page.id
        ORDER BY page.rn`;
      type Row = WorkOrderRow & {
        total: string;
        tasks_total: number;
        tasks_done: number;
        comment_count: number;
        attachment_count: number;
      };
      const rows = (await pool.query<Row>(sql, params)).rows;
      let total = rows.length ? Number(rows[0].total) : 0;
      if (rows.length === 0 && q.offset > 0) {
        const c = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM mnt_work_order w WHERE ${where.join(' AND ')}`,
          params.slice(0, -2)
        );
        total = Number(c.rows[0].n);
      }
      const items: WorkOrderSummary[] = rows.map((row) => {
        const { description: _d, report: _r, ...wo } = toWorkOrder(row);
        void _d;
        void _r;
        return {
          ...wo,
          tasksTotal: row.tasks_total,
          tasksDone: row.tasks_done,
          commentCount: row.comment_count,
          attachmentCount: row.attachment_count,
        };
      });
      const body: WorkOrderListResponse = { items, total };
      res.json(body);
    })
  );

  r.get(
    '/summary',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const raw = queryOf(req).site;
      const site = raw === undefined ? null : parse(siteCodeSchema, raw, 'site');
      if (site) await assertSite(pool, actor, site);
      const rows = await pool.query<{ status: WorkOrderStatus; n: number; overdue: number }>(
        `SELECT status, count(*)::int AS n,
           count(*) FILTER (WHERE due_date < current_date AND status = ANY($3::text[]))::int AS overdue
         FROM mnt_work_order WHERE ($1::text[] IS NULL OR site = ANY($1)) AND ($2::text IS NULL OR site = $2)
         GROUP BY status`,
        [scopeParam(actor), site, OPEN_STATUSES]
      );
      const counts = Object.fromEntries(WORK_ORDER_STATUSES.map((s) => [s, 0])) as SummaryResponse['counts'];
      let overdue = 0;
      for (const x of rows.rows) {
        counts[x.status] = x.n;
        overdue += x.overdue;
      }
      const body: SummaryResponse = { counts, overdue };
      res.json(body);
    })
  );

  r.post(
    '/work-orders',
    handle(deps, async (req, res, actor) => {
      const b = parse(createWorkOrderSchema, req.body, 'work order');
      const status = b.status ?? (actor.role === 'viewer' || actor.role === null ? 'REQUEST' : 'DRAFT');
      assertCan(actor, status === 'REQUEST' ? 'workOrder.createRequest' : 'workOrder.createDraft');
      const assignees = uniq(b.assignees.map((a) => a.toLowerCase()));
      if (assignees.length) assertCan(actor, 'workOrder.assign');
      const wo = await inTransaction(pool, async (c) => {
        await assertSite(c, actor, b.site);
        const devices = uniq(b.devices);
        await assertDevicesOfSite(c, b.site, devices);
        await assertTeamMembers(c, b.site, assignees);
        await assertCategory(c, b.categoryId);
        return insertWorkOrder(c, deps, actor, {
          site: b.site,
          title: b.title,
          status,
          categoryId: b.categoryId ?? null,
          priority: b.priority,
          devices,
          assignees,
          dueDate: b.dueDate ?? null,
          description: sanitizeRichText(b.description),
          report: sanitizeRichText(b.report),
          source: null,
        });
      });
      res.status(201).json(withTransitions(wo, actor));
    })
  );

  r.post(
    '/work-orders/from-event',
    handle(deps, async (req, res, actor) => {
      const body = parse(fromEventSchema, req.body, 'work order from event');
      assertCan(actor, 'workOrder.createRequest');
      const out = await inTransaction(pool, async (c) => {
        await assertSite(c, actor, body.site);
        const looked = body.eventId ? await recordedEvent(c, body.site, body.eventId) : {};
        const b = { ...looked, ...stripUndefined(body), site: body.site };
        if (!b.alarm) throw new HttpError(400, 'alarm: required unless eventId names an event recorded for this site');
        const alarm = b.alarm;
        if (b.device) await assertDevicesOfSite(c, b.site, [b.device]);
        if (b.eventId) {
          // One open work order per alarm: a second click answers the existing one.
          const ex = await c.query<{ id: string }>(
            `SELECT id FROM mnt_work_order WHERE site = $1 AND source->>'eventId' = $2 AND status <> ALL($3::text[])
             ORDER BY id LIMIT 1`,
            [b.site, b.eventId, TERMINAL_STATUSES]
          );
          if (ex.rowCount) return { wo: await loadWorkOrder(c, actor, Number(ex.rows[0].id)), existing: true };
        }
        const time = b.time !== undefined ? new Date(b.time).toISOString() : undefined;
        const where = b.device ?? b.site;
        const description =
          `<p><strong>Alarm</strong> ${escapeHtml(alarm)}${b.severity ? ` (${escapeHtml(b.severity)})` : ''} on ` +
          `${escapeHtml(where)}${time ? ` at ${escapeHtml(time)}` : ''}.</p>` +
          (b.message ? `<p>${escapeHtml(b.message)}</p>` : '') +
          (b.eventId ? `<p>Event id: <code>${escapeHtml(b.eventId)}</code></p>` : '');
        const source: WorkOrderSource = { alarm };
        if (b.eventId) source.eventId = b.eventId;
        if (b.severity) source.severity = b.severity;
        if (time) source.time = time;
        if (b.device) source.device = b.device;
        const wo = await insertWorkOrder(c, deps, actor, {
          site: b.site,
          title: b.title ?? `${alarm} on ${where}`.slice(0, 200),
          status: 'REQUEST',
          categoryId:
            (await c.query<{ id: number }>(`SELECT id FROM mnt_category WHERE lower(name) = 'corrective'`)).rows[0]
              ?.id ?? null,
          priority: b.priority ?? priorityOfSeverity(b.severity),
          devices: b.device ? [b.device] : [],
          assignees: [],
          dueDate: null,
          description: sanitizeRichText(description),
          report: '',
          source,
        });
        return { wo, existing: false };
      });
      res.status(out.existing ? 200 : 201).json({ ...withTransitions(out.wo, actor), existing: out.existing });
    })
  );

  r.get(
    '/work-orders/:id',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      res.json(withTransitions(await loadWorkOrder(pool, actor, idParam(req, 'id')), actor));
    })
  );

  r.patch(
    '/work-orders/:id',
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const b = parse(updateWorkOrderSchema, req.body, 'work-order update');
      assertCan(actor, 'workOrder.edit');
      const wo = await inTransaction(pool, async (c) => {
        const cur = await loadWorkOrder(c, actor, id, true);
        if (cur.version !== b.version)
          throw new HttpError(
            409,
            `work order ${id} was changed by ${cur.updatedBy} at ${cur.updatedAt} (version ${cur.version}, yours ${b.version}): reload and edit again`,
            { current: withTransitions(cur, actor) }
          );
        if (TERMINAL_STATUSES.includes(cur.status))
          throw new HttpError(409, `work order ${id} is ${cur.status}: it can no longer be edited`);
        const next: Partial<Record<keyof WorkOrder, AuditValue>> = {};
        if (b.title !== undefined) next.title = b.title;
        if (b.categoryId !== undefined) next.categoryId = b.categoryId;
        if (b.priority !== undefined) next.priority = b.priority;
        if (b.devices !== undefined) next.devices = uniq(b.devices);
        if (b.assignees !== undefined) next.assignees = uniq(b.assignees.map((a) => a.toLowerCase()));
        if (b.dueDate !== undefined) next.dueDate = b.dueDate;
        if (b.description !== undefined) next.description = sanitizeRichText(b.description);
        if (b.report !== undefined) next.report = sanitizeRichText(b.report);
        const changes: FieldChange[] = [];
        for (const [k, v] of Object.entries(next) as [keyof WorkOrder, AuditValue][])
          if (differs(cur[k] as AuditValue, v)) changes.push({ field: k, old: cur[k] as AuditValue, new: v });
        if (changes.length === 0) return cur;
        const changed = new Set(changes.map((x) => x.field));
        if (changed.has('assignees')) {
          assertCan(actor, 'workOrder.assign');
          await assertTeamMembers(c, cur.site, next.assignees as string[]);
        }
        if (changed.has('devices')) await assertDevicesOfSite(c, cur.site, next.devices as string[]);
        if (changed.has('categoryId')) await assertCategory(c, next.categoryId as number | null);
        const merged = { ...cur, ...next } as WorkOrder;
        await c.query(
          `UPDATE mnt_work_order SET title = $2, category_id = $3, priority = $4, devices = $5, assignees = $6,
             due_date = $7, description = $8, report = $9, version = version + 1, updated_by = $10, updated_at = now(),
             search = $11
           WHERE id = $1`,
          [
            id,
            merged.title,
            merged.categoryId,
            merged.priority,
            merged.devices,
            merged.assignees,
            merged.dueDate,
            merged.description,
            merged.report,
            actor.name,
            searchText(merged),
          ]
        );
        await recordAudit(c, id, actor.name, changes);
        if (changed.has('assignees')) {
          const added = merged.assignees.filter((a) => !cur.assignees.includes(a));
          await notify(c, deps.access, added, {
            kind: 'assignment',
            workOrderId: id,
            site: cur.site,
            title: merged.title,
            message: `${actor.name} assigned you to #${id} "${merged.title}"`,
            actor: actor.name,
          });
        }
        return loadWorkOrder(c, actor, id);
      });
      res.json(withTransitions(wo, actor));
    })
  );

  r.post(
    '/work-orders/:id/transitions',
    handle(deps, async (req, res, actor) => {
      const id = idParam(req, 'id');
      const b = parse(transitionSchema, req.body, 'transition');
      assertCan(actor, 'workOrder.edit');
      const wo = await inTransaction(pool, async (c) => {
        const cur = await loadWorkOrder(c, actor, id, true);
        if (cur.version !== b.version)
          throw new HttpError(
            409,
            `work order ${id} was changed by ${cur.updatedBy} at ${cur.updatedAt} (version ${cur.version}, yours ${b.version}): reload and try again`,
            { current: withTransitions(cur, actor) }
          );
        const t = findTransition(cur.status, b.to);
        if (!t) {
          const allowed = withTransitions(cur, { ...actor, role: 'admin' }).allowedTransitions.map((x) => x.to);
          throw new HttpError(
            409,
            `transition ${cur.status} → ${b.to} is not allowed; from ${cur.status} the workflow allows: ${allowed.join(', ') || 'nothing (final state)'}`
          );
        }
        if (!actor.role || !t.roles.includes(actor.role))
          throw new HttpError(
            403,
            `role ${actor.role ?? '(none)'} may not ${t.label.toLowerCase()} (${t.from} → ${t.to})`
          );
        await c.query(
          `UPDATE mnt_work_order SET status = $2, version = version + 1, updated_by = $3, updated_at = now() WHERE id = $1`,
          [id, b.to, actor.name]
        );
        await recordAudit(c, id, actor.name, [{ field: 'status', old: cur.status, new: b.to }]);
        const creator = await c.query<{ created_by: string }>('SELECT created_by FROM mnt_work_order WHERE id = $1', [
          id,
        ]);
        await notify(c, deps.access, [...cur.assignees, creator.rows[0].created_by], {
          kind: 'status',
          workOrderId: id,
          site: cur.site,
          title: cur.title,
          message: `${actor.name} moved #${id} "${cur.title}" from ${cur.status} to ${b.to}`,
          actor: actor.name,
        });
        return loadWorkOrder(c, actor, id);
      });
      res.json(withTransitions(wo, actor));
    })
  );

  r.get(
    '/work-orders/:id/history',
    handle(deps, async (req, res, actor) => {
      assertCan(actor, 'workOrder.view');
      const id = idParam(req, 'id');
      await loadWorkOrder(pool, actor, id);
      const rows = await pool.query<{
        id: string;
        at: Date;
        by: string;
        field: string;
        old: AuditValue;
        new: AuditValue;
      }>('SELECT id, at, by, field, old, new FROM mnt_audit WHERE work_order_id = $1 ORDER BY id', [id]);
      const items: AuditEntry[] = rows.rows.map((x) => ({
        id: Number(x.id),
        workOrderId: id,
        at: x.at.toISOString(),
        by: x.by,
        field: x.field,
        old: x.old,
        new: x.new,
      }));
      res.json({ items });
    })
  );

  return r;
}
