/**
 * Records the maintenance API answers with (issue 6). Timestamps are ISO 8601 UTC strings
 * (`2026-11-23T10:15:00.000Z`), due dates are calendar dates (`2026-12-01`). Pure types: shared by the API
 * (collector) and the app plugin.
 */
import type { MaintenanceAction, MaintenanceRole } from './permissions';
import type { WorkOrderStatus } from './workflow';

/** Work-order priorities, lowest first. */
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
/** One of {@link PRIORITIES}. */
export type Priority = (typeof PRIORITIES)[number];

/** A work-order category (renameable by admins; work orders refer to it by id). */
export interface Category {
  id: number;
  name: string;
}

/** Where a work order came from, when it was filed from an alarm (issue 6 §7). */
export interface WorkOrderSource {
  /** Event (alarm) id from the events API, when known. */
  eventId?: string;
  /** Alarm code or name, e.g. `BMS_OVER_TEMP`. */
  alarm?: string;
  /** Alarm severity as the events API names it (e.g. `critical`). */
  severity?: string;
  /** When the alarm was raised (ISO). */
  time?: string;
  /** Device that raised it. */
  device?: string;
}

/** One work order as the API answers it. */
export interface WorkOrder {
  id: number;
  site: string;
  title: string;
  categoryId: number | null;
  /** Current name of the category (null when none). */
  category: string | null;
  priority: Priority;
  /** Device ids concerned (all of `site`). */
  devices: string[];
  /** Grafana logins assigned (members of the site's team). */
  assignees: string[];
  /** Due date `YYYY-MM-DD`, or null. */
  dueDate: string | null;
  /** Rich-text description, HTML sanitised by the server. */
  description: string;
  /** Rich-text work report, HTML sanitised by the server. */
  report: string;
  status: WorkOrderStatus;
  /** Optimistic-locking version: send it back with every edit; a stale one gets 409. Starts at 1. */
  version: number;
  source: WorkOrderSource | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

/** A row of the work-order list (no rich text bodies) with checklist progress. */
export interface WorkOrderSummary extends Omit<WorkOrder, 'description' | 'report'> {
  tasksTotal: number;
  tasksDone: number;
  commentCount: number;
  attachmentCount: number;
}

/** Values an audit entry records (JSON). */
export type AuditValue = string | number | boolean | null | string[] | Record<string, unknown>;

/**
 * One audit-history entry: who changed which field of a work order when, from what to what.
 * Field names: work-order fields (`title`, `status`, `priority`, `categoryId`, `devices`, `assignees`,
 * `dueDate`, `description`, `report`), `created` (new = the initial status), and child records
 * `task:<id>` / `task:<id>.title` / `task:<id>.done`, `comment:<id>`, `attachment:<id>` (old/new = the title,
 * text or file name; null when added or removed).
 */
export interface AuditEntry {
  id: number;
  workOrderId: number;
  at: string;
  by: string;
  field: string;
  old: AuditValue;
  new: AuditValue;
}

/** One checklist item of a work order. */
export interface Task {
  id: number;
  workOrderId: number;
  title: string;
  done: boolean;
  doneBy: string | null;
  doneAt: string | null;
  /** Sort position (ascending). */
  position: number;
  createdBy: string;
  createdAt: string;
}

/** One comment of a work order's thread. */
export interface Comment {
  id: number;
  workOrderId: number;
  author: string;
  /** Plain text (rendered as text by the app, never as HTML). */
  body: string;
  /** Logins mentioned with `@login` (those who got a notification). */
  mentions: string[];
  createdAt: string;
}

/** Metadata of one attached file. */
export interface Attachment {
  id: number;
  workOrderId: number;
  /** Sanitised file name (no directories, no control characters). */
  name: string;
  /** Media type sniffed from the content (not the client's claim). */
  mediaType: string;
  /** Bytes. */
  size: number;
  /** SHA-256 of the content, hex (content address). */
  sha256: string;
  uploadedBy: string;
  uploadedAt: string;
}

/** Manual status of one device as the maintenance app sees it. */
export interface DeviceStatus {
  device: string;
  site: string;
  name: string;
  profile: string;
  parent: string;
  block: number | null;
  string: number | null;
  capacityKwh: number | null;
  /** Effective: the device itself or an ancestor (block, BESS node) is marked offline. */
  offline: boolean;
  /** Reason of the offline mark in force (own or inherited). */
  reason: string | null;
  /** Since when it is offline (ISO), or null. */
  since: string | null;
  /** Who marked it. */
  by: string | null;
  /** Ancestor whose offline mark cascades here (e.g. the block for a string), or null when own / online. */
  inheritedFrom: string | null;
  /** Work order the mark refers to, if any. */
  workOrderId: number | null;
}

/** One entry of a device's status history. */
export interface DeviceStatusChange {
  id: number;
  /** Device the change was made on (an ancestor's id when it cascaded to the device asked about). */
  device: string;
  offline: boolean;
  reason: string | null;
  /** When the change took effect (ISO). */
  at: string;
  by: string;
  /** When it was recorded (ISO). */
  recordedAt: string;
  workOrderId: number | null;
}

/** One member of a site's maintenance team. */
export interface TeamMember {
  site: string;
  login: string;
  name: string | null;
  email: string | null;
  /** Free label, e.g. `technician`, `site lead`, `partner`. */
  teamRole: string | null;
  /** Partner company, when an external partner. */
  company: string | null;
  addedBy: string;
  addedAt: string;
}

/** A user offered by the user picker. */
export interface UserSummary {
  login: string;
  name: string | null;
  email: string | null;
  /** API role from the access file, when listed there. */
  role: MaintenanceRole | null;
}

/** Notification kinds. */
export const NOTIFICATION_KINDS = ['assignment', 'status', 'mention'] as const;
/** One of {@link NOTIFICATION_KINDS}. */
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** One notification of the requesting user. */
export interface Notification {
  id: number;
  kind: NotificationKind;
  workOrderId: number;
  site: string;
  /** Title of the work order at notification time. */
  title: string;
  /** Human sentence, e.g. `ada moved "Replace fan" to IN_PROGRESS`. */
  message: string;
  actor: string;
  createdAt: string;
  read: boolean;
}

/** A site visible to the maintenance app. */
export interface MaintenanceSite {
  code: string;
  name: string;
}

/** Who the requesting user is to the maintenance app. */
export interface MaintenanceMe {
  /** Login, or null in token-only mode / anonymous. */
  login: string | null;
  role: MaintenanceRole | null;
  /** Sites whose work orders the user may see. */
  sites: string[];
  permissions: MaintenanceAction[];
}
