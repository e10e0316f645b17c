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
  it('has the four services, each from an official image', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['collector', 'grafana', 'simulator', 'timescaledb']);
    for (const [, s] of services) expect(s.image).toMatch(/^(node|grafana\/grafana|timescale\/timescaledb):/);
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
    const dir = join(root, 'provisioning', 'datasources');
    const env = compose.services.grafana.environment ?? {};
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const [, name] of text.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g)) expect(Object.keys(env)).toContain(name);
    }
  });
});
