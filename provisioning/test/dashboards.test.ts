/**
 * The provisioned dashboards: the committed JSON is exactly what provisioning/dashboards/src generates, and the
 * dashboards hold together — datasources that are provisioned, queries the API accepts (parsed with the API's own
 * zod schema after Grafana-style variable substitution), metrics the register maps define, variables that are
 * defined, links to dashboards that exist, panel types that exist, a layout without overlaps.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadRegisterMaps, loadSitesConfig, siteDevices } from '../../model/src';
import { querySchema, QUERY_TYPES } from '../../model/src/api/query';
import { committed, generate, OUT_DIR } from '../dashboards/src/generate';
import { DASHBOARDS } from '../dashboards/src/index';
import { MS_TIME_UNIT } from '../dashboards/src/commissioning';

const root = resolve(__dirname, '..', '..');

interface Target {
  refId: string;
  datasource?: { type: string; uid: string };
  queryType?: string;
  rawSql?: string;
  format?: string;
  live?: boolean;
  [k: string]: unknown;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
  repeat?: string;
  timeFrom?: string;
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: { properties: { id: string; value: unknown }[] }[] };
  options?: Record<string, unknown>;
}
interface Variable {
  name: string;
  type: string;
  datasource?: { type: string; uid: string };
  query?: unknown;
  hide?: number;
  skipUrlSync?: boolean;
}
interface Dashboard {
  uid: string;
  title: string;
  refresh?: string;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations?: { list: { datasource?: { type: string; uid: string }; target?: Target }[] };
  links?: unknown[];
}

const files = generate();
const dashboards: [string, Dashboard][] = [...files].map(([rel, text]) => [rel, JSON.parse(text) as Dashboard]);
const byUid = new Map(dashboards.map(([, d]) => [d.uid, d]));
const allPanels = (d: Dashboard): Panel[] => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/** Provisioned datasources: uid → type. */
const datasources = new Map<string, string>();
for (const f of readdirSync(join(root, 'provisioning', 'datasources')).filter((n) => /\.ya?ml$/.test(n))) {
  const doc = parse(readFileSync(join(root, 'provisioning', 'datasources', f), 'utf8')) as {
    datasources: { uid: string; type: string }[];
  };
  for (const d of doc.datasources) datasources.set(d.uid, d.type);
}

/** Values the variables take in the checks below (FI006 is a site of collector/config/demo.yaml). */
const SAMPLE: Record<string, string | string[]> = {
  site: 'FI006',
  allowed: ['FI006', 'EE001'],
  device: 'FI006ES1BK1BS1',
  node: ['FI006MT1', 'FI006ES1', 'FI006WT1'],
  metric: 'stateOfCharge',
  price: '80',
  target: '98',
};
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Variable names a text mentions (Grafana's syntaxes), built-ins (`__…`) left out. */
const mentioned = (text: string): string[] =>
  [...text.matchAll(VARIABLE)].map((m) => m[1] || m[2] || m[4]).filter((n) => !n.startsWith('__'));

/** Interpolates a string with the first sample value of every variable. */
const interpolate = (text: string): string =>
  text.replace(VARIABLE, (all, a, b, _f, c) => {
    const v = SAMPLE[a || b || c];
    return v === undefined ? all : Array.isArray(v) ? v[0] : v;
  });

/** Every string anywhere in a JSON value. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}

/** OpenBESS targets of a dashboard (panels, annotations), each with where it is. */
function bessTargets(d: Dashboard): { where: string; target: Target }[] {
  const out: { where: string; target: Target }[] = [];
  for (const p of allPanels(d))
    for (const t of p.targets ?? [])
      if (t.datasource?.type === 'openbess-telemetry-datasource')
        out.push({ where: `${d.uid} / ${p.title}`, target: t });
  for (const a of d.annotations?.list ?? [])
    if (a.target && a.datasource?.type === 'openbess-telemetry-datasource')
      out.push({ where: `${d.uid} / annotation`, target: a.target });
  return out;
}

describe('generated dashboards', () => {
  it('the committed JSON equals what provisioning/dashboards/src generates (run `npm run dashboards`)', () => {
    for (const [rel, text] of files) {
      const path = join(OUT_DIR, rel);
      expect({ file: rel, committed: existsSync(path) ? readFileSync(path, 'utf8') : null }).toEqual({
        file: rel,
        committed: text,
      });
    }
    expect(committed().sort()).toEqual([...files.keys()].sort());
  });

  it('has the dashboards of issues 3 and 4 and the three packs, uids unique, in the OpenBESS / ENKA / TMEIC folders', () => {
    expect(byUid.size).toBe(DASHBOARDS.length);
    expect([...byUid.keys()].sort()).toEqual(
      expect.arrayContaining([
        'openbess-site-overview',
        'openbess-device-detail',
        'openbess-commissioning',
        'openbess-faults',
        'openbess-enka-portfolio',
        'openbess-tmeic-pcs',
        'openbess-revenue-sla',
      ])
    );
    expect(new Set(dashboards.map(([rel]) => rel.split(/[\\/]/)[0]))).toEqual(new Set(['OpenBESS', 'ENKA', 'TMEIC']));
    const provider = parse(readFileSync(join(root, 'provisioning', 'dashboards', 'openbess.yaml'), 'utf8')) as {
      providers: { options: { path: string; foldersFromFilesStructure: boolean } }[];
    };
    expect(provider.providers[0].options).toMatchObject({
      path: '/etc/grafana/provisioning/dashboards/openbess',
      foldersFromFilesStructure: true,
    });
  });

  it('uses only provisioned datasources, with the provisioned type', () => {
    for (const [, d] of dashboards) {
      const refs: { where: string; ref?: { type: string; uid: string } }[] = [];
      for (const p of allPanels(d)) {
        if (p.type === 'row' || p.type === 'text') continue;
        refs.push({ where: `${d.uid} / ${p.title}`, ref: p.datasource });
        for (const t of p.targets ?? []) refs.push({ where: `${d.uid} / ${p.title} / ${t.refId}`, ref: t.datasource });
      }
      for (const v of d.templating.list)
        if (v.type === 'query') refs.push({ where: `${d.uid} / $${v.name}`, ref: v.datasource });
      for (const a of d.annotations?.list ?? []) refs.push({ where: `${d.uid} / annotation`, ref: a.datasource });
      for (const { where, ref } of refs) {
        expect({ where, type: ref && datasources.get(ref.uid) }).toEqual({ where, type: ref?.type });
      }
    }
  });

  it('sends only queries the API accepts: every OpenBESS target parses with the API’s query schema', () => {
    let n = 0;
    for (const [, d] of dashboards) {
      for (const { where, target } of bessTargets(d)) {
        expect({ where, queryType: target.queryType }).toEqual({ where, queryType: expect.any(String) });
        expect(QUERY_TYPES).toContain(target.queryType);
        // What the datasource sends: the target without its own fields, variables interpolated.
        const { datasource: _ds, live: _l, liveIntervalSec: _i, ...rest } = target;
        const sent = JSON.parse(interpolate(JSON.stringify(rest))) as unknown;
        const parsed = querySchema.safeParse(sent);
        expect({ where, error: parsed.success ? null : parsed.error.issues }).toEqual({ where, error: null });
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(25);
  });

  it('charts only metrics the register maps define for the devices they name (demo site FI006)', () => {
    const maps = loadRegisterMaps();
    const sites = loadSitesConfig(join(root, 'collector', 'config', 'demo.yaml'), maps);
    const fi006 = sites.find((s) => s.code === 'FI006')!;
    const metricsOf = new Map<string, Set<string>>();
    for (const dev of siteDevices(fi006)) {
      const set = new Set<string>();
      for (const src of dev.sources) for (const p of maps.get(src.map)!.points) set.add(p.metric);
      metricsOf.set(dev.id, set);
    }
    const siteMetrics = new Set([...metricsOf.values()].flatMap((s) => [...s]));
    let n = 0;
    for (const [, d] of dashboards) {
      for (const { where, target } of bessTargets(d)) {
        const t = JSON.parse(interpolate(JSON.stringify(target))) as Target & {
          series?: { device: string; metric: string }[];
          devices?: string[];
          metrics?: string[];
        };
        const pairs: [string, string][] = [];
        if (t.queryType === 'timeseries') for (const s of t.series ?? []) pairs.push([s.device, s.metric]);
        if (t.queryType === 'latest')
          for (const m of t.metrics ?? [])
            if (t.devices?.length) for (const dev of t.devices) pairs.push([dev, m]);
            else expect({ where, metric: m, onSite: siteMetrics.has(m) }).toEqual({ where, metric: m, onSite: true });
        for (const [dev, m] of pairs) {
          expect({ where, dev, m, defined: metricsOf.get(dev)?.has(m) ?? false }).toEqual({
            where,
            dev,
            m,
            defined: true,
          });
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(10);
  });

  it('refers only to variables it defines (built-ins excepted)', () => {
    for (const [, d] of dashboards) {
      const defined = new Set(d.templating.list.map((v) => v.name));
      const used = new Set(
        strings({ ...d, templating: { list: d.templating.list.map((v) => v.query) } }).flatMap(mentioned)
      );
      for (const name of used)
        expect({ dashboard: d.uid, variable: name, defined: defined.has(name) }).toEqual({
          dashboard: d.uid,
          variable: name,
          defined: true,
        });
    }
  });

  it('links only to dashboards that exist, with variables the target dashboard defines', () => {
    let n = 0;
    for (const [, d] of dashboards) {
      for (const s of strings(d)) {
        for (const m of s.matchAll(/\/d\/([\w-]+)(?:\/[\w-]+)?(\?[^"\s]*)?/g)) {
          const target = byUid.get(m[1]);
          expect({ from: d.uid, link: m[0], exists: Boolean(target) }).toEqual({
            from: d.uid,
            link: m[0],
            exists: true,
          });
          for (const [, v] of (m[2] ?? '').matchAll(/var-(\w+)=/g))
            expect({ link: m[0], variable: v, defined: target!.templating.list.some((x) => x.name === v) }).toEqual({
              link: m[0],
              variable: v,
              defined: true,
            });
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(5);
  });

  it('uses only panel types Grafana ships or this repository builds', () => {
    const ours = ['datasource-plugin', 'panel-3d-plugin', 'panel-bitfield-plugin', 'maintenance-app-plugin']
      .map((p) => join(root, p, 'src', 'plugin.json'))
      .filter((f) => existsSync(f))
      .map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { id: string }).id);
    const core = ['row', 'stat', 'table', 'timeseries', 'text', 'barchart', 'bargauge', 'gauge', 'state-timeline'];
    for (const [, d] of dashboards) for (const p of allPanels(d)) expect([...core, ...ours]).toContain(p.type);
  });

  it('lays panels out on the 24-column grid without overlaps, ids unique', () => {
    for (const [, d] of dashboards) {
      const panels = allPanels(d);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      for (const [i, a] of panels.entries()) {
        expect(a.gridPos.x + a.gridPos.w).toBeLessThanOrEqual(24);
        for (const b of panels.slice(i + 1)) {
          const overlap =
            a.gridPos.x < b.gridPos.x + b.gridPos.w &&
            b.gridPos.x < a.gridPos.x + a.gridPos.w &&
            a.gridPos.y < b.gridPos.y + b.gridPos.h &&
            b.gridPos.y < a.gridPos.y + a.gridPos.h;
          expect({ dashboard: d.uid, a: a.title, b: b.title, overlap }).toEqual({
            dashboard: d.uid,
            a: a.title,
            b: b.title,
            overlap: false,
          });
        }
      }
    }
  });
});

describe('Site Overview', () => {
  const d = byUid.get('openbess-site-overview')!;
  const panels = allPanels(d);
  const site = d.templating.list.find((v) => v.name === 'site')!;

  it('lists sites from the API’s access-filtered `variable` query, deep-linkable by var-site, refresh 5 s', () => {
    expect(site).toMatchObject({ type: 'query', datasource: { uid: 'openbess-api' }, query: { variable: 'sites' } });
    expect(site.skipUrlSync).toBe(false);
    expect(site.hide ?? 0).toBe(0);
    expect(d.refresh).toBe('5s');
  });

  it('has the stats P, Q, Hz, blocks, strings, SOC and availability, with their units', () => {
    const stats = panels.filter((p) => p.type === 'stat');
    const units = stats.map((p) => [p.title, p.fieldConfig?.defaults?.unit]);
    expect(units).toEqual(
      expect.arrayContaining([
        ['Active power P', 'kwatt'],
        ['Reactive power Q', 'kvoltampreact'],
        ['Frequency', 'hertz'],
        ['Blocks online', 'none'],
        ['Strings connected', 'none'],
        ['State of charge', 'percent'],
        ['Availability (time-based)', 'percent'],
      ])
    );
    const availability = stats.find((p) => p.title.startsWith('Availability'))!;
    expect(availability.targets![0].rawSql).toContain('mnt_device_status');
  });

  it('charts P and SOC on two axes', () => {
    const chart = panels.find((p) => p.type === 'timeseries')!;
    const series = chart.targets![0].series as { metric: string }[];
    expect(series.map((s) => s.metric)).toEqual(expect.arrayContaining(['activePower', 'stateOfCharge']));
    expect(chart.fieldConfig?.defaults?.custom).toMatchObject({ axisPlacement: 'left' });
    const right = chart.fieldConfig!.overrides!.find((o) =>
      o.properties.some((p) => p.id === 'custom.axisPlacement' && p.value === 'right')
    );
    expect(right?.properties).toEqual(expect.arrayContaining([{ id: 'unit', value: 'percent' }]));
  });

  it('has the block table (tree query) linking to Device detail, and the four scans coloured by status', () => {
    const blocks = panels.find((p) => p.title === 'Blocks')!;
    expect(blocks.targets![0]).toMatchObject({ queryType: 'tree', site: '$site' });
    expect(JSON.stringify(blocks.fieldConfig)).toContain('/d/openbess-device-detail/');
    const scans = panels.filter((p) => p.targets?.[0]?.queryType === 'scan').map((p) => p.targets![0].scan);
    expect(scans.sort()).toEqual(['blockStatus', 'missingBlocks', 'missingStrings', 'stringStatus']);
    for (const p of panels.filter((x) => x.targets?.[0]?.queryType === 'scan')) {
      const text = JSON.stringify(p.fieldConfig);
      expect(text).toMatch(/"ALARM":\{"color":"red"/);
      expect(text).toMatch(/"WARNING":\{"color":"orange"/);
      expect(text).toMatch(/"OK":\{"color":"green"/);
    }
  });
});

describe('Device detail, Commissioning, Faults & trips', () => {
  it('Device detail: site/device variables, telemetry, latest, register provenance, bitfield panel, events', () => {
    const d = byUid.get('openbess-device-detail')!;
    expect(d.templating.list.map((v) => v.name)).toEqual(expect.arrayContaining(['site', 'device']));
    const kinds = allPanels(d).map((p) => `${p.type}:${p.targets?.[0]?.queryType ?? ''}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'timeseries:timeseries',
        'table:latest',
        'table:catalog',
        'openbess-bitfield-panel:status',
        'table:events',
      ])
    );
    const bitfield = allPanels(d).find((p) => p.type === 'openbess-bitfield-panel')!;
    expect(bitfield.options).toMatchObject({ deviceVariable: 'device' });
  });

  it('Commissioning: one live stat per node device with unit and ms timestamp, a live 5-minute chart', () => {
    const d = byUid.get('openbess-commissioning')!;
    const stat = allPanels(d).find((p) => p.type === 'stat')!;
    expect(stat.repeat).toBe('node');
    expect(stat.targets![0]).toMatchObject({ queryType: 'latest', devices: ['$node'], live: true });
    expect(JSON.stringify(stat.fieldConfig)).toContain(MS_TIME_UNIT);
    expect(MS_TIME_UNIT).toMatch(/ss\.SSS$/);
    const chart = allPanels(d).find((p) => p.type === 'timeseries')!;
    expect(chart.timeFrom).toBe('5m');
    expect(chart.targets![0]).toMatchObject({ live: true });
    expect(chart.targets![0].series).toEqual(
      expect.arrayContaining([
        { device: '$node', metric: 'activePower' },
        { device: '${site}ES1', metric: 'activePowerSetValue' },
      ])
    );
    // The node variable keeps node devices (meter, BESS controller, wind, solar) only.
    const node = d.templating.list.find((v) => v.name === 'node') as Variable & { regex: string };
    const re = new RegExp(node.regex.slice(1, -1));
    expect(['FI006MT1', 'FI006ES1', 'FI006WT1', 'EE001PV1'].every((id) => re.test(id))).toBe(true);
    expect(['FI006ES1BK1', 'FI006ES1BK1BS2', 'FI006ES1BK1HV1'].some((id) => re.test(id))).toBe(false);
  });

  it('Faults & trips: timeline, MTTR by device and by bit, top offenders from the `faults` query', () => {
    const d = byUid.get('openbess-faults')!;
    const views = allPanels(d)
      .filter((p) => p.targets?.[0]?.queryType === 'faults')
      .map((p) => p.targets![0].view);
    expect(views.sort()).toEqual(['mttrByBit', 'mttrByDevice', 'timeline', 'topOffenders']);
  });
});
