import { call, createWo, setupMaintenance, TOKEN, type MaintenanceFixture } from './support';

let f: MaintenanceFixture;
beforeAll(async () => {
  f = await setupMaintenance();
}, 60_000);
afterAll(async () => {
  await f?.close();
});

const H = 3_600_000;

/** The tree frame of /api/query as id → { isOffline, offlineReason }. */
async function tree(
  site: string,
  as = 'ada'
): Promise<Map<string, { offline: boolean | null; reason: string | null }>> {
  const r = await fetch(`${f.url}/api/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-grafana-user': as },
    body: JSON.stringify({
      from: Date.now() - H,
      to: Date.now(),
      queries: [{ refId: 'A', queryType: 'tree', site }],
    }),
  });
  expect(r.status).toBe(200);
  const body = (await r.json()) as {
    results: { A: { frames: { schema: { fields: { name: string }[] }; data: { values: unknown[][] } }[] } };
  };
  const fr = body.results.A.frames[0];
  const col = (n: string) => fr.data.values[fr.schema.fields.findIndex((x) => x.name === n)];
  const ids = col('id') as string[];
  const off = col('isOffline') as (boolean | null)[];
  const reason = col('offlineReason') as (string | null)[];
  return new Map(ids.map((id, i) => [id, { offline: off[i], reason: reason[i] }]));
}

describe('device status', () => {
  it('marks a block offline with a reason; its strings follow; online restores; history kept', async () => {
    const wo = await createWo(f, { title: 'Block 2 contactor' });
    const off = await call(f, 'pat', 'POST', '/devices/FI006ES1BK2/status', {
      offline: true,
      reason: 'Contactor replacement',
      workOrderId: wo.id,
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      device: 'FI006ES1BK2',
      offline: true,
      reason: 'Contactor replacement',
      by: 'pat',
    });
    const list = await call(f, 'vera', 'GET', '/devices?site=FI006');
    const by = new Map(list.body.items.map((d: { device: string }) => [d.device, d]));
    expect(by.get('FI006ES1BK2BS1')).toMatchObject({
      offline: true,
      inheritedFrom: 'FI006ES1BK2',
      reason: 'Contactor replacement',
    });
    expect(by.get('FI006ES1BK2BS2')).toMatchObject({ offline: true, inheritedFrom: 'FI006ES1BK2' });
    expect(by.get('FI006ES1BK1BS1')).toMatchObject({ offline: false, inheritedFrom: null });
    expect(by.get('FI006ES1BK2')).toMatchObject({ offline: true, inheritedFrom: null, workOrderId: wo.id });

    // Shown as offline by the query API (tree → scans, 3D panel), with the reason.
    const t = await tree('FI006');
    expect(t.get('FI006ES1BK2')).toEqual({ offline: true, reason: 'Contactor replacement' });
    expect(t.get('FI006ES1BK2BS1')).toEqual({ offline: true, reason: 'Contactor replacement' });

    // A string with its own mark stays offline when the block comes back.
    expect(
      (await call(f, 'uma', 'POST', '/devices/FI006ES1BK2BS2/status', { offline: true, reason: 'Cell swap' })).status
    ).toBe(200);
    const on = await call(f, 'uma', 'POST', '/devices/FI006ES1BK2/status', { offline: false });
    expect(on.status).toBe(200);
    expect(on.body.offline).toBe(false);
    const after = new Map(
      (await call(f, 'vera', 'GET', '/devices?site=FI006')).body.items.map((d: { device: string }) => [d.device, d])
    );
    expect(after.get('FI006ES1BK2BS1')).toMatchObject({ offline: false });
    expect(after.get('FI006ES1BK2BS2')).toMatchObject({ offline: true, reason: 'Cell swap', inheritedFrom: null });
    const t2 = await tree('FI006');
    expect(t2.get('FI006ES1BK2BS2')).toEqual({ offline: true, reason: 'Cell swap' });
    expect(t2.get('FI006ES1BK2BS1')?.reason).not.toBe('Contactor replacement');

    const h = await call(f, 'vera', 'GET', '/devices/FI006ES1BK2BS2/history');
    expect(
      h.body.items.map((e: { device: string; offline: boolean; by: string }) => [e.device, e.offline, e.by])
    ).toEqual([
      ['FI006ES1BK2', false, 'uma'],
      ['FI006ES1BK2BS2', true, 'uma'],
      ['FI006ES1BK2', true, 'pat'],
    ]);
  });

  it('refuses bad status changes with the reason', async () => {
    const noReason = await call(f, 'uma', 'POST', '/devices/FI006ES1BK1/status', { offline: true });
    expect([noReason.status, noReason.body.error]).toEqual([400, expect.stringMatching(/reason/)]);
    expect((await call(f, 'uma', 'POST', '/devices/FI006XX9/status', { offline: false })).status).toBe(404);
    const notOff = await call(f, 'uma', 'POST', '/devices/FI006ES1BK1/status', { offline: false });
    expect([notOff.status, notOff.body.error]).toEqual([409, expect.stringMatching(/not marked offline/)]);
    const future = await call(f, 'uma', 'POST', '/devices/FI006ES1BK1/status', {
      offline: true,
      reason: 'x',
      at: new Date(Date.now() + 10 * H).toISOString(),
    });
    expect([future.status, future.body.error]).toEqual([400, expect.stringMatching(/future/)]);
    expect(
      (await call(f, 'uma', 'POST', '/devices/FI006ES1BK1/status', { offline: true, reason: 'x', at: 'yesterday' }))
        .status
    ).toBe(400);
    expect((await call(f, 'vera', 'POST', '/devices/FI006ES1BK1/status', { offline: true, reason: 'x' })).status).toBe(
      403
    );
    // Append-only history: no change dated before the device's last one.
    expect(
      (await call(f, 'uma', 'POST', '/devices/FI006MT1/status', { offline: true, reason: 'meter swap' })).status
    ).toBe(200);
    const back = await call(f, 'uma', 'POST', '/devices/FI006MT1/status', { offline: false, at: Date.now() - 48 * H });
    expect([back.status, back.body.error]).toEqual([409, expect.stringMatching(/append-only/)]);
    const twice = await call(f, 'uma', 'POST', '/devices/FI006MT1/status', { offline: true, reason: 'again' });
    expect([twice.status, twice.body.error]).toEqual([409, expect.stringMatching(/already marked offline/)]);
  });
});

describe('availability', () => {
  it('equals the hand-computed value on a constructed outage history (EE001)', async () => {
    // EE001: one block (ES1BK1) with two equal strings (share 0.5 each) under the BESS node ES1.
    const T0 = Math.floor((Date.now() - 30 * 24 * H) / H) * H;
    const T1 = T0 + 240 * H;
    const mark = async (device: string, offline: boolean, hour: number) => {
      const r = await call(f, 'ulf', 'POST', `/devices/${device}/status`, {
        offline,
        reason: offline ? 'test outage' : undefined,
        at: new Date(T0 + hour * H).toISOString(),
      });
      expect([device, hour, r.status]).toEqual([device, hour, 200]);
    };
    await mark('EE001ES1BK1', true, 0); //        block out 0–12 h
    await mark('EE001ES1BK1BS1', true, 6); //    string 1 out 6–30 h (6–12 h inside the block outage)
    await mark('EE001ES1BK1', false, 12);
    await mark('EE001ES1BK1BS1', false, 30);
    await mark('EE001ES1BK1BS2', true, 48); //   string 2 out 48–97 h
    await mark('EE001ES1', true, 96); //          BESS node out 96–98 h (takes the block out)
    await mark('EE001ES1BK1BS2', false, 97);
    await mark('EE001ES1', false, 98);
    await mark('EE001ES1BK1BS1', true, 228); //  string 1 out from 228 h, still out at the end of the range
    await mark('EE001ES1BK1BS1', false, 300); // (back after the range)
    // Hand computation over T = 240 h:
    //   block:        0–12 h                                 → 12 h
    //   string 1:     6–30 h minus 6–12 h = 18 h × 0.5        →  9 h
    //   string 2:     48–97 h minus 96–97 h = 48 h × 0.5      → 24 h
    //   BESS node:    96–98 h                                 →  2 h
    //   string 1:     228–240 h = 12 h × 0.5                  →  6 h
    //   D = 53 h → A = 1 − 53 / 240 = 77.9166… %
    const r = await call(f, 'ulf', 'GET', `/availability?site=EE001&from=${T0}&to=${T1}`);
    expect(r.status).toBe(200);
    expect(r.body.site).toBe('EE001');
    expect(r.body.basis).toBe('manual-offline');
    expect(r.body.periodHours).toBe(240);
    expect(r.body.blocks).toHaveLength(1);
    expect(r.body.blocks[0].device).toBe('EE001ES1BK1');
    expect(r.body.equivalentDowntimeHours).toBeCloseTo(53, 6);
    expect(r.body.availabilityPct).toBeCloseTo((1 - 53 / 240) * 100, 6);
    expect(r.body.targetPct).toBe(98);
    expect(r.body.meetsTarget).toBe(false);
    // A sub-range: 0–24 h holds the block (12 h) and string 1 outside it (12–24 h × 0.5 = 6 h): 1 − 18/24 = 25 %.
    const day = await call(f, 'ulf', 'GET', `/availability?site=EE001&from=${T0}&to=${T0 + 24 * H}&target=20`);
    expect(day.body.availabilityPct).toBeCloseTo(25, 6);
    expect(day.body.meetsTarget).toBe(true);
    // ISO times work too.
    const iso = await call(
      f,
      'ulf',
      'GET',
      `/availability?site=EE001&from=${new Date(T0).toISOString()}&to=${new Date(T1).toISOString()}`
    );
    expect(iso.body.availabilityPct).toBeCloseTo(r.body.availabilityPct, 9);
  });

  it('rejects bad ranges with the reason', async () => {
    const now = Date.now();
    const back = await call(f, 'ada', 'GET', `/availability?site=EE001&from=${now}&to=${now - H}`);
    expect([back.status, back.body.error]).toEqual([400, expect.stringMatching(/to: must be after from/)]);
    expect((await call(f, 'ada', 'GET', `/availability?site=EE001&from=${now - H}`)).status).toBe(400);
    expect((await call(f, 'ada', 'GET', `/availability?site=EE001&from=x&to=${now}`)).status).toBe(400);
    expect((await call(f, 'ada', 'GET', `/availability?site=XX999&from=${now - H}&to=${now}`)).status).toBe(404);
  });
});

describe('team, users and notifications', () => {
  it('notifies assignment, status change and mention; unread count; mark read', async () => {
    const base = (await call(f, 'pat', 'GET', '/notifications/unread-count')).body.unread as number;
    const wo = await createWo(f, { title: 'Swap fan', assignees: ['pat'] });
    let n = await call(f, 'pat', 'GET', '/notifications?unread=true');
    expect(n.body.unread).toBe(base + 1);
    expect(n.body.items[0]).toMatchObject({ kind: 'assignment', workOrderId: wo.id, actor: 'ada', read: false });
    const tr = await call(f, 'uma', 'POST', `/work-orders/${wo.id}/transitions`, { version: wo.version, to: 'ACTIVE' });
    expect(tr.status).toBe(200);
    const c = await call(f, 'uma', 'POST', `/work-orders/${wo.id}/comments`, {
      body: 'Ping @pat and @VERA, not @ulf (other site) nor @nobody. Mail me at uma@example.com.',
    });
    expect(c.status).toBe(201);
    expect(c.body.mentions.sort()).toEqual(['pat', 'vera']);
    n = await call(f, 'pat', 'GET', '/notifications');
    expect(n.body.unread).toBe(base + 3);
    expect(n.body.items.slice(0, 3).map((x: { kind: string }) => x.kind)).toEqual(['mention', 'status', 'assignment']);
    expect(n.body.items[1].message).toMatch(/DRAFT to ACTIVE/);
    expect((await call(f, 'ulf', 'GET', '/notifications')).body.items).toEqual([]);
    // The actor is never notified of their own action; admin (creator) hears of the status change.
    const admin = await call(f, 'ada', 'GET', '/notifications');
    expect(
      admin.body.items.some(
        (x: { kind: string; workOrderId: number }) => x.kind === 'status' && x.workOrderId === wo.id
      )
    ).toBe(true);
    expect(
      (await call(f, 'uma', 'GET', '/notifications')).body.items.some(
        (x: { workOrderId: number }) => x.workOrderId === wo.id
      )
    ).toBe(false);
    const one = await call(f, 'pat', 'POST', '/notifications/read', { ids: [n.body.items[0].id] });
    expect(one.body.unread).toBe(base + 2);
    // Marking someone else's notification does nothing.
    const vera = await call(f, 'vera', 'GET', '/notifications');
    await call(f, 'pat', 'POST', '/notifications/read', { ids: [vera.body.items[0].id] });
    expect((await call(f, 'vera', 'GET', '/notifications/unread-count')).body.unread).toBe(vera.body.unread);
    expect((await call(f, 'pat', 'POST', '/notifications/read', { all: true })).body.unread).toBe(0);
  });

  it('team roster per site; the user picker lists access-file users and roster members', async () => {
    const team = await call(f, 'vera', 'GET', '/team?site=FI006');
    expect(team.body.items.map((m: { login: string }) => m.login).sort()).toEqual(['pat', 'uma', 'vera']);
    expect((await call(f, 'ada', 'POST', '/team', { site: 'FI006', login: 'PAT' })).status).toBe(409);
    expect(
      (await call(f, 'ada', 'POST', '/team', { site: 'FI006', login: 'Nina', name: 'Nina Field', company: 'ACME' }))
        .status
    ).toBe(201);
    const users = await call(f, 'ada', 'GET', '/users?site=FI006');
    expect(users.body.source).toBe('local');
    const logins = users.body.items.map((u: { login: string }) => u.login);
    expect(logins).toEqual(expect.arrayContaining(['ada', 'uma', 'vera', 'pat', 'nina']));
    expect(logins).not.toContain('ulf'); // cannot see FI006
    expect(logins).not.toContain('pia'); // partner on no FI006 team
    const q = await call(f, 'ada', 'GET', '/users?q=field');
    expect(q.body.items.map((u: { login: string }) => u.login)).toEqual(['nina']);
    expect((await call(f, 'ada', 'DELETE', '/team/FI006/nina')).status).toBe(204);
    expect((await call(f, 'ada', 'DELETE', '/team/FI006/nina')).status).toBe(404);
  });

  it('categories: admins create and rename; names stay unique; work orders show the new name', async () => {
    const c = await call(f, 'ada', 'POST', '/categories', { name: 'Fire system' });
    expect(c.status).toBe(201);
    expect((await call(f, 'ada', 'POST', '/categories', { name: 'fire SYSTEM' })).status).toBe(409);
    const wo = await createWo(f, { categoryId: c.body.id });
    expect(wo).toMatchObject({ categoryId: c.body.id });
    expect((await call(f, 'ada', 'PATCH', `/categories/${c.body.id}`, { name: 'Fire suppression' })).status).toBe(200);
    expect((await call(f, 'uma', 'GET', `/work-orders/${wo.id}`)).body.category).toBe('Fire suppression');
  });
});

describe('from alarms to work', () => {
  it('files a REQUEST prefilled with site, device and alarm; a second click answers the same one', async () => {
    const body = {
      eventId: 'evt-42',
      site: 'FI006',
      device: 'FI006ES1BK1BS2',
      alarm: 'BMS over-temperature',
      message: 'Max cell temperature 58 °C <above> limit',
      severity: 'critical',
      time: '2026-11-20T08:15:00Z',
    };
    const r = await call(f, 'vera', 'POST', '/work-orders/from-event', body);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      site: 'FI006',
      status: 'REQUEST',
      devices: ['FI006ES1BK1BS2'],
      priority: 'critical',
      title: 'BMS over-temperature on FI006ES1BK1BS2',
      createdBy: 'vera',
      existing: false,
      source: { eventId: 'evt-42', alarm: 'BMS over-temperature', severity: 'critical', device: 'FI006ES1BK1BS2' },
    });
    expect(r.body.description).toContain('&lt;above&gt;');
    expect(r.body.description).toContain('2026-11-20T08:15:00.000Z');
    const again = await call(f, 'uma', 'POST', '/work-orders/from-event', body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: r.body.id, existing: true });
    const other = await call(f, 'vera', 'POST', '/work-orders/from-event', {
      ...body,
      site: 'EE001',
      device: undefined,
    });
    expect(other.status).toBe(403);
    const wrongDevice = await call(f, 'vera', 'POST', '/work-orders/from-event', { ...body, device: 'EE001ES1BK1' });
    expect(wrongDevice.status).toBe(400);
  });

  it('fills the alarm from a recorded event (events table of issue 4) when only its id is sent', async () => {
    const ev = await f.pool.query<{ id: string }>(
      `INSERT INTO events (site, device, map, register, point, bit, bit_name, description, severity, expected, raised_at)
       VALUES ('FI006', 'FI006ES1BK2', 'bms-block', 'alarms', 'alarmWord', 3, 'fireAlarm', 'Smoke detected', 'ALARM', 0,
               '2026-11-21T10:00:00Z') RETURNING id`
    );
    const id = ev.rows[0].id;
    const r = await call(f, 'vera', 'POST', '/work-orders/from-event', { site: 'FI006', eventId: id });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      title: 'fireAlarm on FI006ES1BK2',
      devices: ['FI006ES1BK2'],
      priority: 'high',
      source: {
        eventId: id,
        alarm: 'fireAlarm',
        severity: 'alarm',
        device: 'FI006ES1BK2',
        time: '2026-11-21T10:00:00.000Z',
      },
    });
    expect(r.body.description).toContain('Smoke detected');
    const elsewhere = await call(f, 'ada', 'POST', '/work-orders/from-event', { site: 'EE001', eventId: id });
    expect([elsewhere.status, elsewhere.body.error]).toEqual([400, expect.stringMatching(/belongs to site FI006/)]);
    const unknown = await call(f, 'ada', 'POST', '/work-orders/from-event', { site: 'FI006', eventId: '987654321' });
    expect([unknown.status, unknown.body.error]).toEqual([400, expect.stringMatching(/alarm: required/)]);
  });
});
