/**
 * jest only: an in-memory stand-in of the maintenance API contract (model/src/maintenance/api.ts) behind
 * `getBackendSrv().fetch`, so page tests exercise the app's real requests (URLs, methods, bodies) and see
 * contract-shaped answers. Role answers come from the shared permission and workflow tables; `version` checks
 * answer 409 like the API. The real API is exercised by the browser test (test/app.browser.test.ts).
 */
import { setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import type { WorkOrderResponse } from '@openbess/model/src/maintenance/api';
import { permissionsOf, type MaintenanceRole } from '@openbess/model/src/maintenance/permissions';
import type {
  Attachment,
  Comment,
  DeviceStatus,
  Notification,
  Task,
  TeamMember,
  WorkOrder,
} from '@openbess/model/src/maintenance/types';
import { transitionsFor, WORK_ORDER_STATUSES, type WorkOrderStatus } from '@openbess/model/src/maintenance/workflow';
import { Observable } from 'rxjs';
import { API_BASE } from '../constants';

/** One recorded request. */
export interface Recorded {
  method: string;
  path: string;
  params: Record<string, unknown>;
  data: unknown;
  headers: Record<string, string>;
}

const T0 = '2026-11-20T08:00:00.000Z';

/** A work order with defaults. */
export function makeWorkOrder(over: Partial<WorkOrder> & { id: number }): WorkOrder {
  return {
    site: 'FI006',
    title: `Work order ${over.id}`,
    categoryId: 1,
    category: 'Corrective',
    priority: 'medium',
    devices: [],
    assignees: [],
    dueDate: null,
    description: '<p>Fan noisy</p>',
    report: '',
    status: 'DRAFT',
    version: 1,
    source: null,
    createdBy: 'ada',
    createdAt: T0,
    updatedBy: 'ada',
    updatedAt: T0,
    ...over,
  };
}

/** The fake's state; tests may edit it directly. */
export interface FakeState {
  role: MaintenanceRole;
  login: string;
  workOrders: WorkOrder[];
  tasks: Task[];
  comments: Comment[];
  attachments: Attachment[];
  devices: DeviceStatus[];
  team: TeamMember[];
  notifications: Notification[];
  /** Answer the next write to a work order with 409 (someone else saved). */
  conflictNext?: boolean;
}

/** Handle of an installed fake. */
export interface FakeBackend {
  state: FakeState;
  requests: Recorded[];
  /** Requests matching method and path (exact, or RegExp). */
  calls(method: string, path: string | RegExp): Recorded[];
}

class HttpFail {
  constructor(
    readonly status: number,
    readonly error: string
  ) {}
}

function device(id: string, over: Partial<DeviceStatus> = {}): DeviceStatus {
  const m = /BK(\d+)(?:BS(\d+))?$/.exec(id);
  return {
    device: id,
    site: 'FI006',
    name: id,
    profile: m ? (m[2] ? 'string' : 'block') : 'pcs',
    parent: 'FI006ES1',
    block: m ? Number(m[1]) : null,
    string: m?.[2] ? Number(m[2]) : null,
    capacityKwh: null,
    offline: false,
    reason: null,
    since: null,
    by: null,
    inheritedFrom: null,
    workOrderId: null,
    ...over,
  };
}

/** Installs the fake as Grafana's backendSrv; answers asynchronously like a real request. */
export function installFakeBackend(initial: Partial<FakeState> = {}): FakeBackend {
  const state: FakeState = {
    role: 'user',
    login: 'ada',
    workOrders: [
      makeWorkOrder({ id: 1, title: 'Replace HVAC fan', status: 'IN_PROGRESS', priority: 'high', assignees: ['bob'] }),
      makeWorkOrder({ id: 2, title: 'Inspect string 3 fuse', status: 'REQUEST', devices: ['FI006ES1BK1BS3'] }),
      makeWorkOrder({ id: 3, title: 'Annual thermography', status: 'CLOSED', site: 'EE001' }),
    ],
    tasks: [
      {
        id: 1,
        workOrderId: 1,
        title: 'Isolate HVAC',
        done: true,
        doneBy: 'bob',
        doneAt: T0,
        position: 0,
        createdBy: 'ada',
        createdAt: T0,
      },
      {
        id: 2,
        workOrderId: 1,
        title: 'Swap fan',
        done: false,
        doneBy: null,
        doneAt: null,
        position: 1,
        createdBy: 'ada',
        createdAt: T0,
      },
    ],
    comments: [
      { id: 1, workOrderId: 1, author: 'bob', body: 'Parts arrive Monday @ada', mentions: ['ada'], createdAt: T0 },
    ],
    attachments: [
      {
        id: 1,
        workOrderId: 1,
        name: 'fan.jpg',
        mediaType: 'image/jpeg',
        size: 2048,
        sha256: 'ab',
        uploadedBy: 'ada',
        uploadedAt: T0,
      },
      {
        id: 2,
        workOrderId: 1,
        name: 'quote.pdf',
        mediaType: 'application/pdf',
        size: 4096,
        sha256: 'cd',
        uploadedBy: 'bob',
        uploadedAt: T0,
      },
    ],
    devices: [device('FI006ES1BK1'), device('FI006ES1BK1BS1'), device('FI006ES1BK1BS2')],
    team: [
      {
        site: 'FI006',
        login: 'bob',
        name: 'Bob Builder',
        email: null,
        teamRole: 'technician',
        company: null,
        addedBy: 'root',
        addedAt: T0,
      },
    ],
    notifications: [
      {
        id: 1,
        kind: 'mention',
        workOrderId: 1,
        site: 'FI006',
        title: 'Replace HVAC fan',
        message: 'bob mentioned you',
        actor: 'bob',
        createdAt: T0,
        read: false,
      },
      {
        id: 2,
        kind: 'assignment',
        workOrderId: 2,
        site: 'FI006',
        title: 'Inspect string 3 fuse',
        message: 'root assigned you',
        actor: 'root',
        createdAt: T0,
        read: false,
      },
      {
        id: 3,
        kind: 'status',
        workOrderId: 3,
        site: 'EE001',
        title: 'Annual thermography',
        message: 'closed',
        actor: 'root',
        createdAt: T0,
        read: true,
      },
    ],
    ...initial,
  };
  const requests: Recorded[] = [];
  let nextId = 100;

  const withTransitions = (w: WorkOrder): WorkOrderResponse => ({
    ...w,
    allowedTransitions: transitionsFor(w.status, state.role),
  });
  const find = (id: number): WorkOrder => {
    const w = state.workOrders.find((x) => x.id === id);
    if (!w) {
      throw new HttpFail(404, `work order ${id} not found`);
    }
    return w;
  };
  const write = (w: WorkOrder, version: unknown, change: Partial<WorkOrder>): WorkOrderResponse => {
    if (state.conflictNext || version !== w.version) {
      state.conflictNext = false;
      w.version++;
      w.title = `${w.title} (edited elsewhere)`;
      throw new HttpFail(409, `work order ${w.id} was changed (version ${w.version}); reload and retry`);
    }
    Object.assign(w, change, { version: w.version + 1, updatedBy: state.login, updatedAt: new Date().toISOString() });
    return withTransitions(w);
  };
  const unread = () => ({ unread: state.notifications.filter((n) => !n.read).length });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies as the app sent them
  const route = (method: string, path: string, params: Record<string, unknown>, data: any): unknown => {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/me') {
      return {
        login: state.login,
        role: state.role,
        sites: ['FI006', 'EE001'],
        permissions: permissionsOf(state.role),
      };
    }
    if (method === 'GET' && path === '/sites') {
      return {
        items: [
          { code: 'FI006', name: 'Test Finland' },
          { code: 'EE001', name: 'Test Estonia' },
        ],
      };
    }
    if (method === 'GET' && path === '/categories') {
      return {
        items: [
          { id: 1, name: 'Corrective' },
          { id: 2, name: 'Preventive' },
        ],
      };
    }
    if (method === 'GET' && path === '/summary') {
      const counts = Object.fromEntries(WORK_ORDER_STATUSES.map((s) => [s, 0])) as Record<WorkOrderStatus, number>;
      state.workOrders.filter((w) => !params.site || w.site === params.site).forEach((w) => counts[w.status]++);
      return { counts, overdue: 1 };
    }
    if (method === 'GET' && path === '/availability') {
      const pct = params.site === 'EE001' ? 97.5 : 99.25;
      return {
        site: params.site,
        from: Number(params.from),
        to: Number(params.to),
        periodHours: 720,
        targetPct: 98,
        availabilityPct: pct,
        equivalentDowntimeHours: 1,
        meetsTarget: pct >= 98,
        shortfallPct: Math.max(0, 98 - pct),
        blocks: [],
        basis: 'manual-offline',
      };
    }
    if (method === 'GET' && path === '/work-orders') {
      const statuses = typeof params.status === 'string' ? params.status.split(',') : undefined;
      const q = typeof params.q === 'string' ? params.q.toLowerCase() : '';
      const items = state.workOrders
        .filter((w) => !statuses || statuses.includes(w.status))
        .filter((w) => !params.site || w.site === params.site)
        .filter((w) => !q || `${w.title} ${w.devices.join(' ')} #${w.id}`.toLowerCase().includes(q))
        .map(({ description: _d, report: _r, ...w }) => ({
          ...w,
          tasksTotal: state.tasks.filter((t) => t.workOrderId === w.id).length,
          tasksDone: state.tasks.filter((t) => t.workOrderId === w.id && t.done).length,
          commentCount: 0,
          attachmentCount: 0,
        }));
      return { items, total: items.length };
    }
    if (method === 'POST' && path === '/work-orders') {
      const w = makeWorkOrder({ id: nextId++, ...data, status: data.status ?? 'DRAFT', createdBy: state.login });
      state.workOrders.push(w);
      return withTransitions(w);
    }
    if (method === 'POST' && path === '/work-orders/from-event') {
      const w = makeWorkOrder({
        id: nextId++,
        site: data.site,
        title: data.title ?? data.alarm,
        status: 'REQUEST',
        devices: data.device ? [data.device] : [],
        source: { alarm: data.alarm, device: data.device, eventId: data.eventId },
      });
      state.workOrders.push(w);
      return { ...withTransitions(w), existing: false };
    }
    if ((m = /^\/work-orders\/(\d+)$/.exec(path))) {
      const w = find(Number(m[1]));
      if (method === 'GET') {
        return withTransitions(w);
      }
      const { version, ...change } = data;
      return write(w, version, change);
    }
    if ((m = /^\/work-orders\/(\d+)\/transitions$/.exec(path))) {
      const w = find(Number(m[1]));
      if (!transitionsFor(w.status, state.role).some((t) => t.to === data.to)) {
        throw new HttpFail(409, `no transition ${w.status} → ${data.to}`);
      }
      return write(w, data.version, { status: data.to });
    }
    if ((m = /^\/work-orders\/(\d+)\/history$/.exec(path))) {
      return {
        items: [{ id: 1, workOrderId: Number(m[1]), at: T0, by: 'ada', field: 'status', old: 'DRAFT', new: 'ACTIVE' }],
      };
    }
    if ((m = /^\/work-orders\/(\d+)\/tasks(?:\/(\d+))?$/.exec(path))) {
      const id = Number(m[1]);
      if (method === 'GET') {
        return { items: state.tasks.filter((t) => t.workOrderId === id) };
      }
      if (method === 'POST') {
        const t: Task = {
          id: nextId++,
          workOrderId: id,
          title: data.title,
          done: false,
          doneBy: null,
          doneAt: null,
          position: 99,
          createdBy: state.login,
          createdAt: T0,
        };
        state.tasks.push(t);
        return t;
      }
      const t = state.tasks.find((x) => x.id === Number(m![2]))!;
      if (method === 'DELETE') {
        state.tasks = state.tasks.filter((x) => x !== t);
        return '';
      }
      Object.assign(t, data, data.done ? { doneBy: state.login, doneAt: T0 } : {});
      return t;
    }
    if ((m = /^\/work-orders\/(\d+)\/comments$/.exec(path))) {
      const id = Number(m[1]);
      if (method === 'GET') {
        return { items: state.comments.filter((c) => c.workOrderId === id) };
      }
      const c: Comment = {
        id: nextId++,
        workOrderId: id,
        author: state.login,
        body: data.body,
        mentions: data.mentions ?? [],
        createdAt: T0,
      };
      state.comments.push(c);
      return c;
    }
    if ((m = /^\/work-orders\/(\d+)\/attachments(?:\/(\d+))?$/.exec(path))) {
      const id = Number(m[1]);
      if (method === 'GET') {
        return { items: state.attachments.filter((a) => a.workOrderId === id) };
      }
      if (method === 'DELETE') {
        state.attachments = state.attachments.filter((a) => a.id !== Number(m![2]));
        return '';
      }
      const a: Attachment = {
        id: nextId++,
        workOrderId: id,
        name: 'upload.txt',
        mediaType: 'text/plain',
        size: 5,
        sha256: 'ef',
        uploadedBy: state.login,
        uploadedAt: T0,
      };
      state.attachments.push(a);
      return a;
    }
    if (method === 'GET' && path === '/devices') {
      return { items: state.devices.filter((d) => d.site === params.site) };
    }
    if ((m = /^\/devices\/([^/]+)\/status$/.exec(path))) {
      const d = state.devices.find((x) => x.device === decodeURIComponent(m![1]))!;
      Object.assign(d, {
        offline: data.offline,
        reason: data.reason ?? null,
        since: data.offline ? T0 : null,
        by: state.login,
      });
      return d;
    }
    if ((m = /^\/devices\/([^/]+)\/history$/.exec(path))) {
      return { items: [] };
    }
    if (path === '/team' && method === 'GET') {
      return { items: state.team.filter((t) => !params.site || t.site === params.site) };
    }
    if (path === '/team' && method === 'POST') {
      const t: TeamMember = {
        name: null,
        email: null,
        teamRole: null,
        company: null,
        ...data,
        addedBy: state.login,
        addedAt: T0,
      };
      state.team.push(t);
      return t;
    }
    if ((m = /^\/team\/([^/]+)\/([^/]+)$/.exec(path))) {
      state.team = state.team.filter((t) => !(t.site === m![1] && t.login === decodeURIComponent(m![2])));
      return '';
    }
    if (path === '/users') {
      return {
        items: [
          { login: 'bob', name: 'Bob Builder', email: 'bob@example.com', role: 'partner-maintenance' },
          { login: 'carla', name: 'Carla Ops', email: null, role: 'user' },
        ],
        source: 'local',
      };
    }
    if (path === '/notifications') {
      const items = state.notifications.filter((n) => params.unread !== 'true' || !n.read);
      return { items, ...unread() };
    }
    if (path === '/notifications/unread-count') {
      return unread();
    }
    if (path === '/notifications/read') {
      state.notifications.forEach((n) => {
        if (data.all || data.ids.includes(n.id)) {
          n.read = true;
        }
      });
      return unread();
    }
    throw new HttpFail(404, `no route ${method} ${path}`);
  };

  const fetch = (options: BackendSrvRequest) =>
    new Observable((subscriber) => {
      const method = (options.method ?? 'GET').toUpperCase();
      if (!options.url.startsWith(API_BASE)) {
        subscriber.error({
          status: 404,
          data: { message: `not the maintenance API: ${options.url}` },
          config: options,
        });
        return;
      }
      const path = options.url.slice(API_BASE.length);
      const params = (options.params ?? {}) as Record<string, unknown>;
      requests.push({
        method,
        path,
        params,
        data: options.data,
        headers: (options.headers ?? {}) as Record<string, string>,
      });
      let cancelled = false;
      Promise.resolve().then(() => {
        if (cancelled) {
          return;
        }
        try {
          const data = route(method, path, params, options.data);
          subscriber.next({ data: JSON.parse(JSON.stringify(data ?? '')), status: 200, ok: true, config: options });
          subscriber.complete();
        } catch (e) {
          if (e instanceof HttpFail) {
            subscriber.error({ status: e.status, statusText: 'error', data: { error: e.error }, config: options });
          } else {
            subscriber.error(e);
          }
        }
      });
      return () => {
        cancelled = true;
      };
    });
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return {
    state,
    requests,
    calls: (method, path) =>
      requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path))),
  };
}
