/**
 * zod schemas of every maintenance API request (bodies and query strings). The API parses with them and
 * answers 400 naming the field; the app may use them to validate forms before sending.
 */
import { z } from 'zod';
import { deviceIdSchema, MAX_TIME_MS, MIN_TIME_MS, siteCodeSchema } from '../api/query';
import { INITIAL_STATUSES, WORK_ORDER_STATUSES } from './workflow';
import { PRIORITIES } from './types';

/** Longest title (work order, task), characters. */
export const MAX_TITLE = 200;
/** Longest rich-text body (description, report), characters of HTML before sanitising. */
export const MAX_RICH_TEXT = 200_000;
/** Longest comment, characters. */
export const MAX_COMMENT = 10_000;
/** Most devices or assignees on one work order. */
export const MAX_LIST = 200;
/** Largest page of the work-order list. */
export const MAX_PAGE = 500;

/**
 * A point in time: ISO 8601 with offset (`2026-11-23T10:00:00Z`) or epoch milliseconds (number or digit
 * string). Parses to epoch ms, 2000..2100.
 */
export const timeInputSchema = z
  .union([z.number(), z.string().regex(/^\d{1,16}$/), z.iso.datetime({ offset: true })], {
    error: 'must be an ISO 8601 date-time with offset or epoch milliseconds',
  })
  .transform((v) => (typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .pipe(
    z
      .number()
      .int('must be whole milliseconds')
      .min(MIN_TIME_MS, 'must not be before 2000-01-01')
      .max(MAX_TIME_MS, 'must not be after 2100-01-01')
  );

/** A calendar date `YYYY-MM-DD` (due dates). */
export const dateSchema = z.iso.date({ error: 'must be a date YYYY-MM-DD' });

/** A Grafana login: 1..256 characters, no control characters. */
export const loginSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

const title = z.string().trim().min(1, 'must not be empty').max(MAX_TITLE);
const richText = z.string().max(MAX_RICH_TEXT);
const devices = z.array(deviceIdSchema).max(MAX_LIST);
const assignees = z.array(loginSchema).max(MAX_LIST);

/** `POST /api/maintenance/work-orders`. */
export const createWorkOrderSchema = z
  .object({
    site: siteCodeSchema,
    title,
    /** Initial status: REQUEST (anyone who may view) or DRAFT (editors). Default: DRAFT for editors, REQUEST otherwise. */
    status: z.enum(INITIAL_STATUSES).optional(),
    categoryId: z.number().int().positive().nullable().optional(),
    priority: z.enum(PRIORITIES).default('medium'),
    devices: devices.default([]),
    /** Admins only (`workOrder.assign`); others must send none. */
    assignees: assignees.default([]),
    dueDate: dateSchema.nullable().optional(),
    description: richText.default(''),
    report: richText.default(''),
  })
  .strict();
export type CreateWorkOrderRequest = z.input<typeof createWorkOrderSchema>;

/**
 * `PATCH /api/maintenance/work-orders/:id`: the fields to change plus the `version` the edit is based on.
 * Changing `assignees` needs `workOrder.assign` (admins). Status changes go through transitions.
 */
export const updateWorkOrderSchema = z
  .object({
    version: z.number().int().positive(),
    title: title.optional(),
    categoryId: z.number().int().positive().nullable().optional(),
    priority: z.enum(PRIORITIES).optional(),
    devices: devices.optional(),
    assignees: assignees.optional(),
    dueDate: dateSchema.nullable().optional(),
    description: richText.optional(),
    report: richText.optional(),
  })
  .strict();
export type UpdateWorkOrderRequest = z.input<typeof updateWorkOrderSchema>;

/** `POST /api/maintenance/work-orders/:id/transitions`. */
export const transitionSchema = z
  .object({
    to: z.enum(WORK_ORDER_STATUSES),
    version: z.number().int().positive(),
  })
  .strict();
export type TransitionRequest = z.input<typeof transitionSchema>;

/**
 * `POST /api/maintenance/work-orders/from-event`: a REQUEST prefilled from an alarm (issue 6 §7). Send the
 * alarm's fields, or just `site` + `eventId` of a recorded event.
 */
export const fromEventSchema = z
  .object({
    /** Event id from the events API (stored for traceability; not looked up). */
    eventId: z.string().min(1).max(200).optional(),
    site: siteCodeSchema,
    device: deviceIdSchema.optional(),
    /**
     * Alarm code or name. Optional when `eventId` names an event recorded by the events API (issue 4): the API
     * then fills alarm, message, severity, time and device from it (values in the body win).
     */
    alarm: z.string().trim().min(1).max(200).optional(),
    /** Alarm message/description (plain text). */
    message: z.string().max(2000).optional(),
    severity: z.string().max(40).optional(),
    /** When the alarm was raised. */
    time: timeInputSchema.optional(),
    /** Title override; default `<alarm> on <device>`. */
    title: title.optional(),
    priority: z.enum(PRIORITIES).optional(),
  })
  .strict();
export type FromEventRequest = z.input<typeof fromEventSchema>;

/** Query string of `GET /api/maintenance/work-orders`. */
export const listWorkOrdersQuerySchema = z
  .object({
    site: siteCodeSchema.optional(),
    /** Comma-separated statuses, e.g. `REQUEST,DRAFT`. */
    status: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(z.enum(WORK_ORDER_STATUSES)))
      .optional(),
    /** Case-insensitive search in title, description, report, devices and id (`#12` or `12`). */
    q: z.string().max(200).optional(),
    assignee: loginSchema.optional(),
    device: deviceIdSchema.optional(),
    priority: z.enum(PRIORITIES).optional(),
    sort: z.enum(['updatedAt', 'createdAt', 'dueDate', 'priority', 'id']).default('updatedAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type ListWorkOrdersQuery = z.input<typeof listWorkOrdersQuerySchema>;

/** `POST /api/maintenance/work-orders/:id/tasks`. */
export const createTaskSchema = z.object({ title }).strict();
/** `PATCH /api/maintenance/work-orders/:id/tasks/:taskId`. */
export const updateTaskSchema = z
  .object({ title: title.optional(), done: z.boolean().optional(), position: z.number().int().min(0).optional() })
  .strict()
  .refine((b) => b.title !== undefined || b.done !== undefined || b.position !== undefined, {
    message: 'nothing to change: send title, done or position',
  });
export type CreateTaskRequest = z.input<typeof createTaskSchema>;
export type UpdateTaskRequest = z.input<typeof updateTaskSchema>;

/**
 * `POST /api/maintenance/work-orders/:id/comments`. Mentions are `@login` tokens in the body (letters, digits,
 * `.`, `_`, `-`, and `@domain` for e-mail-style logins) plus any logins listed in `mentions`.
 */
export const createCommentSchema = z
  .object({
    body: z.string().trim().min(1, 'must not be empty').max(MAX_COMMENT),
    mentions: z.array(loginSchema).max(50).optional(),
  })
  .strict();
export type CreateCommentRequest = z.input<typeof createCommentSchema>;

/** `POST /api/maintenance/devices/:device/status`. */
export const setDeviceStatusSchema = z
  .object({
    offline: z.boolean(),
    /** Required when going offline. */
    reason: z.string().trim().max(500).optional(),
    /** When it happened; default now. Not in the future, not before the device's last change. */
    at: timeInputSchema.optional(),
    workOrderId: z.number().int().positive().optional(),
  })
  .strict()
  .refine((b) => !b.offline || (b.reason !== undefined && b.reason.length > 0), {
    path: ['reason'],
    message: 'a reason is required to mark a device offline',
  });
export type SetDeviceStatusRequest = z.input<typeof setDeviceStatusSchema>;

/** Query string of `GET /api/maintenance/availability`. */
export const availabilityQuerySchema = z
  .object({
    site: siteCodeSchema,
    from: timeInputSchema,
    to: timeInputSchema,
    /** Contract target, percent; default the configured target (98 %). */
    target: z.coerce.number().min(0).max(100).optional(),
  })
  .strict()
  .refine((q) => q.to > q.from, { path: ['to'], message: 'must be after from' });
export type AvailabilityQuery = z.input<typeof availabilityQuerySchema>;

/** `POST /api/maintenance/team` (admins). */
export const addTeamMemberSchema = z
  .object({
    site: siteCodeSchema,
    login: loginSchema,
    name: z.string().max(200).optional(),
    email: z.string().max(320).optional(),
    teamRole: z.string().max(100).optional(),
    company: z.string().max(200).optional(),
  })
  .strict();
export type AddTeamMemberRequest = z.input<typeof addTeamMemberSchema>;

/** `POST /api/maintenance/categories` and `PATCH /api/maintenance/categories/:id` (admins). */
export const categorySchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();
export type CategoryRequest = z.input<typeof categorySchema>;

/** `POST /api/maintenance/notifications/read`: mark the listed ids (or all) read. */
export const markReadSchema = z
  .object({ ids: z.array(z.number().int().positive()).max(1000).optional(), all: z.boolean().optional() })
  .strict()
  .refine((b) => b.all === true || (b.ids !== undefined && b.ids.length > 0), {
    message: 'send ids (non-empty) or all: true',
  });
export type MarkReadRequest = z.input<typeof markReadSchema>;

/** Query string of `GET /api/maintenance/notifications`. */
export const listNotificationsQuerySchema = z
  .object({
    unread: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

/** Query string of `GET /api/maintenance/users` (user picker). */
export const listUsersQuerySchema = z
  .object({ site: siteCodeSchema.optional(), q: z.string().max(100).optional() })
  .strict();
