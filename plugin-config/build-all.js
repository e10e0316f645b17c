#!/usr/bin/env node
/* global console */
/**
 * `npm run build:plugins`: builds every plugin workspace that has src/plugin.json, one after the other (the machine
 * has 2 cores), with its own `npm run build` (webpack + plugin-config/webpack.config.ts, production). Then builds the
 * browser harness's Grafana shared-modules bundle (cached; rebuilt only when its inputs change) so that test
 * files do not race to build it. Exits non-zero on the first failing build, naming the plugin.
 *
 * Usage: node plugin-config/build-all.js [workspace-folder ...]   (default: all plugin workspaces)
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..');

/** Plugin workspace folders (from the root package.json) that contain src/plugin.json. */
function pluginWorkspaces() {
  const { workspaces } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  return workspaces.filter((ws) => fs.existsSync(path.join(repoRoot, ws, 'src', 'plugin.json')));
}

function main() {
  const wanted = process.argv.slice(2);
  const folders = wanted.length ? wanted : pluginWorkspaces();
  for (const folder of folders) {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, folder, 'package.json'), 'utf8'));
    console.log(`\n=== build ${pkg.name} (${folder})`);
    const res = spawnSync('npm', ['run', 'build', '-w', folder], { cwd: repoRoot, stdio: 'inherit' });
    if (res.status !== 0) {
      console.error(`build:plugins: ${pkg.name} (${folder}) failed with exit code ${res.status}`);
      process.exit(res.status || 1);
    }
  }
  if (!process.env.OPENBESS_SKIP_HARNESS && folders.length) {
    console.log('\n=== browser harness: Grafana shared modules bundle');
    const res = spawnSync(process.execPath, [path.join(__dirname, 'browser', 'build-shared.js')], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    if (res.status !== 0) {
      console.error('build:plugins: browser harness shared bundle failed');
      process.exit(res.status || 1);
    }
  }
}

main();
