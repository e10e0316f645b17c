import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml cannot run here (no Docker engine): this test parses it and checks that every
 * mount, command file, service reference and environment variable points at something that exists.
 */
const root = resolve(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      restart?: string;
      command?: string | string[];
      volumes?: string[];
      environment?: Record<string, string>;
      depends_on?: Record<string, unknown> | string[];
    }
  >;
  volumes?: Record<string, unknown>;
};

const services = Object.entries(compose.services);

describe('docker-compose.yml', () => {
  it('has the four services (and the one-shot dependency install), each from an official image', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['collector', 'deps', 'grafana', 'simulator', 'timescaledb']);
    expect(compose.services.deps.restart).toBe('no');
    for (const [, s] of services) expect(s.image).toMatch(/^(node|grafana\/grafana|timescale\/timescaledb):/);
  });

  it('runs the collector and the simulator with the node flags of their npm scripts (memory budget in one place)', () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    for (const name of ['collector', 'simulator']) {
      const npm = scripts[name].split(/\s+/);
      const cmd = compose.services[name].command as string[];
      const flags = (words: string[]) =>
        words.slice(
          1,
          words.findIndex((w) => w.endsWith(`cli/${name}.ts`))
        );
      expect({ name, flags: flags(cmd) }).toEqual({ name, flags: flags(npm) });
    }
    expect(scripts.collector).toMatch(/--max-old-space-size=\d+/);
  });

  it('mounts only paths that exist (plugin dist/ after the build) and declared named volumes', () => {
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const [src] = v.split(':');
        if (src.startsWith('./') || src.startsWith('../')) {
          expect({ service: name, path: src, exists: existsSync(join(root, src)) }).toEqual({
            service: name,
            path: src,
            exists: true,
          });
        } else {
          expect(Object.keys(compose.volumes ?? {})).toContain(src);
        }
      }
    }
  });

  it('passes each command-line script only options it defines', () => {
    for (const [name, s] of services) {
      const argv = Array.isArray(s.command) ? s.command : (s.command ?? '').split(/\s+/);
      const script = argv.find((a) => /\.ts$/.test(a));
      if (!script) continue;
      const text = readFileSync(join(root, script), 'utf8');
      for (const flag of argv.filter((a) => a.startsWith('--') && argv.indexOf(a) > argv.indexOf(script)))
        expect({ service: name, flag, defined: text.includes(`'${flag} `) || text.includes(`'${flag}'`) }).toEqual({
          service: name,
          flag,
          defined: true,
        });
    }
  });

  it('depends only on services it defines', () => {
    for (const [, s] of services) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) expect(Object.keys(compose.services)).toContain(d);
    }
  });

  it('runs commands whose script and config files exist', () => {
    for (const [, s] of services) {
      const cmd = Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '');
      for (const f of cmd.match(/[\w./-]+\.(ts|yaml|yml)\b/g) ?? []) expect(existsSync(join(root, f))).toBe(true);
    }
  });

  it('lets Grafana load exactly the plugins it mounts, unsigned, with the user header on', () => {
    const g = compose.services.grafana;
    const mounted = (g.volumes ?? [])
      .filter((v) => v.includes('/var/lib/grafana/plugins/'))
      .map((v) => {
        const [src, dst] = v.split(':');
        const id = dst.split('/').pop()!;
        const pluginJson = JSON.parse(readFileSync(join(root, src.replace(/dist$/, 'src'), 'plugin.json'), 'utf8'));
        expect(pluginJson.id).toBe(id);
        return id;
      });
    expect(g.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',').sort()).toEqual(mounted.sort());
    expect(g.environment?.GF_DATAPROXY_SEND_USER_HEADER).toBe('true');
  });

  it('gives Grafana every variable its provisioning files interpolate', () => {
    const env = compose.services.grafana.environment ?? {};
    // Datasources and apps: every $VAR / ${VAR}. Alerting: only our own names (its rules use $A, $__macros).
    const checks: [string, RegExp][] = [
      ['datasources', /\$\{?([A-Z][A-Z0-9_]*)\}?/g],
      ['plugins', /\$\{?([A-Z][A-Z0-9_]*)\}?/g],
      ['alerting', /\$\{?((?:OPENBESS|GF)_[A-Z0-9_]*)\}?/g],
    ];
    for (const [sub, re] of checks) {
      for (const f of yamlFiles(join(root, 'provisioning', sub))) {
        const text = readFileSync(f, 'utf8');
        for (const [, name] of text.matchAll(re))
          expect({ file: f, name, set: name in env }).toEqual({ file: f, name, set: true });
      }
    }
  });

  it('mounts all of provisioning (datasources, dashboards, plugins, alerting) where Grafana reads it', () => {
    const mounts = containerMounts('grafana');
    for (const sub of ['datasources', 'dashboards', 'plugins', 'alerting']) {
      expect(mounts.get(`/etc/grafana/provisioning/${sub}`)).toBe(`./provisioning/${sub}`);
    }
  });

  it('points every dashboard provider at a mounted folder holding the generated dashboards', () => {
    const mounts = containerMounts('grafana');
    for (const f of yamlFiles(join(root, 'provisioning', 'dashboards'))) {
      const doc = parse(readFileSync(f, 'utf8')) as { providers: { options: { path: string } }[] };
      for (const p of doc.providers) {
        const host = hostPath(mounts, p.options.path);
        expect({ provider: p.options.path, host }).toEqual({ provider: p.options.path, host: expect.any(String) });
        const jsons = readdirSync(host!, { recursive: true }).filter((n) => String(n).endsWith('.json'));
        expect(jsons.length).toBeGreaterThan(0);
      }
    }
  });

  it('gives each mounted plugin the jsonData / secureJsonData its plugin.json routes interpolate', () => {
    type Provisioned = { type: string; jsonData?: object; secureJsonData?: object };
    const provisioned = new Map<string, Provisioned>();
    for (const f of yamlFiles(join(root, 'provisioning', 'datasources'))) {
      for (const d of (parse(readFileSync(f, 'utf8')) as { datasources: Provisioned[] }).datasources)
        provisioned.set(d.type, d);
    }
    for (const f of yamlFiles(join(root, 'provisioning', 'plugins'))) {
      for (const a of (parse(readFileSync(f, 'utf8')) as { apps: Provisioned[] }).apps) provisioned.set(a.type, a);
    }
    for (const [dst, src] of containerMounts('grafana')) {
      if (!dst.startsWith('/var/lib/grafana/plugins/')) continue;
      const plugin = JSON.parse(readFileSync(join(root, src.replace(/dist$/, 'src'), 'plugin.json'), 'utf8')) as {
        id: string;
        type: string;
        routes?: unknown[];
      };
      const routes = JSON.stringify(plugin.routes ?? []);
      const needed = [...routes.matchAll(/\.(JsonData|SecureJsonData)\.(\w+)/g)];
      if (plugin.type === 'app' || needed.length)
        expect([plugin.id, provisioned.has(plugin.id)]).toEqual([plugin.id, true]);
      for (const [, kind, key] of needed) {
        const bag =
          (kind === 'JsonData' ? provisioned.get(plugin.id)?.jsonData : provisioned.get(plugin.id)?.secureJsonData) ??
          {};
        expect({ plugin: plugin.id, field: `${kind}.${key}`, set: key in bag }).toEqual({
          plugin: plugin.id,
          field: `${kind}.${key}`,
          set: true,
        });
      }
    }
  });

  it('wires the services to each other: database host and name, API URL, a volume for TimescaleDB', () => {
    const db = compose.services.timescaledb;
    expect(containerMounts('timescaledb').get('/var/lib/postgresql/data')).toMatch(/^[a-z][\w-]*$/); // named volume
    const dbName = db.environment?.POSTGRES_DB;
    const collectorUrl = new URL(compose.services.collector.environment!.DATABASE_URL.replace(/\$\{[^}]*\}/, 'x'));
    expect([collectorUrl.hostname, collectorUrl.port, collectorUrl.pathname]).toEqual([
      'timescaledb',
      '5432',
      `/${dbName}`,
    ]);
    const pgDs = yamlFiles(join(root, 'provisioning', 'datasources'))
      .flatMap((f) => (parse(readFileSync(f, 'utf8')) as { datasources: Record<string, unknown>[] }).datasources)
      .filter((d) => d.type === 'grafana-postgresql-datasource');
    expect(pgDs.length).toBeGreaterThan(0);
    for (const d of pgDs) {
      expect(d.url).toBe('timescaledb:5432');
      expect((d.jsonData as { database: string }).database).toBe(dbName);
    }
    const apiUrl = new URL(compose.services.grafana.environment!.OPENBESS_API_URL);
    expect([apiUrl.hostname, apiUrl.port]).toEqual([
      'collector',
      compose.services.collector.environment!.OPENBESS_API_PORT,
    ]);
  });

  it('sets only OPENBESS_* variables the collector reads, identity from the access file and Grafana', () => {
    const sources = sourceText(join(root, 'collector', 'src'));
    for (const name of ['collector', 'simulator']) {
      for (const k of Object.keys(compose.services[name].environment ?? {}).filter((x) => x.startsWith('OPENBESS_')))
        expect({ service: name, variable: k, read: sources.includes(k) }).toEqual({
          service: name,
          variable: k,
          read: true,
        });
    }
    const env = compose.services.collector.environment ?? {};
    expect(existsSync(join(root, env.OPENBESS_ACCESS_FILE.replace(/^\/app\//, '')))).toBe(true);
    expect(new URL(env.OPENBESS_GRAFANA_URL).hostname).toBe('grafana');
    expect(compose.services.grafana.environment?.GF_FEATURE_TOGGLES_ENABLE).toContain('idForwarding');
  });

  it('takes every secret from the environment, never a literal', () => {
    const secrets = /PASSWORD|TOKEN|SECRET/;
    for (const [name, s] of services) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (secrets.test(k))
          expect({ service: name, k, v }).toEqual({ service: name, k, v: expect.stringMatching(/^\$\{[A-Z_]+:\?/) });
        if (/DATABASE_URL/.test(k)) expect(v).toMatch(/:\$\{[A-Z_]+:\?[^}]*\}@/);
      }
    }
  });
});

/** All TypeScript source under `dir`, concatenated. */
function sourceText(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** YAML files directly in `dir` (none when the folder does not exist yet). */
function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
}

/** Container path → host path (or named volume) of a service's mounts. */
function containerMounts(service: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of compose.services[service].volumes ?? []) {
    const [src, dst] = v.split(':');
    m.set(dst, src);
  }
  return m;
}

/** Host path of a container path through the mounts (longest mount prefix), or undefined. */
function hostPath(mounts: Map<string, string>, containerPath: string): string | undefined {
  const hit = [...mounts.keys()]
    .filter((dst) => containerPath === dst || containerPath.startsWith(`${dst}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (!hit) return undefined;
  const host = join(root, mounts.get(hit)!, containerPath.slice(hit.length));
  return existsSync(host) ? host : undefined;
}
