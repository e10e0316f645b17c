/**
 * One `npm test` for the whole repository: node projects (model, collector) with ts-jest, and the
 * four Grafana plugins with the shared plugin preset in plugin-config/.
 */
const fs = require('node:fs');
const path = require('node:path');

const nodeProject = (name) => ({
  displayName: name,
  rootDir: path.join(__dirname, name),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{src,test}/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, name, 'tsconfig.json'), isolatedModules: true }],
  },
  moduleNameMapper: { '^@openbess/model$': path.join(__dirname, 'model/src/index.ts') },
});

const plugins = ['datasource-plugin', 'panel-3d-plugin', 'panel-bitfield-plugin', 'maintenance-app-plugin'].filter(
  (p) => fs.existsSync(path.join(__dirname, p, 'src', 'plugin.json'))
);

module.exports = {
  testTimeout: 30000,
  projects: [
    nodeProject('model'),
    nodeProject('collector'),
    nodeProject('provisioning'),
    ...plugins.map((p) => require('./plugin-config/jest.config.js')(path.join(__dirname, p))),
    // The plugin platform's own tests (plugin.json schema + layout checks of every plugin, harness).
    require('./plugin-config/jest.config.js')(path.join(__dirname, 'plugin-config')),
  ],
};
