import { PERMISSIONS } from '@openbess/model';
import {
  call,
  createWo,
  type Answer,
  PNG_1X1,
  ROLE_USERS,
  setupMaintenance,
  upload,
  type MaintenanceFixture,
} from './support';

let f: MaintenanceFixture;
beforeAll(async () => {
  f = await setupMaintenance();
}, 60_000);
afterAll(async () => {
  await f?.close();
});

type RoleKey = keyof typeof ROLE_USERS;
const ROLES = Object.keys(ROLE_USERS) as RoleKey[];

/**
 * Issue 6 §6 as expectations: action → roles allowed (the rest must be refused with 403). Each row is
 * exercised against the real API; a row's probe returns whether the call succeeded and fails the test on
 * anything but success or 403.
 */
const TABLE: Record<string, RoleKey[]> = {
  'view work orders': ['viewer', 'partner', 'user', 'admin'],
  'create as REQUEST': ['viewer', 'partner', 'user', 'admin'],
  'create as DRAFT': ['partner', 'user', 'admin'],
  'edit fields': ['partner', 'user', 'admin'],
  'change status (workflow)': ['partner', 'user', 'admin'],
  comment: ['partner', 'user', 'admin'],
  'manage tasks': ['partner', 'user', 'admin'],
  'upload files': ['partner', 'user', 'admin'],
  'delete own files': ['partner', 'user', 'admin'],
  "delete others' files": ['admin'],
  'assign team members': ['admin'],
  'manage team list': ['admin'],
  'rename categories': ['admin'],
  'view notifications': ['viewer', 'partner', 'user', 'admin'],
};

/** Asserts the answer is success (2xx) or 403 with a reason; returns whether it succeeded. */
function allowed(r: Answer, what: string): boolean {
  if (r.status >= 200 && r.status < 300) return true;
  if (r.status === 403) {
    expect(typeof r.body.error).toBe('string');
    return false;
  }
  throw new Error(`${what}: unexpected ${r.status} ${JSON.stringify(r.body)}`);
}

const PROBES: Record<string, (login: string) => Promise<boolean>> = {
  'view work orders': async (login) => {
    const wo = await createWo(f);
    const one = allowed(await call(f, login, 'GET', `/work-orders/${wo.id}`), 'get');
    const list = await call(f, login, 'GET', '/work-orders?site=FI006');
    expect(list.status).toBe(200);
    expect(list.body.items.some((x: { id: number }) => x.id === wo.id)).toBe(true);
    return one;
  },
  'create as REQUEST': async (login) =>
    allowed(await call(f, login, 'POST', '/work-orders', { site: 'FI006', title: 'req', status: 'REQUEST' }), 'req'),
  'create as DRAFT': async (login) =>
    allowed(await call(f, login, 'POST', '/work-orders', { site: 'FI006', title: 'draft', status: 'DRAFT' }), 'draft'),
  'edit fields': async (login) => {
    const wo = await createWo(f);
    return allowed(
      await call(f, login, 'PATCH', `/work-orders/${wo.id}`, {
        version: wo.version,
        title: 'edited',
        priority: 'high',
      }),
      'edit'
    );
  },
  'change status (workflow)': async (login) => {
    const wo = await createWo(f);
    return allowed(
      await call(f, login, 'POST', `/work-orders/${wo.id}/transitions`, { version: wo.version, to: 'ACTIVE' }),
      'transition'
    );
  },
  comment: async (login) => {
    const wo = await createWo(f);
    return allowed(await call(f, login, 'POST', `/work-orders/${wo.id}/comments`, { body: 'checked' }), 'comment');
  },
  'manage tasks': async (login) => {
    const wo = await createWo(f);
    const add = await call(f, login, 'POST', `/work-orders/${wo.id}/tasks`, { title: 'isolate' });
    const ok = allowed(add, 'task add');
    const adminTask = await call(f, 'ada', 'POST', `/work-orders/${wo.id}/tasks`, { title: 'admin task' });
    const tick = allowed(
      await call(f, login, 'PATCH', `/work-orders/${wo.id}/tasks/${adminTask.body.id}`, { done: true }),
      'task tick'
    );
    const del = allowed(await call(f, login, 'DELETE', `/work-orders/${wo.id}/tasks/${adminTask.body.id}`), 'task del');
    expect(new Set([ok, tick, del]).size).toBe(1);
    return ok;
  },
  'upload files': async (login) => {
    const wo = await createWo(f);
    return allowed(await upload(f, login, wo.id, 'photo.png', PNG_1X1), 'upload');
  },
  'delete own files': async (login) => {
    const wo = await createWo(f);
    // Viewers cannot upload, so they have no own file: probe with one they would own if they could.
    const up = await upload(f, login === 'vera' ? 'ada' : login, wo.id, 'own.png', PNG_1X1);
    expect(up.status).toBe(201);
    return allowed(await call(f, login, 'DELETE', `/work-orders/${wo.id}/attachments/${up.body.id}`), 'delete own');
  },
  "delete others' files": async (login) => {
    const wo = await createWo(f);
    const uploader = login === 'uma' ? 'pat' : 'uma';
    const up = await upload(f, uploader, wo.id, 'theirs.png', PNG_1X1);
    expect(up.status).toBe(201);
    return allowed(await call(f, login, 'DELETE', `/work-orders/${wo.id}/attachments/${up.body.id}`), 'delete other');
  },
  'assign team members': async (login) => {
    const wo = await createWo(f);
    return allowed(
      await call(f, login, 'PATCH', `/work-orders/${wo.id}`, { version: wo.version, assignees: ['pat'] }),
      'assign'
    );
  },
  'manage team list': async (login) => {
    const added = allowed(await call(f, login, 'POST', '/team', { site: 'FI006', login: `new-${login}` }), 'team add');
    const removed = allowed(await call(f, login, 'DELETE', '/team/FI006/uma'), 'team remove');
    if (removed) await call(f, 'ada', 'POST', '/team', { site: 'FI006', login: 'uma' });
    expect(removed).toBe(added);
    return added;
  },
  'rename categories': async (login) => {
    const cats = await call(f, login, 'GET', '/categories');
    expect(cats.status).toBe(200);
    const id = cats.body.items[0].id as number;
    return allowed(await call(f, login, 'PATCH', `/categories/${id}`, { name: `Renamed by ${login}` }), 'rename');
  },
  'view notifications': async (login) => {
    const list = allowed(await call(f, login, 'GET', '/notifications'), 'notifications');
    const count = allowed(await call(f, login, 'GET', '/notifications/unread-count'), 'unread');
    expect(count).toBe(list);
    return list;
  },
};

describe('role × action table (issue 6 §6) against the real API', () => {
  const cases = Object.keys(TABLE).flatMap((action) => ROLES.map((role) => [action, role] as const));
  it.each(cases)('%s as %s', async (action, role) => {
    const ok = await PROBES[action](ROLE_USERS[role]);
    expect(ok).toBe(TABLE[action].includes(role));
  });

  it('the permission table in the contract says the same for each role (GET /me)', async () => {
    for (const role of ROLES) {
      const me = await call(f, ROLE_USERS[role], 'GET', '/me');
      expect(me.status).toBe(200);
      expect(me.body.login).toBe(ROLE_USERS[role]);
      for (const [action, roles] of Object.entries(PERMISSIONS))
        expect([action, me.body.permissions.includes(action)]).toEqual([action, roles.includes(me.body.role as never)]);
    }
  });
});

describe('site isolation for every role', () => {
  let ee: { id: number; version: number };
  let fi: { id: number; version: number };
  beforeAll(async () => {
    ee = await createWo(f, { site: 'EE001', title: 'Estonian secret' });
    fi = await createWo(f, { title: 'Finnish job' });
  });

  /** FI006-only users (every role but admin), a partner on no team, an EE001 user. */
  const OUTSIDERS = [
    ['viewer', 'vera'],
    ['partner', 'pat'],
    ['user', 'uma'],
    ['partner without team', 'pia'],
  ] as const;

  it.each(OUTSIDERS)('%s (%s) cannot see or touch an EE001 work order', async (_role, login) => {
    const id = ee.id;
    expect((await call(f, login, 'GET', `/work-orders/${id}`)).status).toBe(404);
    const list = await call(f, login, 'GET', '/work-orders');
    expect(list.status).toBe(200);
    expect(list.body.items.map((x: { site: string }) => x.site)).not.toContain('EE001');
    expect((await call(f, login, 'GET', '/work-orders?site=EE001')).body.items).toEqual([]);
    expect((await call(f, login, 'GET', `/work-orders/${id}/history`)).status).toBe(404);
    expect((await call(f, login, 'GET', `/work-orders/${id}/comments`)).status).toBe(404);
    expect((await call(f, login, 'GET', `/work-orders/${id}/tasks`)).status).toBe(404);
    expect((await call(f, login, 'GET', `/work-orders/${id}/attachments`)).status).toBe(404);
    expect([403, 404]).toContain(
      (await call(f, login, 'PATCH', `/work-orders/${id}`, { version: 1, title: 'x' })).status
    );
    expect([403, 404]).toContain((await call(f, login, 'POST', `/work-orders/${id}/comments`, { body: 'x' })).status);
    expect(
      (await call(f, login, 'POST', '/work-orders', { site: 'EE001', title: 'x', status: 'REQUEST' })).status
    ).toBe(403);
    expect((await call(f, login, 'GET', '/devices?site=EE001')).status).toBe(403);
    expect((await call(f, login, 'GET', '/team?site=EE001')).status).toBe(403);
    const from = Date.now() - 86_400_000;
    expect((await call(f, login, 'GET', `/availability?site=EE001&from=${from}&to=${Date.now()}`)).status).toBe(403);
    expect([403, 404]).toContain(
      (await call(f, login, 'POST', '/devices/EE001ES1BK1/status', { offline: true, reason: 'x' })).status
    );
    const me = await call(f, login, 'GET', '/me');
    expect(me.body.sites).not.toContain('EE001');
    const sites = await call(f, login, 'GET', '/sites');
    expect(sites.body.items.map((s: { code: string }) => s.code)).not.toContain('EE001');
  });

  it('the EE001 user sees EE001 and not FI006', async () => {
    expect((await call(f, 'ulf', 'GET', `/work-orders/${ee.id}`)).status).toBe(200);
    expect((await call(f, 'ulf', 'GET', `/work-orders/${fi.id}`)).status).toBe(404);
    const list = await call(f, 'ulf', 'GET', '/work-orders');
    expect(new Set(list.body.items.map((x: { site: string }) => x.site))).toEqual(new Set(['EE001']));
  });

  it('the partner without a team sees nothing; with a team membership, that site only', async () => {
    expect((await call(f, 'pia', 'GET', '/work-orders')).body.items).toEqual([]);
    expect((await call(f, 'pia', 'GET', '/me')).body.sites).toEqual([]);
    expect((await call(f, 'pia', 'GET', `/work-orders/${fi.id}`)).status).toBe(404);
    expect((await call(f, 'ada', 'POST', '/team', { site: 'EE001', login: 'pia' })).status).toBe(201);
    expect((await call(f, 'pia', 'GET', `/work-orders/${ee.id}`)).status).toBe(200);
    expect((await call(f, 'pia', 'GET', `/work-orders/${fi.id}`)).status).toBe(404);
    expect((await call(f, 'pia', 'GET', '/me')).body.sites).toEqual(['EE001']);
    expect((await call(f, 'ada', 'DELETE', '/team/EE001/pia')).status).toBe(204);
    expect((await call(f, 'pia', 'GET', `/work-orders/${ee.id}`)).status).toBe(404);
  });

  it('partners still get no telemetry (403 on /api/query)', async () => {
    const r = await fetch(`${f.url}/api/query`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer test-token-0123456789',
        'content-type': 'application/json',
        'x-grafana-user': 'pat',
      },
      body: JSON.stringify({
        from: Date.now() - 3_600_000,
        to: Date.now(),
        queries: [{ refId: 'A', queryType: 'tree', site: 'FI006' }],
      }),
    });
    expect(r.status).toBe(403);
  });

  it('the admin sees both sites; anonymous and unknown users see nothing', async () => {
    const list = await call(f, 'ada', 'GET', '/work-orders');
    expect(new Set(list.body.items.map((x: { site: string }) => x.site))).toEqual(new Set(['FI006', 'EE001']));
    for (const who of [null, 'stranger']) {
      expect((await call(f, who, 'GET', '/work-orders')).status).toBe(403);
      expect((await call(f, who, 'GET', `/work-orders/${fi.id}`)).status).toBe(403);
      expect((await call(f, who, 'POST', '/work-orders', { site: 'FI006', title: 'x' })).status).toBe(403);
    }
  });

  it('requires the bearer token', async () => {
    const r = await fetch(`${f.url}/api/maintenance/work-orders`, { headers: { 'x-grafana-user': 'ada' } });
    expect(r.status).toBe(401);
  });
});
