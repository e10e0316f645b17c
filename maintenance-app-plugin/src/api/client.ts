/**
 * The maintenance API as typed functions (contract: model/src/maintenance/api.ts and requests.ts). Every call goes
 * through Grafana's backendSrv and the app's plugin-proxy route; the API enforces roles and site scope, the app
 * only hides what the API would refuse.
 */
import { config } from '@grafana/runtime';
import type {
  AvailabilityResponse,
  FromEventResponse,
  ItemsResponse,
  NotificationListResponse,
  SummaryResponse,
  UnreadCountResponse,
  UserListResponse,
  WorkOrderListResponse,
  WorkOrderResponse,
} from '@openbess/model/src/maintenance/api';
import type {
  AddTeamMemberRequest,
  CreateCommentRequest,
  CreateWorkOrderRequest,
  FromEventRequest,
  ListWorkOrdersQuery,
  SetDeviceStatusRequest,
  UpdateTaskRequest,
  UpdateWorkOrderRequest,
} from '@openbess/model/src/maintenance/requests';
import type {
  Attachment,
  AuditEntry,
  Category,
  Comment,
  DeviceStatus,
  DeviceStatusChange,
  MaintenanceMe,
  MaintenanceSite,
  Task,
  TeamMember,
} from '@openbess/model/src/maintenance/types';
import type { WorkOrderStatus } from '@openbess/model/src/maintenance/workflow';
import { API_BASE } from '../constants';
import { apiRequest } from './http';

const enc = encodeURIComponent;
const wo = (id: number) => `/work-orders/${enc(String(id))}`;

/** Multipart field of an upload (model ATTACHMENT_FIELD; repeated here so the bundle needs no model runtime). */
export const UPLOAD_FIELD = 'file';

/**
 * A `multipart/form-data` body with one file part, as a Blob. Grafana's backendSrv sends Blobs untouched but turns
 * FormData into URL-encoded text, so the body is built here (RFC 7578: quotes, CR and LF in the file name are
 * percent-encoded the way browsers do).
 */
export function multipartFile(file: File): { body: Blob; contentType: string } {
  const boundary = `----openbess${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const name = file.name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${UPLOAD_FIELD}"; filename="${name}"\r\n` +
    `Content-Type: ${file.type || 'application/octet-stream'}\r\n\r\n`;
  return {
    body: new Blob([head, file, `\r\n--${boundary}--\r\n`]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** The typed maintenance API. */
export const api = {
  me: () => apiRequest<MaintenanceMe>({ path: '/me' }),
  sites: () => apiRequest<ItemsResponse<MaintenanceSite>>({ path: '/sites' }).then((r) => r.items),
  categories: () => apiRequest<ItemsResponse<Category>>({ path: '/categories' }).then((r) => r.items),
  createCategory: (name: string) => apiRequest<Category>({ method: 'POST', path: '/categories', data: { name } }),
  renameCategory: (id: number, name: string) =>
    apiRequest<Category>({ method: 'PATCH', path: `/categories/${id}`, data: { name } }),

  listWorkOrders: (query: ListWorkOrdersQuery) =>
    apiRequest<WorkOrderListResponse>({
      path: '/work-orders',
      params: { ...query } as Record<string, string | number | undefined>,
      requestId: 'openbess-work-order-list',
    }),
  createWorkOrder: (body: CreateWorkOrderRequest) =>
    apiRequest<WorkOrderResponse>({ method: 'POST', path: '/work-orders', data: body }),
  createFromEvent: (body: FromEventRequest) =>
    apiRequest<FromEventResponse>({ method: 'POST', path: '/work-orders/from-event', data: body }),
  workOrder: (id: number) => apiRequest<WorkOrderResponse>({ path: wo(id) }),
  updateWorkOrder: (id: number, body: UpdateWorkOrderRequest) =>
    apiRequest<WorkOrderResponse>({ method: 'PATCH', path: wo(id), data: body }),
  transition: (id: number, to: WorkOrderStatus, version: number) =>
    apiRequest<WorkOrderResponse>({ method: 'POST', path: `${wo(id)}/transitions`, data: { to, version } }),
  history: (id: number) => apiRequest<ItemsResponse<AuditEntry>>({ path: `${wo(id)}/history` }).then((r) => r.items),

  tasks: (id: number) => apiRequest<ItemsResponse<Task>>({ path: `${wo(id)}/tasks` }).then((r) => r.items),
  addTask: (id: number, title: string) =>
    apiRequest<Task>({ method: 'POST', path: `${wo(id)}/tasks`, data: { title } }),
  updateTask: (id: number, taskId: number, body: UpdateTaskRequest) =>
    apiRequest<Task>({ method: 'PATCH', path: `${wo(id)}/tasks/${taskId}`, data: body }),
  deleteTask: (id: number, taskId: number) => apiRequest<void>({ method: 'DELETE', path: `${wo(id)}/tasks/${taskId}` }),

  comments: (id: number) => apiRequest<ItemsResponse<Comment>>({ path: `${wo(id)}/comments` }).then((r) => r.items),
  addComment: (id: number, body: CreateCommentRequest) =>
    apiRequest<Comment>({ method: 'POST', path: `${wo(id)}/comments`, data: body }),

  attachments: (id: number) =>
    apiRequest<ItemsResponse<Attachment>>({ path: `${wo(id)}/attachments` }).then((r) => r.items),
  upload: (id: number, file: File) => {
    const { body, contentType } = multipartFile(file);
    return apiRequest<Attachment>({
      method: 'POST',
      path: `${wo(id)}/attachments`,
      data: body,
      headers: { 'Content-Type': contentType },
    });
  },
  deleteAttachment: (id: number, attId: number) =>
    apiRequest<void>({ method: 'DELETE', path: `${wo(id)}/attachments/${attId}` }),

  summary: (site?: string) => apiRequest<SummaryResponse>({ path: '/summary', params: { site } }),
  availability: (site: string, from: number, to: number) =>
    apiRequest<AvailabilityResponse>({ path: '/availability', params: { site, from, to } }),

  devices: (site: string) =>
    apiRequest<ItemsResponse<DeviceStatus>>({ path: '/devices', params: { site } }).then((r) => r.items),
  setDeviceStatus: (device: string, body: SetDeviceStatusRequest) =>
    apiRequest<DeviceStatus>({ method: 'POST', path: `/devices/${enc(device)}/status`, data: body }),
  deviceHistory: (device: string) =>
    apiRequest<ItemsResponse<DeviceStatusChange>>({ path: `/devices/${enc(device)}/history` }).then((r) => r.items),

  team: (site?: string) =>
    apiRequest<ItemsResponse<TeamMember>>({ path: '/team', params: { site } }).then((r) => r.items),
  addTeamMember: (body: AddTeamMemberRequest) => apiRequest<TeamMember>({ method: 'POST', path: '/team', data: body }),
  removeTeamMember: (site: string, login: string) =>
    apiRequest<void>({ method: 'DELETE', path: `/team/${enc(site)}/${enc(login)}` }),
  users: (site?: string, q?: string) => apiRequest<UserListResponse>({ path: '/users', params: { site, q } }),

  notifications: (unreadOnly = false) =>
    apiRequest<NotificationListResponse>({
      path: '/notifications',
      params: { unread: unreadOnly ? 'true' : undefined, limit: 200 },
    }),
  unreadCount: () =>
    apiRequest<UnreadCountResponse>({ path: '/notifications/unread-count', requestId: 'openbess-unread' }),
  markRead: (ids: number[] | 'all') =>
    apiRequest<UnreadCountResponse>({
      method: 'POST',
      path: '/notifications/read',
      data: ids === 'all' ? { all: true } : { ids },
    }),
};

/** URL the browser downloads an attachment from (Grafana session cookie; the route adds the API token). */
export function attachmentUrl(workOrderId: number, attId: number): string {
  return `${config.appSubUrl ?? ''}${API_BASE}${wo(workOrderId)}/attachments/${attId}`;
}
