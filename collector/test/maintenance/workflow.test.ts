import { TRANSITIONS, WORK_ORDER_STATUSES, type WorkOrderStatus } from '@openbess/model';
import { call, createWo, PNG_1X1, setupMaintenance, upload, type MaintenanceFixture } from './support';

let f: MaintenanceFixture;
beforeAll(async () => {
  f = await setupMaintenance();
}, 60_000);
afterAll(async () => {
  await f?.close();
});

/** Shortest path of allowed transitions from REQUEST to each status (BFS over the contract's table). */
function pathTo(target: WorkOrderStatus): WorkOrderStatus[] {
  const prev = new Map<WorkOrderStatus, WorkOrderStatus | null>([['REQUEST', null]]);
  const queue: WorkOrderStatus[] = ['REQUEST'];
  while (queue.length) {
    const s = queue.shift()!;
    for (const t of TRANSITIONS.filter((x) => x.from === s))
      if (!prev.has(t.to)) {
        prev.set(t.to, s);
        queue.push(t.to);
      }
  }
  const out: WorkOrderStatus[] = [];
  for (let s: WorkOrderStatus | null | undefined = target; s && s !== 'REQUEST'; s = prev.get(s)) out.unshift(s);
  return out;
}

/** A REQUEST driven (as admin) through allowed transitions to `status`. */
async function woIn(status: WorkOrderStatus) {
  let wo = await createWo(f, { status: 'REQUEST', title: `in ${status}` });
  for (const to of pathTo(status)) {
    const r = await call(f, 'ada', 'POST', `/work-orders/${wo.id}/transitions`, { version: wo.version, to });
    expect([to, r.status]).toEqual([to, 200]);
    wo = r.body;
  }
  expect(wo.status).toBe(status);
  return wo;
}

describe('workflow: every transition, allowed and forbidden', () => {
  const pairs = WORK_ORDER_STATUSES.flatMap((from) => WORK_ORDER_STATUSES.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s', async (from, to) => {
    const wo = await woIn(from);
    const r = await call(f, 'ada', 'POST', `/work-orders/${wo.id}/transitions`, { version: wo.version, to });
    const allowed = TRANSITIONS.some((t) => t.from === from && t.to === to);
    if (allowed) {
      expect(r.status).toBe(200);
      expect(r.body.status).toBe(to);
      expect(r.body.version).toBe(wo.version + 1);
    } else {
      expect(r.status).toBe(409);
      expect(r.body.error).toContain(`${from} → ${to} is not allowed`);
      const again = await call(f, 'ada', 'GET', `/work-orders/${wo.id}`);
      expect(again.body.status).toBe(from);
      expect(again.body.version).toBe(wo.version);
    }
  });

  it('the closing transition is for users and admins, not for partners (who cannot accept their own work)', async () => {
    const wo = await woIn('DONE');
    const byPartner = await call(f, 'pat', 'POST', `/work-orders/${wo.id}/transitions`, {
      version: wo.version,
      to: 'CLOSED',
    });
    expect(byPartner.status).toBe(403);
    expect(byPartner.body.error).toMatch(/partner-maintenance may not close/);
    const byUser = await call(f, 'uma', 'POST', `/work-orders/${wo.id}/transitions`, {
      version: wo.version,
      to: 'CLOSED',
    });
    expect(byUser.status).toBe(200);
  });

  it('answers the transitions the caller may take', async () => {
    const wo = await woIn('DONE');
    const asPartner = await call(f, 'pat', 'GET', `/work-orders/${wo.id}`);
    expect(asPartner.body.allowedTransitions.map((t: { to: string }) => t.to)).toEqual(['IN_PROGRESS']);
    const asUser = await call(f, 'uma', 'GET', `/work-orders/${wo.id}`);
    expect(asUser.body.allowedTransitions.map((t: { to: string }) => t.to).sort()).toEqual(['CLOSED', 'IN_PROGRESS']);
    expect((await call(f, 'vera', 'GET', `/work-orders/${wo.id}`)).body.allowedTransitions).toEqual([]);
  });

  it('final states refuse edits', async () => {
    for (const s of ['CLOSED', 'CANCELLED'] as const) {
      const wo = await woIn(s);
      const r = await call(f, 'ada', 'PATCH', `/work-orders/${wo.id}`, { version: wo.version, title: 'late edit' });
      expect(r.status).toBe(409);
      expect(r.body.error).toContain(s);
      expect((await call(f, 'ada', 'POST', `/work-orders/${wo.id}/tasks`, { title: 'x' })).status).toBe(409);
    }
  });
});

describe('optimistic locking', () => {
  it('a stale edit gets 409 with the current record, not a silent overwrite', async () => {
    const wo = await createWo(f);
    const first = await call(f, 'uma', 'PATCH', `/work-orders/${wo.id}`, { version: wo.version, title: 'first' });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(wo.version + 1);
    const stale = await call(f, 'pat', 'PATCH', `/work-orders/${wo.id}`, { version: wo.version, title: 'second' });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatch(/changed by uma/);
    expect(stale.body.detail.current.title).toBe('first');
    expect(stale.body.detail.current.version).toBe(wo.version + 1);
    const staleTransition = await call(f, 'pat', 'POST', `/work-orders/${wo.id}/transitions`, {
      version: wo.version,
      to: 'ACTIVE',
    });
    expect(staleTransition.status).toBe(409);
    const now = await call(f, 'ada', 'GET', `/work-orders/${wo.id}`);
    expect(now.body.title).toBe('first');
    expect(now.body.status).toBe('DRAFT');
  });

  it('of two concurrent edits on the same version exactly one wins', async () => {
    const wo = await createWo(f);
    const rs = await Promise.all(
      ['a', 'b', 'c', 'd'].map((t) =>
        call(f, 'uma', 'PATCH', `/work-orders/${wo.id}`, { version: wo.version, title: t })
      )
    );
    expect(rs.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const winner = rs.find((r) => r.status === 200)!.body.title;
    expect((await call(f, 'ada', 'GET', `/work-orders/${wo.id}`)).body.title).toBe(winner);
  });
});

describe('audit history', () => {
  it('records every change: who, when, field, old → new', async () => {
    const cats = (await call(f, 'ada', 'GET', '/categories')).body.items as { id: number }[];
    const t0 = Date.now();
    const c = await call(f, 'uma', 'POST', '/work-orders', {
      site: 'FI006',
      title: 'Inspect string 1',
      priority: 'low',
      devices: ['FI006ES1BK1BS1'],
    });
    expect(c.status).toBe(201);
    let wo = c.body;
    const edit = await call(f, 'pat', 'PATCH', `/work-orders/${wo.id}`, {
      version: wo.version,
      title: 'Inspect string 1 and 2',
      priority: 'high',
      categoryId: cats[0].id,
      devices: ['FI006ES1BK1BS1', 'FI006ES1BK1BS2'],
      dueDate: '2030-01-31',
      description: '<p>Check <b>torque</b></p>',
    });
    expect(edit.status).toBe(200);
    wo = edit.body;
    // Unchanged values are not recorded.
    const same = await call(f, 'pat', 'PATCH', `/work-orders/${wo.id}`, { version: wo.version, priority: 'high' });
    expect(same.body.version).toBe(wo.version);
    const assign = await call(f, 'ada', 'PATCH', `/work-orders/${wo.id}`, { version: wo.version, assignees: ['pat'] });
    wo = assign.body;
    const tr = await call(f, 'uma', 'POST', `/work-orders/${wo.id}/transitions`, { version: wo.version, to: 'ACTIVE' });
    wo = tr.body;
    const task = (await call(f, 'pat', 'POST', `/work-orders/${wo.id}/tasks`, { title: 'Torque check' })).body;
    await call(f, 'pat', 'PATCH', `/work-orders/${wo.id}/tasks/${task.id}`, { done: true });
    await call(f, 'pat', 'DELETE', `/work-orders/${wo.id}/tasks/${task.id}`);
    const cm = (await call(f, 'uma', 'POST', `/work-orders/${wo.id}/comments`, { body: 'Done by Friday?' })).body;
    const att = (await upload(f, 'pat', wo.id, 'torque.png', PNG_1X1)).body;
    await call(f, 'pat', 'DELETE', `/work-orders/${wo.id}/attachments/${att.id}`);
    const rep = await call(f, 'pat', 'PATCH', `/work-orders/${wo.id}`, { version: wo.version, report: '<p>ok</p>' });
    expect(rep.status).toBe(200);

    const h = await call(f, 'vera', 'GET', `/work-orders/${wo.id}/history`);
    expect(h.status).toBe(200);
    const rows = h.body.items.map((e: { by: string; field: string; old: unknown; new: unknown }) => [
      e.by,
      e.field,
      e.old,
      e.new,
    ]);
    expect(rows).toEqual([
      ['uma', 'created', null, 'DRAFT'],
      ['uma', 'title', null, 'Inspect string 1'],
      ['uma', 'priority', null, 'low'],
      ['uma', 'devices', null, ['FI006ES1BK1BS1']],
      ['pat', 'title', 'Inspect string 1', 'Inspect string 1 and 2'],
      ['pat', 'categoryId', null, cats[0].id],
      ['pat', 'priority', 'low', 'high'],
      ['pat', 'devices', ['FI006ES1BK1BS1'], ['FI006ES1BK1BS1', 'FI006ES1BK1BS2']],
      ['pat', 'dueDate', null, '2030-01-31'],
      ['pat', 'description', '', '<p>Check <b>torque</b></p>'],
      ['ada', 'assignees', [], ['pat']],
      ['uma', 'status', 'DRAFT', 'ACTIVE'],
      ['pat', `task:${task.id}`, null, 'Torque check'],
      ['pat', `task:${task.id}.done`, false, true],
      ['pat', `task:${task.id}`, 'Torque check', null],
      ['uma', `comment:${cm.id}`, null, 'Done by Friday?'],
      ['pat', `attachment:${att.id}`, null, 'torque.png'],
      ['pat', `attachment:${att.id}`, 'torque.png', null],
      ['pat', 'report', '', '<p>ok</p>'],
    ]);
    for (const e of h.body.items) {
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(t0 - 5000);
      expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.now() + 5000);
    }
  });
});

describe('rich text, validation and bad bodies', () => {
  it('sanitises description and report HTML on the server', async () => {
    const wo = await createWo(f, {
      description:
        '<p onclick="alert(1)">Hi<script>alert(2)</script><img src="x" onerror="alert(3)"><a href="javascript:alert(4)">x</a>' +
        '<iframe src="https://evil"></iframe><a href="https://ok.example/">ok</a></p>',
    });
    const r = await call(f, 'ada', 'GET', `/work-orders/${wo.id}`);
    const html = r.body.description as string;
    expect(html).not.toMatch(/script|onclick|onerror|javascript:|iframe/i);
    expect(html).toContain('<a href="https://ok.example/" target="_blank" rel="noopener noreferrer">ok</a>');
    expect(html).toContain('Hi');
  });

  const BAD: [string, string, string, unknown, RegExp][] = [
    ['POST', '/work-orders', 'missing title', { site: 'FI006' }, /title/],
    ['POST', '/work-orders', 'empty title', { site: 'FI006', title: '   ' }, /title: must not be empty/],
    ['POST', '/work-orders', 'bad site', { site: 'fi6', title: 'x' }, /site/],
    ['POST', '/work-orders', 'unknown field', { site: 'FI006', title: 'x', colour: 'red' }, /colour|Unrecognized/i],
    ['POST', '/work-orders', 'bad priority', { site: 'FI006', title: 'x', priority: 'urgent' }, /priority/],
    ['POST', '/work-orders', 'bad due date', { site: 'FI006', title: 'x', dueDate: '31.01.2030' }, /dueDate/],
    [
      'POST',
      '/work-orders',
      'foreign device',
      { site: 'FI006', title: 'x', devices: ['EE001ES1'] },
      /EE001ES1 is not a device of site FI006/,
    ],
    ['POST', '/work-orders', 'unknown category', { site: 'FI006', title: 'x', categoryId: 99999 }, /categoryId/],
    [
      'POST',
      '/work-orders',
      'assignee off the team',
      { site: 'FI006', title: 'x', assignees: ['ulf'] },
      /ulf is not a member/,
    ],
    ['POST', '/work-orders', 'start in ACTIVE', { site: 'FI006', title: 'x', status: 'ACTIVE' }, /status/],
    ['POST', '/work-orders', 'malformed JSON', '{"site":', /malformed JSON/],
    ['POST', '/work-orders/from-event', 'no alarm', { site: 'FI006' }, /alarm/],
    ['POST', '/categories', 'empty name', { name: '' }, /name/],
    ['POST', '/team', 'bad login', { site: 'FI006', login: 'a\u0001b' }, /login/],
    ['POST', '/notifications/read', 'nothing to mark', {}, /ids|all/],
  ];
  it.each(BAD)('%s %s (%s) → 400 with the reason', async (method, path, _what, body, reason) => {
    const r = await call(f, 'ada', method, path, body);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(reason);
  });

  it('bad ids, bad query strings and unknown records', async () => {
    const wo = await createWo(f);
    expect((await call(f, 'ada', 'GET', '/work-orders/abc')).status).toBe(400);
    expect((await call(f, 'ada', 'GET', '/work-orders/999999')).status).toBe(404);
    expect((await call(f, 'ada', 'GET', '/work-orders?status=OPEN')).body.error).toMatch(/status/);
    expect((await call(f, 'ada', 'GET', '/work-orders?limit=100000')).status).toBe(400);
    const noVersion = await call(f, 'ada', 'PATCH', `/work-orders/${wo.id}`, { title: 'x' });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error).toMatch(/version/);
    const badTo = await call(f, 'ada', 'POST', `/work-orders/${wo.id}/transitions`, { version: 1, to: 'FINISHED' });
    expect(badTo.status).toBe(400);
    expect((await call(f, 'ada', 'PATCH', `/work-orders/${wo.id}/tasks/999999`, { done: true })).status).toBe(404);
    expect((await call(f, 'ada', 'PATCH', `/work-orders/${wo.id}/tasks/1`, {})).status).toBe(400);
    expect((await call(f, 'ada', 'GET', '/work-orders?sort=colour')).status).toBe(400);
  });
});

describe('list, search and summary', () => {
  it('filters by status and site, searches title and id, pages with a total', async () => {
    const a = await createWo(f, { title: 'Zebra inverter fan noise', priority: 'critical' });
    const b = await createWo(f, { title: 'Quarterly zebra-crossing paint', status: 'REQUEST' });
    await createWo(f, { site: 'EE001', title: 'zebra in Estonia' });
    const search = await call(f, 'uma', 'GET', '/work-orders?q=zebra');
    expect(search.body.items.map((x: { id: number }) => x.id).sort()).toEqual([a.id, b.id].sort());
    expect(search.body.total).toBe(2);
    const req = await call(f, 'uma', 'GET', '/work-orders?q=zebra&status=REQUEST');
    expect(req.body.items.map((x: { id: number }) => x.id)).toEqual([b.id]);
    const byId = await call(f, 'uma', 'GET', `/work-orders?q=%23${a.id}`);
    expect(byId.body.items.map((x: { id: number }) => x.id)).toContain(a.id);
    const admin = await call(f, 'ada', 'GET', '/work-orders?q=zebra&site=EE001');
    expect(admin.body.total).toBe(1);
    const page = await call(f, 'ada', 'GET', '/work-orders?limit=2&offset=1&sort=id&order=asc');
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0].id).toBeLessThan(page.body.items[1].id);
    const wildcard = await call(f, 'ada', 'GET', '/work-orders?q=%25');
    expect(wildcard.body.total).toBe(0);
    // Searches the text of the rich-text description (not its markup), devices; empty parameters mean "no filter".
    const rich = await createWo(f, {
      title: 'Quarterly check',
      description: '<p>Loose <b>busbar</b> bolts</p>',
      devices: ['FI006ES1BK2BS1'],
    });
    expect(
      (await call(f, 'uma', 'GET', '/work-orders?q=loose busbar')).body.items.map((x: { id: number }) => x.id)
    ).toEqual([rich.id]);
    expect((await call(f, 'uma', 'GET', '/work-orders?q=<b>')).body.total).toBe(0);
    expect(
      (await call(f, 'uma', 'GET', '/work-orders?q=es1bk2bs1')).body.items.map((x: { id: number }) => x.id)
    ).toContain(rich.id);
    const empty = await call(f, 'uma', 'GET', '/work-orders?site=&status=&q=');
    expect(empty.status).toBe(200);
    expect(empty.body.total).toBeGreaterThan(2);
    expect((await call(f, 'uma', 'GET', '/devices')).body.error).toMatch(/site: required/);
    const summary = await call(f, 'uma', 'GET', '/summary?site=FI006');
    expect(summary.status).toBe(200);
    const list = await call(f, 'uma', 'GET', '/work-orders?site=FI006&limit=500');
    const requests = list.body.items.filter((x: { status: string }) => x.status === 'REQUEST').length;
    expect(summary.body.counts.REQUEST).toBe(requests);
    expect(Object.values(summary.body.counts).reduce((n: number, v) => n + (v as number), 0)).toBe(list.body.total);
  });
});
