/**
 * Shared jest project preset for the OpenBESS Grafana plugins (create-plugin's .config/jest.config.js equivalent).
 *
 * `require('./plugin-config/jest.config.js')(rootDir)` returns one jest *project* config for the plugin in
 * `rootDir`; the root jest.config.js calls it for every plugin folder that has src/plugin.json. Optional
 * `overrides` are shallow-merged (moduleNameMapper merged key by key).
 *
 * - displayName = the folder name (e.g. `datasource-plugin`), so `npx jest --selectProjects datasource-plugin`
 *   selects it.
 * - tests: `src/**\/*.{test,spec}.{ts,tsx,js,jsx}`, `src/**\/__tests__/**` and `test/**\/*.test.{ts,tsx}`;
 *   jsdom by default, a file can switch with a `@jest-environment node` docblock (browser harness tests).
 * - React: every plugin ships its own React 18 (Grafana 12.x) while the repository root hoists React 19 (from
 *   devDependencies); `react`, `react-dom` and `scheduler` are pinned to the copy the plugin resolves so
 *   @grafana/ui, @testing-library/react and the plugin share ONE React instance.
 */
const fs = require('node:fs');
const path = require('node:path');

/** ESM-only packages (or ESM builds selected by jsdom's `browser` condition) that must go through swc. */
const ESM_PACKAGES = [
  '.pnpm',
  '@grafana/schema',
  '@grafana/i18n',
  '@grafana/e2e-selectors',
  'd3',
  'd3-[a-z-]+',
  'internmap',
  'delaunator',
  'robust-predicates',
  'marked',
  'ol',
  'react-calendar',
  'react-colorful',
  'rxjs',
  'uuid',
  'ansicolor',
  'nanoid',
  'three',
  'yaml',
  // react-calendar (imported by @grafana/ui's time picker, hence by @grafana/runtime) depends on these ESM-only ones
  'get-user-locale',
  'memoize',
  'mimic-function',
  '@wojtekmaj/date-utils',
];

/** Directory of `pkg` as resolved from `rootDir` (the plugin's own copy first, then the hoisted one). */
function packageDir(pkg, rootDir) {
  return path.dirname(require.resolve(`${pkg}/package.json`, { paths: [rootDir, __dirname] }));
}

/** moduleNameMapper entries pinning one React instance (the one the plugin itself resolves). */
function reactPins(rootDir) {
  const pins = {};
  for (const pkg of ['react', 'react-dom', 'scheduler']) {
    let dir;
    try {
      dir = packageDir(pkg, rootDir);
    } catch {
      continue;
    }
    const escaped = pkg.replace('-', '\\-');
    pins[`^${escaped}$`] = dir;
    pins[`^${escaped}/(.*)$`] = `${dir}/$1`;
  }
  return pins;
}

const swcTransform = [
  '@swc/jest',
  {
    sourceMaps: 'inline',
    jsc: {
      target: 'es2021',
      parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
      transform: { react: { runtime: 'automatic' } },
    },
  },
];

/**
 * @param {string} rootDir absolute path of the plugin folder (or of plugin-config itself for platform tests)
 * @param {object} [overrides] extra jest project options
 * @returns {import('jest').Config} a jest project config
 */
module.exports = function pluginJestProject(rootDir, overrides = {}) {
  const repoRoot = path.resolve(__dirname, '..');
  const name = path.basename(rootDir);
  const mapper = {
    '\\.(css|scss|sass)$': 'identity-obj-proxy',
    '^@openbess/model$': path.join(repoRoot, 'model/src/index.ts'),
    '^@openbess/model/(.*)$': path.join(repoRoot, 'model/$1'),
    ...reactPins(rootDir),
    ...(overrides.moduleNameMapper || {}),
  };
  const srcDir = path.join(rootDir, 'src');
  return {
    displayName: name,
    rootDir,
    testEnvironment: 'jsdom',
    testMatch: [
      '<rootDir>/src/**/__tests__/**/*.{js,jsx,ts,tsx}',
      '<rootDir>/src/**/*.{spec,test,jest}.{js,jsx,ts,tsx}',
      '<rootDir>/test/**/*.test.{ts,tsx}',
    ],
    modulePaths: fs.existsSync(srcDir) ? ['<rootDir>/src'] : [],
    moduleFileExtensions: ['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'json'],
    setupFilesAfterEnv: [path.join(__dirname, 'jest-setup.js')],
    transform: { '^.+\\.(t|j)sx?$': swcTransform, '^.+\\.mjs$': swcTransform },
    transformIgnorePatterns: [`node_modules/(?!.*(${ESM_PACKAGES.join('|')})/.*)`],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    ...overrides,
    moduleNameMapper: mapper,
  };
};

module.exports.ESM_PACKAGES = ESM_PACKAGES;
