/**
 * @jest-environment node
 *
 * Every plugin workspace's plugin.json against Grafana's plugin.json schema
 * (../shared/reference/grafana/plugin.schema.json, draft-07, validated with ajv + ajv-formats), plus the
 * create-plugin layout and the checks Grafana's plugin validator makes that are cheap to make offline
 * (grafana/plugin-validator analyzers: logos, metadatapaths, readme, changelog, license, packagejson version,
 * jsMap, grafanadependency, typesuffix).
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
// ../shared/reference beside the checkout when present, else the vendored copy (reference/README.md).
const schemaFile = [
  path.resolve(repoRoot, '../shared/reference/grafana/plugin.schema.json'),
  path.resolve(repoRoot, 'reference/grafana/plugin.schema.json'),
].find((f) => fs.existsSync(f))!;
const ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;

const workspaces: string[] = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).workspaces;
const plugins = workspaces.filter((w) => fs.existsSync(path.join(repoRoot, w, 'src', 'plugin.json')));

function pluginJsons(srcDir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(srcDir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory() && e.name !== 'node_modules') {
      return pluginJsons(srcDir, p);
    }
    return e.name === 'plugin.json' ? [p] : [];
  });
}

const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
delete schema.$schema; // draft-07 is ajv's default dialect; its meta-schema id lacks the trailing '#'
// unicodeRegExp off: the schema's id pattern escapes '-' (fine in JS regexps, invalid with the u flag).
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

test('at least the datasource plugin is present', () => {
  expect(plugins).toContain('datasource-plugin');
});

test('the schema validator rejects what Grafana rejects (no id, unknown key, bad id, no logos)', () => {
  const good = JSON.parse(fs.readFileSync(path.join(repoRoot, 'datasource-plugin', 'src', 'plugin.json'), 'utf8'));
  expect(validate(good)).toBe(true);
  const { id: _id, ...noId } = good;
  expect(validate(noId)).toBe(false);
  expect(validate({ ...good, colour: 'blue' })).toBe(false);
  expect(validate({ ...good, id: 'OpenBESS_Telemetry' })).toBe(false);
  expect(validate({ ...good, info: { ...good.info, logos: {} } })).toBe(false);
});

describe.each(plugins)('%s', (folder) => {
  const dir = path.join(repoRoot, folder);
  const src = path.join(dir, 'src');
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const json = JSON.parse(fs.readFileSync(path.join(src, 'plugin.json'), 'utf8'));

  test.each(pluginJsons(src))('%s is valid against plugin.schema.json', (rel) => {
    const doc = JSON.parse(fs.readFileSync(path.join(src, rel), 'utf8'));
    const ok = validate(doc);
    expect(
      ok ? [] : validate.errors!.map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`)
    ).toEqual([]);
  });

  test('id follows the naming convention, ends with its type, equals the package name', () => {
    expect(json.id).toMatch(ID_PATTERN);
    expect(json.id.endsWith(`-${json.type}`)).toBe(true);
    expect(pkg.name).toBe(json.id);
  });

  test('grafanaDependency is ">=12.3.0" (react/jsx-runtime externalised) and version placeholders are used', () => {
    expect(json.dependencies.grafanaDependency).toBe('>=12.3.0');
    expect(json.info.version).toBe('%VERSION%');
    expect(json.info.updated).toBe('%TODAY%');
  });

  test('create-plugin layout: module, logos, README, CHANGELOG, Apache-2.0 LICENSE, tsconfig extending plugin-config', () => {
    expect(['module.ts', 'module.tsx'].some((f) => fs.existsSync(path.join(src, f)))).toBe(true);
    expect(fs.existsSync(path.join(src, 'img', 'logo.svg'))).toBe(true);
    for (const logo of [json.info.logos.small, json.info.logos.large]) {
      expect(logo).toMatch(/\.svg$/);
      expect(fs.existsSync(path.join(src, logo))).toBe(true);
    }
    for (const s of json.info.screenshots ?? []) {
      expect(fs.existsSync(path.join(src, s.path))).toBe(true);
    }
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme.length).toBeGreaterThan(200);
    expect(readme).not.toMatch(/This template is a starting point/);
    expect(fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8')).toMatch(/^#/);
    expect(fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')).extends).toBe(
      '../plugin-config/tsconfig.json'
    );
    expect(pkg.scripts.build).toBe('webpack -c ../plugin-config/webpack.config.ts --env production');
  });

  test('the build (dist/) carries module.js, its source map and plugin.json with the package version', () => {
    const dist = path.join(dir, 'dist');
    expect(fs.existsSync(path.join(dist, 'module.js'))).toBe(true);
    expect(fs.existsSync(path.join(dist, 'module.js.map'))).toBe(true);
    const built = JSON.parse(fs.readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
    expect(built.info.version).toBe(pkg.version);
    expect(built.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(built.buildMode).toBe('production');
    expect(validate(built)).toBe(true);
    for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE', json.info.logos.small]) {
      expect(fs.existsSync(path.join(dist, f))).toBe(true);
    }
    // AMD module with Grafana's shared modules external: React and @grafana/* must not be bundled.
    const moduleJs = fs.readFileSync(path.join(dist, 'module.js'), 'utf8');
    expect(moduleJs.replace(/^(\/\*[\s\S]*?\*\/\s*)*/, '').startsWith('define(')).toBe(true);
    expect(moduleJs).not.toMatch(/react-dom\.production|__SECRET_INTERNALS_DO_NOT_USE/);
  });
});
