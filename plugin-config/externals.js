/**
 * The modules Grafana (>= 12.3) shares with plugins at runtime, i.e. what a plugin bundle must NOT contain.
 *
 * Source: grafana/plugin-tools packages/create-plugin/templates/common/.config/bundler/externals.ts
 * (react/jsx-runtime externalised since create-plugin PR #2448, which is why plugins need
 * grafanaDependency >= 12.3.0) and grafana public/app/features/plugins/loader/sharedDependencies.ts
 * (rxjs/operators is shared there too). The browser harness registers the same names in SystemJS.
 */
const GRAFANA_SHARED_MODULES = [
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'rxjs/operators',
  'i18next',
  'react-router',
  'd3',
  'angular',
];

/** `@grafana/data`, `@grafana/ui`, `@grafana/runtime` and their sub-paths (e.g. `/unstable`). */
const GRAFANA_SHARED_PATTERNS = [/^@grafana\/ui/i, /^@grafana\/runtime/i, /^@grafana\/data/i];

/**
 * webpack `externals` value: the shared modules, `amd-module` → AMD's special `module` dependency (used to set
 * the public path from the URL SystemJS loaded module.js from), and the legacy `grafana/` prefix stripper.
 */
function grafanaExternals() {
  return [
    { 'amd-module': 'module' },
    ...GRAFANA_SHARED_MODULES,
    ...GRAFANA_SHARED_PATTERNS,
    ({ request }, callback) => {
      const prefix = 'grafana/';
      if (request && request.startsWith(prefix)) {
        return callback(undefined, request.slice(prefix.length));
      }
      callback();
    },
  ];
}

module.exports = { GRAFANA_SHARED_MODULES, GRAFANA_SHARED_PATTERNS, grafanaExternals };
