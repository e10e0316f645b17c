import { axisOf, siteDevices, stringBase, UNIT_IDS, type DataFrameJSON } from '@openbess/model';
import { grafanaUnit } from '../../src/api/query/frames';
import { treeQuery } from '../../src/api/query/tree';
import { storePyramid } from '../../src/api/query/pyramid';
import { m4Reference } from './support/m4ref';
import { MINUTE, postQuery, setupApi, startApi, type ApiFixture, type RunningApi } from './support/fixture';

let f: ApiFixture;
let api: RunningApi;

beforeAll(async () => {
  f = await setupApi(3, 'openbess_api_q');
  api = await startApi(f);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await f?.close();
});

const values = (fr: DataFrameJSON, name: string) => fr.data.values[fr.schema.fields.findIndex((x) => x.name === name)];
const rows = (fr: DataFrameJSON) =>
  fr.data.values[0].map((_, i) => Object.fromEntries(fr.schema.fields.map((fl, j) => [fl.name, fr.data.values[j][i]])));

describe('timeseries', () => {
  it('answers one frame per series in Grafana data-frame JSON: time + value, unit, display name, axis, labels', async () => {
    const series = [
      { device: 'FI006MT1', metric: 'activePower' },
      { device: 'FI006ES1', metric: 'stateOfCharge' },
      { device: 'FI006MT1', metric: 'frequency' },
    ];
    const r = await postQuery(api, {
      from: String(f.from),
      to: String(f.to),
      queries: [{ refId: 'A', queryType: 'timeseries', series, maxDataPoints: 500, intervalMs: 1000 }],
    });
    expect(r.status).toBe(200);
    const frames = r.body.results.A.frames!;
    expect(frames).toHaveLength(3);
    const units: Record<string, string> = { activePower: 'kW', stateOfCharge: '%', frequency: 'Hz' };
    frames.forEach((fr, i) => {
      const { device, metric } = series[i];
      expect(fr.schema.refId).toBe('A');
      expect(fr.schema.fields.map((x) => [x.name, x.type])).toEqual([
        ['time', 'time'],
        ['value', 'number'],
      ]);
      const v = fr.schema.fields[1];
      expect(v.labels).toEqual({ site: 'FI006', device, metric });
      expect(v.config?.unit).toBe(grafanaUnit(units[metric]));
      expect(v.config?.displayNameFromDS).toBe(`${device} ${metric}`);
      expect(v.config?.custom?.axisPlacement).toBe(axisOf(units[metric]));
      const [t, val] = fr.data.values as number[][];
      expect(t.length).toBe(val.length);
      expect(t.length).toBeGreaterThan(100);
      for (let k = 1; k < t.length; k++) expect(t[k]).toBeGreaterThan(t[k - 1]);
      expect(t[0]).toBeGreaterThanOrEqual(f.from);
      expect(t[t.length - 1]).toBeLessThan(f.to);
    });
    expect(frames[0].schema.fields[1].config?.custom?.axisPlacement).toBe('left');
    expect(frames[1].schema.fields[1].config?.custom?.axisPlacement).toBe('right');
    expect(frames[0].schema.meta?.custom).toMatchObject({ source: 'telemetry', downsampling: 'M4' });
  });

  it.each([
    [1000, 0, 0],
    [300, 0, 0],
    [97, 0, 37 * MINUTE + 12_345],
    [500, 3_600_000, 0],
  ])(
    'M4 with maxDataPoints %d (intervalMs %d) equals a reference M4 of the raw rows: ≤ 4 points per column, spike kept',
    async (maxDataPoints, intervalMs, offset) => {
      const from = f.from + offset;
      const to = f.to - offset;
      const r = await postQuery(api, {
        from,
        to,
        queries: [
          {
            refId: 'M4',
            queryType: 'timeseries',
            maxDataPoints,
            intervalMs,
            series: [
              { device: 'FI006MT1', metric: 'activePower' },
              { device: 'EE001ES1BK1BS1', metric: 'stateOfCharge' },
            ],
          },
        ],
      });
      expect(r.status).toBe(200);
      const bucket = Math.max(intervalMs, Math.ceil((to - from) / maxDataPoints));
      for (const fr of r.body.results.M4.frames!) {
        const key = `${fr.schema.fields[1].labels!.device} ${fr.schema.fields[1].labels!.metric}`;
        const raw = f.raw.get(key)!;
        const ref = m4Reference(raw.t, raw.v, from, to, bucket);
        const [t, v] = fr.data.values as number[][];
        expect(t.length).toBeLessThanOrEqual(4 * maxDataPoints);
        expect({ t, v }).toEqual(ref);
        const inRange = raw.v.filter((_, i) => raw.t[i] >= from && raw.t[i] < to);
        expect(Math.max(...v)).toBe(Math.max(...inRange));
        expect(Math.min(...v)).toBe(Math.min(...inRange));
        if (key === `${f.spike.device} ${f.spike.metric}`) expect(t[v.indexOf(f.spike.value)]).toBe(f.spike.time);
      }
    }
  );

  it('returns stored power in the generator convention: charging stays negative', async () => {
    const r = await postQuery(api, {
      from: f.now - MINUTE,
      to: f.now + MINUTE,
      queries: [{ refId: 'S', queryType: 'timeseries', series: [{ device: 'EE001ES1BK1', metric: 'activePower' }] }],
    });
    expect(r.status).toBe(200);
    expect(r.body.results.S.frames![0].data.values).toEqual([[f.now], [-1234.5]]);
  });

  it('answers per-query 404 for unknown devices and metrics, other queries unaffected (207)', async () => {
    const r = await postQuery(api, {
      from: f.from,
      to: f.to,
      queries: [
        { refId: 'A', queryType: 'timeseries', series: [{ device: 'FI006MT9', metric: 'activePower' }] },
        { refId: 'B', queryType: 'timeseries', series: [{ device: 'FI006MT1', metric: 'windSpeed' }] },
        { refId: 'C', queryType: 'timeseries', series: [{ device: 'FI006MT1', metric: 'frequency' }] },
      ],
    });
    expect(r.status).toBe(207);
    expect(r.body.results.A).toEqual({ status: 404, error: 'unknown device FI006MT9' });
    expect(r.body.results.B).toEqual({ status: 404, error: 'device FI006MT1 has no metric windSpeed' });
    expect(r.body.results.C.status).toBe(200);
    expect(r.body.results.C.frames).toHaveLength(1);
  });
});

describe('latest', () => {
  it('answers one table frame (site, device, metric, value, unit, time) of the latest values', async () => {
    const r = await postQuery(api, {
      from: f.from,
      to: f.now + 1,
      queries: [{ refId: 'L', queryType: 'latest', site: 'EE001' }],
    });
    expect(r.status).toBe(200);
    const fr = r.body.results.L.frames![0];
    expect(fr.schema.fields.map((x) => [x.name, x.type])).toEqual([
      ['site', 'string'],
      ['device', 'string'],
      ['metric', 'string'],
      ['value', 'number'],
      ['unit', 'string'],
      ['time', 'time'],
    ]);
    const all = rows(fr);
    const expected = f.registry
      .entries()
      .filter((e) => e.device.startsWith('EE001') && f.registry.kindOf(e.id) === 'scalar');
    expect(all).toHaveLength(expected.length);
    expect(new Set(all.map((x) => x.site))).toEqual(new Set(['EE001']));
    expect(all.find((x) => x.device === 'EE001ES1BK1' && x.metric === 'activePower')).toEqual({
      site: 'EE001',
      device: 'EE001ES1BK1',
      metric: 'activePower',
      value: -1234.5,
      unit: 'kW',
      time: f.now,
    });
    expect(all.find((x) => x.device === 'EE001MT1' && x.metric === 'frequency')?.unit).toBe('Hz');
  });

  it('filters by devices and metrics', async () => {
    const r = await postQuery(api, {
      from: f.from,
      to: f.now + 1,
      queries: [
        { refId: 'L', queryType: 'latest', devices: ['FI006MT1', 'EE001MT1'], metrics: ['activePower', 'frequency'] },
      ],
    });
    const all = rows(r.body.results.L.frames![0]);
    expect(all.map((x) => `${x.device} ${x.metric}`).sort()).toEqual([
      'EE001MT1 activePower',
      'EE001MT1 frequency',
      'FI006MT1 activePower',
      'FI006MT1 frequency',
    ]);
  });
});

describe('tree', () => {
  it('lists site → nodes → blocks → strings, hvac, safety with inline values, parents before children', async () => {
    const r = await postQuery(api, {
      from: f.from,
      to: f.now + 1,
      queries: [{ refId: 'T', queryType: 'tree', site: 'FI006' }],
    });
    expect(r.status).toBe(200);
    const all = rows(r.body.results.T.frames![0]);
    expect(all[0]).toMatchObject({ id: 'FI006', profile: 'site', name: 'Test Finland', parent: null });
    const devices = siteDevices(f.sites.find((s) => s.code === 'FI006')!);
    expect(
      all
        .slice(1)
        .map((x) => x.id)
        .sort()
    ).toEqual(devices.map((d) => d.id).sort());
    const seen = new Set<string>();
    for (const row of all) {
      if (row.parent !== null) expect(seen.has(row.parent as string)).toBe(true);
      seen.add(row.id as string);
    }
    const meter = all.find((x) => x.profile === 'meterNode')!;
    expect(meter).toMatchObject({ activePower: 42, reactivePower: 42, frequency: 42, powerFactor: 42, time: f.now });
    expect(meter.stateOfCharge).toBeNull();
    const block = all.find((x) => x.id === 'FI006ES1BK2')!;
    expect(block).toMatchObject({ profile: 'bessBlock', block: 2, ratedPowerKw: 2500, activePowerSetValue: 42 });
    expect(typeof block.isOffline).toBe('boolean');
    const str = all.find((x) => x.id === 'FI006ES1BK2BS1')!;
    expect(str).toMatchObject({ parent: 'FI006ES1BK2', string: 1, minCellTemperature: 42, dcVoltage: 42 });
    expect(all.find((x) => x.profile === 'windNode')).toMatchObject({ id: 'FI006WT1', activePower: 42 });
    expect(all.find((x) => x.profile === 'hvac')?.isOffline).toBeNull();
  });

  it('marks blocks and strings offline after 3 poll intervals without data, or by the manual-status hook', async () => {
    const base = { pool: f.pool, maps: f.maps, pyramid: storePyramid(f.pool), from: f.from, to: f.now + 1 };
    const access = { user: null, role: 'admin' as const, sites: 'all' as const };
    const q = { refId: 'T', queryType: 'tree' as const, site: 'FI006' };
    const offline = async (now: number, hook?: Parameters<typeof treeQuery>[0]['offlineStatus']) => {
      const fr = (await treeQuery({ ...base, access, now: () => now, offlineStatus: hook }, q))[0];
      return Object.fromEntries(rows(fr).map((x) => [x.id, [x.isOffline, x.offlineReason]]));
    };
    // block: PCS map polls every 1 s → stale after 3 s; string: string map every 2 s → after 6 s
    let s = await offline(f.now + 2_000);
    expect(s.FI006ES1BK1).toEqual([false, null]);
    expect(s.FI006ES1BK1BS1).toEqual([false, null]);
    s = await offline(f.now + 4_000);
    expect(s.FI006ES1BK1).toEqual([true, 'no data']);
    expect(s.FI006ES1BK1BS1).toEqual([false, null]);
    s = await offline(f.now + 7_000);
    expect(s.FI006ES1BK1BS1).toEqual([true, 'no data']);
    s = await offline(f.now + 1_000, async (site, ids) => {
      expect(site).toBe('FI006');
      return new Map(
        ids.filter((id) => id === 'FI006ES1BK2').map((id) => [id, { offline: true, reason: 'inverter swap' }])
      );
    });
    expect(s.FI006ES1BK2).toEqual([true, 'inverter swap']);
    expect(s.FI006ES1BK1).toEqual([false, null]);
  });
});

describe('catalog', () => {
  it('gives register-true provenance per profile: map, unit id, address, fn, type, scale, sign, point name', async () => {
    const r = await postQuery(api, {
      from: f.from,
      to: f.to,
      queries: [{ refId: 'C', queryType: 'catalog', site: 'EE001', profile: 'bessBlock' }],
    });
    expect(r.status).toBe(200);
    const all = rows(r.body.results.C.frames![0]);
    const pcs = f.maps.get('pcs-vendorb')!;
    const p = pcs.points.find((x) => x.metric === 'activePower')!;
    expect(all.find((x) => x.metric === 'activePower')).toMatchObject({
      profile: 'bessBlock',
      unit: 'kW',
      map: 'pcs-vendorb',
      unitId: UNIT_IDS.pcs(1),
      base: 0,
      address: p.address,
      wireAddress: p.address,
      fn: p.fn,
      type: p.type,
      scale: p.scale,
      sign: p.sign,
      name: p.name,
      devices: 1,
    });
    expect(p.sign).toBe(-1);
    expect(new Set(all.map((x) => x.profile))).toEqual(new Set(['bessBlock']));
  });

  it('shows unit-id ranges across devices, and exact base and wire address for one device', async () => {
    const r = await postQuery(api, {
      from: f.from,
      to: f.to,
      queries: [
        { refId: 'P', queryType: 'catalog', site: 'FI006', profile: 'batteryString' },
        { refId: 'D', queryType: 'catalog', device: 'FI006ES1BK2BS2' },
      ],
    });
    const soc = f.maps.get('bms-string-803')!.points.find((x) => x.metric === 'stateOfCharge')!;
    const perProfile = rows(r.body.results.P.frames![0]).find((x) => x.metric === 'stateOfCharge')!;
    expect(perProfile).toMatchObject({
      unitId: null,
      unitIds: `${UNIT_IDS.bms(1)}–${UNIT_IDS.bms(2)}`,
      base: null,
      devices: 4,
    });
    const one = rows(r.body.results.D.frames![0]).find((x) => x.metric === 'stateOfCharge')!;
    expect(one).toMatchObject({
      unitId: UNIT_IDS.bms(2),
      base: stringBase(2),
      address: soc.address,
      wireAddress: stringBase(2) + soc.address,
      devices: 1,
    });
  });
});

describe('variable', () => {
  const variable = async (q: Record<string, unknown>) => {
    const r = await postQuery(api, { from: f.from, to: f.to, queries: [{ refId: 'V', queryType: 'variable', ...q }] });
    return r;
  };
  const pairs = (fr: DataFrameJSON) => (values(fr, 'value') as string[]).map((v, i) => [values(fr, 'text')[i], v]);

  it('lists sites, blocks of a site, strings of a block, devices by profile and metrics of a device', async () => {
    expect(pairs((await variable({ variable: 'sites' })).body.results.V.frames![0])).toEqual([
      ['EE001 – Test Estonia', 'EE001'],
      ['FI006 – Test Finland', 'FI006'],
    ]);
    expect(pairs((await variable({ variable: 'blocks', site: 'FI006' })).body.results.V.frames![0])).toEqual([
      ['Block 1', 'FI006ES1BK1'],
      ['Block 2', 'FI006ES1BK2'],
    ]);
    expect(
      pairs(
        (await variable({ variable: 'strings', block: ['FI006ES1BK2', 'EE001ES1BK1'] })).body.results.V.frames![0]
      ).map((x) => x[1])
    ).toEqual(['EE001ES1BK1BS1', 'EE001ES1BK1BS2', 'FI006ES1BK2BS1', 'FI006ES1BK2BS2']);
    expect(
      pairs((await variable({ variable: 'devices', site: 'EE001', profile: 'solarNode' })).body.results.V.frames![0])
    ).toEqual([['EE001PV1 (Solar park)', 'EE001PV1']]);
    const metrics = pairs((await variable({ variable: 'metrics', device: 'FI006MT1' })).body.results.V.frames![0]);
    expect(metrics).toContainEqual(['activePower (kW)', 'activePower']);
    expect(metrics.length).toBe(f.maps.get('meter-float32')!.points.filter((p) => p.kind === 'measurement').length);
  });

  it('answers 400 naming the missing parent, 404 for an unknown one', async () => {
    expect((await variable({ variable: 'blocks' })).body.results.V).toEqual({
      status: 400,
      error: 'variable "blocks" needs `site`',
    });
    expect((await variable({ variable: 'strings', block: 'FI006ES1BK9' })).body.results.V).toEqual({
      status: 404,
      error: 'unknown device FI006ES1BK9',
    });
  });
});
