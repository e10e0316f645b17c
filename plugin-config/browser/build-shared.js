#!/usr/bin/env node
/* global console, setTimeout, __filename */
/**
 * Builds the browser harness's "Grafana shared modules" bundle: the real react 18, react-dom, @grafana/data|ui|
 * runtime 12.4.x, rxjs, lodash, @emotion/*, moment, react-router 6, i18next, redux… (what Grafana hands to
 * plugins through SystemJS) plus the harness page code (shared-entry.tsx), with webpack.
 *
 * Cached in node_modules/.cache/openbess-harness/<key>/ (git-ignored); the key hashes the resolved package
 * versions and this folder's sources, so it is rebuilt only when one of them changes. Concurrent callers (parallel
 * jest workers) serialise on a lock directory; the bundle is written to a temporary folder and renamed into place.
 *
 * CLI: `node plugin-config/browser/build-shared.js` prints the bundle directory.
 * API: `sharedBundleInfo()` (key, dir, exists) and `ensureSharedBundle()` (builds when missing, returns dir).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');
const cacheRoot = path.join(repoRoot, 'node_modules', '.cache', 'openbess-harness');

/** Plugin workspaces (they carry the React 18 / @grafana 12 copies Grafana 12 runs with). */
function pluginDirs() {
  const { workspaces } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  return workspaces.map((w) => path.join(repoRoot, w)).filter((d) => fs.existsSync(path.join(d, 'package.json')));
}

function pkgDir(name, from) {
  try {
    return path.dirname(require.resolve(`${name}/package.json`, { paths: from }));
  } catch {
    return undefined;
  }
}

/** First directory of `name` (searched from each plugin, then the root) whose major version is `major`. */
function findPackage(name, major) {
  for (const dir of [...pluginDirs(), repoRoot]) {
    const d = pkgDir(name, [dir]);
    if (
      d &&
      (major === undefined ||
        JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')).version.split('.')[0] === String(major))
    ) {
      return d;
    }
  }
  throw new Error(
    `browser harness: package ${name}${major ? `@${major}` : ''} not found in any plugin workspace or the root`
  );
}

/** Resolved directories of the shared packages, pinned to one copy each. */
function resolveShared() {
  const reactRouterDom = findPackage('react-router-dom', 6);
  return {
    react: findPackage('react', 18),
    'react-dom': findPackage('react-dom', 18),
    '@grafana/data': findPackage('@grafana/data'),
    '@grafana/ui': findPackage('@grafana/ui'),
    '@grafana/runtime': findPackage('@grafana/runtime'),
    '@grafana/schema': findPackage('@grafana/schema'),
    'react-router-dom': reactRouterDom,
    'react-router': pkgDir('react-router', [reactRouterDom]) || findPackage('react-router', 6),
  };
}

function sourceFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      out.push(...sourceFiles(p));
    } else if (/\.(tsx?|js|html)$/.test(e.name)) {
      out.push(p);
    }
  }
  return out.sort();
}

/** Cache key and directory of the bundle for the current sources and installed packages. */
function sharedBundleInfo() {
  const aliases = resolveShared();
  const hash = crypto.createHash('sha256');
  for (const [name, dir] of Object.entries(aliases)) {
    hash.update(`${name}@${JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version}\n`);
  }
  for (const name of [
    'rxjs',
    'lodash',
    '@emotion/css',
    '@emotion/react',
    'moment',
    'i18next',
    'redux',
    'react-redux',
    'webpack',
  ]) {
    const d = pkgDir(name, [repoRoot]);
    hash.update(`${name}@${d ? JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')).version : '-'}\n`);
  }
  // Only what goes into the bundle (node-side files such as harness.ts and server.ts do not).
  const inputs = [
    __filename,
    path.join(__dirname, 'shared-entry.tsx'),
    path.join(__dirname, 'types.ts'),
    ...sourceFiles(path.join(__dirname, 'page')),
    ...sourceFiles(path.join(__dirname, 'runtime')),
  ];
  for (const f of inputs) {
    hash.update(fs.readFileSync(f));
  }
  const key = hash.digest('hex').slice(0, 16);
  const dir = path.join(cacheRoot, key);
  return { key, dir, exists: fs.existsSync(path.join(dir, 'shared.js')), aliases };
}

function webpackConfig(outDir, aliases) {
  const nodeModules = [...pluginDirs().map((d) => path.join(d, 'node_modules')), path.join(repoRoot, 'node_modules')];
  return {
    mode: 'production',
    context: __dirname,
    entry: { shared: path.join(__dirname, 'shared-entry.tsx') },
    devtool: false,
    target: 'web',
    output: {
      path: outDir,
      filename: '[name].js',
      chunkFilename: 'chunk-[name]-[contenthash:8].js',
      assetModuleFilename: 'assets/[hash][ext]',
      publicPath: '/harness/',
      uniqueName: 'openbess-harness',
    },
    resolve: {
      extensions: ['.tsx', '.ts', '.mjs', '.js', '.jsx', '.json'],
      // Hierarchical lookup first (nested copies such as slate-react/node_modules/…), then the plugin workspaces'
      // node_modules (where @grafana/* 12 and react 18 live), then the root.
      modules: ['node_modules', ...nodeModules],
      // Aliases pin ONE copy of each shared package: react* by prefix (react/jsx-runtime, react-dom/client are
      // plain files there), @grafana/* by exact name (their sub-paths go through package exports via `modules`).
      alias: Object.fromEntries(
        Object.entries(aliases).map(([name, dir]) => [name.startsWith('@grafana/') ? `${name}$` : name, dir])
      ),
      fallback: { fs: false, path: false, os: false, crypto: false, stream: false, buffer: false },
    },
    resolveLoader: { modules: [path.join(repoRoot, 'node_modules')] },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
      ],
    },
    optimization: { minimize: false },
    performance: { hints: false },
    stats: 'errors-warnings',
    infrastructureLogging: { level: 'error' },
  };
}

function build(outDir, aliases) {
  const webpack = require('webpack');
  return new Promise((resolve, reject) => {
    webpack(webpackConfig(outDir, aliases), (err, stats) => {
      if (err) {
        reject(err);
        return;
      }
      if (stats.hasErrors()) {
        reject(new Error(`browser harness: shared bundle build failed:\n${stats.toString('errors-only')}`));
        return;
      }
      resolve();
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Builds the bundle unless cached; returns its directory. Safe to call from parallel processes. */
async function ensureSharedBundle({ log = () => {} } = {}) {
  const info = sharedBundleInfo();
  if (info.exists) {
    return info.dir;
  }
  fs.mkdirSync(cacheRoot, { recursive: true });
  const lock = `${info.dir}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') {
        throw e;
      }
      if (fs.existsSync(path.join(info.dir, 'shared.js'))) {
        return info.dir;
      }
      const age = Date.now() - fs.statSync(lock).mtimeMs;
      if (age > 10 * 60_000) {
        fs.rmSync(lock, { recursive: true, force: true });
      }
      await sleep(500);
    }
  }
  try {
    if (fs.existsSync(path.join(info.dir, 'shared.js'))) {
      return info.dir;
    }
    const tmp = `${info.dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    log(`browser harness: building Grafana shared modules bundle (${info.key})…`);
    await build(tmp, info.aliases);
    fs.rmSync(info.dir, { recursive: true, force: true });
    fs.renameSync(tmp, info.dir);
    // Older bundles are of no further use.
    for (const e of fs.readdirSync(cacheRoot)) {
      if (e !== info.key && !e.endsWith('.lock') && !e.includes('.tmp-')) {
        fs.rmSync(path.join(cacheRoot, e), { recursive: true, force: true });
      }
    }
    return info.dir;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

module.exports = { ensureSharedBundle, sharedBundleInfo, resolveShared };

if (require.main === module) {
  ensureSharedBundle({ log: (m) => console.error(m) }).then(
    (dir) => console.log(dir),
    (err) => {
      console.error(err.message || err);
      process.exit(1);
    }
  );
}
