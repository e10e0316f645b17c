/**
 * The maintenance REST API (issue 6, "Interfaces other parts rely on"): every endpoint under
 * `/api/maintenance/`, behind the same bearer token and Grafana identity as `/api/query`, with its request
 * schema (./requests.ts) and response shape. Errors are `{ error: string, detail?: unknown }` with a 4xx that
 * names the problem: 400 bad body/query, 401 no/invalid token or ID token, 403 role or site not allowed, 404
 * unknown id (also for ids of sites the user may not see), 409 stale `version` (detail `{ current: WorkOrder }`)
 * or a transition the workflow forbids, 413 file too large, 415 file type not allowed.
 */
import type { AvailabilityResult } from '../kpi/availability';
import type {
  AuditEntry,
  Attachment,
  Category,
  Comment,
  DeviceStatus,
  DeviceStatusChange,
  MaintenanceMe,
  MaintenanceSite,
  Notification,
  Task,
  TeamMember,
  UserSummary,
  WorkOrder,
  WorkOrderSummary,
} from './types';
import type { Transition, WorkOrderStatus } from './workflow';

/** Path prefix of every maintenance endpoint. */
export const MAINTENANCE_BASE_PATH = '/api/maintenance';

/** Default attachment size limit, bytes (25 MB; the API's `maxAttachmentBytes` overrides it). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Multipart field carrying the file of an upload. */
export const ATTACHMENT_FIELD = 'file';

/** `{ items }` envelope of list answers. */
export interface ItemsResponse<T> {
  items: T[];
}

/** `GET /work-orders`: one page plus the total matching the filters. */
export interface WorkOrderListResponse {
  items: WorkOrderSummary[];
  total: number;
}

/** `GET /work-orders/:id` (and the answer of create, update, transition). */
export interface WorkOrderResponse extends WorkOrder {
  /** Transitions the requesting user may take now. */
  allowedTransitions: Transition[];
}

/** `GET /summary?site=`: counts for the app's summary widgets. */
export interface SummaryResponse {
  counts: Record<WorkOrderStatus, number>;
  /** Open work orders past their due date. */
  overdue: number;
}

/** `GET /availability?site=&from=&to=[&target=]`. */
export interface AvailabilityResponse extends AvailabilityResult {
  site: string;
  /** Which outages were counted. */
  basis: 'manual-offline';
}

/** `GET /notifications`. */
export interface NotificationListResponse {
  items: Notification[];
  unread: number;
}

/** `GET /notifications/unread-count` and the answer of `POST /notifications/read`. */
export interface UnreadCountResponse {
  unread: number;
}

/** `GET /users`: who the picker offers and where the list came from. */
export interface UserListResponse {
  items: UserSummary[];
  /** `grafana` = Grafana's user API (service-account token configured); `local` = access file + team rosters. */
  source: 'grafana' | 'local';
}

/** `POST /work-orders/from-event`: the REQUEST, and whether an open one for the same event already existed. */
export interface FromEventResponse extends WorkOrderResponse {
  existing: boolean;
}

/**
 * Every endpoint (paths relative to {@link MAINTENANCE_BASE_PATH}) → response type. Documentation as types:
 * - `GET  /me` → {@link MaintenanceMe}
 * - `GET  /sites` → ItemsResponse<{@link MaintenanceSite}>
 * - `GET  /categories` → ItemsResponse<{@link Category}>; `POST /categories` {name} → Category (201);
 *   `PATCH /categories/:id` {name} → Category
 * - `GET  /work-orders?site&status&q&assignee&device&priority&sort&order&limit&offset` → {@link WorkOrderListResponse}
 * - `POST /work-orders` createWorkOrderSchema → WorkOrderResponse (201)
 * - `POST /work-orders/from-event` fromEventSchema → FromEventResponse (201 new, 200 existing)
 * - `GET  /work-orders/:id` → WorkOrderResponse; `PATCH /work-orders/:id` updateWorkOrderSchema → WorkOrderResponse
 * - `POST /work-orders/:id/transitions` transitionSchema → WorkOrderResponse
 * - `GET  /work-orders/:id/history` → ItemsResponse<{@link AuditEntry}> (oldest first)
 * - `GET  /work-orders/:id/tasks` → ItemsResponse<{@link Task}>; `POST` createTaskSchema → Task (201);
 *   `PATCH /work-orders/:id/tasks/:taskId` updateTaskSchema → Task; `DELETE …/:taskId` → 204
 * - `GET  /work-orders/:id/comments` → ItemsResponse<{@link Comment}> (oldest first); `POST` createCommentSchema → Comment (201)
 * - `GET  /work-orders/:id/attachments` → ItemsResponse<{@link Attachment}>; `POST` multipart field `file` → Attachment (201);
 *   `GET …/attachments/:attId` → the bytes (Content-Type sniffed, Content-Disposition attachment);
 *   `DELETE …/attachments/:attId` → 204
 * - `GET  /summary?site` → {@link SummaryResponse}
 * - `GET  /devices?site` → ItemsResponse<{@link DeviceStatus}>; `POST /devices/:device/status` setDeviceStatusSchema →
 *   DeviceStatus; `GET /devices/:device/history` → ItemsResponse<{@link DeviceStatusChange}> (newest first)
 * - `GET  /availability?site&from&to&target` → {@link AvailabilityResponse}
 * - `GET  /team?site` → ItemsResponse<{@link TeamMember}>; `POST /team` addTeamMemberSchema → TeamMember (201);
 *   `DELETE /team/:site/:login` → 204
 * - `GET  /users?site&q` → {@link UserListResponse}
 * - `GET  /notifications?unread&limit` → {@link NotificationListResponse}; `GET /notifications/unread-count` →
 *   {@link UnreadCountResponse}; `POST /notifications/read` markReadSchema → UnreadCountResponse
 */
export interface MaintenanceEndpoints {
  me: MaintenanceMe;
  sites: ItemsResponse<MaintenanceSite>;
  categories: ItemsResponse<Category>;
  workOrders: WorkOrderListResponse;
  workOrder: WorkOrderResponse;
  history: ItemsResponse<AuditEntry>;
  tasks: ItemsResponse<Task>;
  comments: ItemsResponse<Comment>;
  attachments: ItemsResponse<Attachment>;
  summary: SummaryResponse;
  devices: ItemsResponse<DeviceStatus>;
  deviceHistory: ItemsResponse<DeviceStatusChange>;
  availability: AvailabilityResponse;
  team: ItemsResponse<TeamMember>;
  users: UserListResponse;
  notifications: NotificationListResponse;
  unread: UnreadCountResponse;
}
