/**
 * One webpack config for every OpenBESS Grafana plugin: the equivalent of create-plugin's
 * `.config/webpack/webpack.config.ts` (grafana/plugin-tools, packages/create-plugin/templates/common/.config).
 *
 * Run from a plugin folder: `webpack -c ../plugin-config/webpack.config.ts --env production` (each plugin's
 * `npm run build`). The plugin folder is `process.cwd()`; it holds `package.json` (version) and `src/plugin.json`
 * (id). Output in `<plugin>/dist`: `module.js` (AMD, loaded by Grafana through SystemJS), `module.js.map`,
 * `plugin.json` (with `%VERSION%`, `%TODAY%`, `%PLUGIN_ID%` replaced and `buildMode` set), `img/`, README.md,
 * CHANGELOG.md, LICENSE, and nested `<dir>/module.js` + `<dir>/plugin.json` for nested plugins.
 *
 * Extend it from a plugin with webpack-merge: `merge(await config(env), { ... })`.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import fs from 'node:fs';
import path from 'node:path';
import type { Configuration } from 'webpack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { grafanaExternals } = require('./externals.js') as { grafanaExternals: () => Configuration['externals'] };

/** `--env` flags webpack-cli passes in (`--env production` / `--env development`). */
export interface BuildEnv {
  production?: boolean;
  development?: boolean;
  [key: string]: unknown;
}

const SOURCE_DIR = 'src';
const DIST_DIR = 'dist';

/** Reads `src/plugin.json` of the plugin in `pluginDir`; throws naming the file when it is missing or has no id. */
export function readPluginJson(pluginDir: string): { id: string; type: string; [key: string]: unknown } {
  const file = path.join(pluginDir, SOURCE_DIR, 'plugin.json');
  if (!fs.existsSync(file)) {
    throw new Error(`plugin-config: ${file} not found — run webpack from a plugin folder (create-plugin layout)`);
  }
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof json.id !== 'string' || json.id === '') {
    throw new Error(`plugin-config: ${file} has no "id"`);
  }
  return json;
}

/** `package.json` version of the plugin (what `%VERSION%` becomes). */
export function readPackageVersion(pluginDir: string): string {
  return JSON.parse(fs.readFileSync(path.join(pluginDir, 'package.json'), 'utf8')).version;
}

/** Every `src/**\/plugin.json` (node_modules excluded), relative to src, root first. */
export function findPluginJsons(srcDir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(srcDir, rel), { withFileTypes: true })) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('__')) {
      out.push(...findPluginJsons(srcDir, relPath));
    } else if (entry.name === 'plugin.json') {
      out.push(relPath);
    }
  }
  return out.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/**
 * Entries like create-plugin's getEntries(): each plugin.json with a sibling module.{ts,tsx,js,jsx} becomes
 * `<dir>/module` (root: `module`). The public-path setter runs first; the module's exports are the library's.
 */
export function getEntries(pluginDir: string): Record<string, string[]> {
  const srcDir = path.join(pluginDir, SOURCE_DIR);
  const entries: Record<string, string[]> = {};
  for (const pj of findPluginJsons(srcDir)) {
    const dir = path.posix.dirname(pj);
    const moduleFile = ['module.ts', 'module.tsx', 'module.js', 'module.jsx']
      .map((f) => path.join(srcDir, dir, f))
      .find((f) => fs.existsSync(f));
    if (moduleFile) {
      entries[dir === '.' ? 'module' : `${dir}/module`] = [path.join(__dirname, 'publicPath.ts'), moduleFile];
    }
  }
  if (!entries.module) {
    throw new Error(`plugin-config: ${srcDir} has no module.ts(x) next to plugin.json`);
  }
  return entries;
}

/** Replaces create-plugin's build-time placeholders in plugin.json / README.md text. */
export function replacePlaceholders(text: string, vars: { version: string; today: string; id: string }): string {
  return text
    .replace(/%VERSION%/g, vars.version)
    .replace(/%TODAY%/g, vars.today)
    .replace(/%PLUGIN_ID%/g, vars.id);
}

const config = async (env: BuildEnv = {}): Promise<Configuration> => {
  const pluginDir = process.cwd();
  const production = Boolean(env.production);
  const { id } = readPluginJson(pluginDir);
  const vars = { version: readPackageVersion(pluginDir), today: new Date().toISOString().slice(0, 10), id };
  const srcDir = path.join(pluginDir, SOURCE_DIR);
  const repoRoot = path.resolve(__dirname, '..');

  const withPlaceholders = (content: Buffer) => replacePlaceholders(content.toString('utf8'), vars);
  const pluginJsonTransform = (content: Buffer) => {
    const json = JSON.parse(withPlaceholders(content));
    json.buildMode = production ? 'production' : 'development';
    return JSON.stringify(json, null, 2) + '\n';
  };

  return {
    mode: production ? 'production' : 'development',
    context: srcDir,
    devtool: production ? 'source-map' : 'eval-source-map',
    entry: getEntries(pluginDir),
    externals: grafanaExternals(),
    cache: {
      type: 'filesystem',
      cacheDirectory: path.join(repoRoot, 'node_modules', '.cache', 'webpack', id),
      buildDependencies: { config: [__filename, path.join(__dirname, 'externals.js')] },
    },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                baseUrl: srcDir,
                target: 'es2015',
                loose: false,
                parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        {
          test: /\.(png|jpe?g|gif|svg)$/,
          type: 'asset/resource',
          generator: { filename: 'img/[hash][ext]', publicPath: `public/plugins/${id}/` },
        },
        {
          test: /\.(woff|woff2|eot|ttf|otf)(\?v=\d+\.\d+\.\d+)?$/,
          type: 'asset/resource',
          generator: { filename: 'fonts/[hash][ext]', publicPath: `public/plugins/${id}/` },
        },
      ],
    },
    output: {
      clean: { keep: /gpx_/ },
      filename: '[name].js',
      chunkFilename: production ? '[name].js?_cache=[contenthash]' : '[name].js',
      library: { type: 'amd' },
      path: path.join(pluginDir, DIST_DIR),
      publicPath: `public/plugins/${id}/`,
      uniqueName: id,
      crossOriginLoading: 'anonymous',
    },
    optimization: { minimize: production },
    performance: { hints: false },
    resolve: {
      extensions: ['.js', '.jsx', '.ts', '.tsx'],
      modules: [srcDir, 'node_modules'],
      unsafeCache: true,
    },
    watchOptions: { ignored: ['**/node_modules', '**/dist', '**/.git'] },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: '../README.md', to: '.', force: true, transform: withPlaceholders },
          { from: '../CHANGELOG.md', to: '.', force: true },
          { from: '../LICENSE', to: '.' },
          { from: '**/plugin.json', to: '.', transform: pluginJsonTransform },
          { from: '**/img/**/*', to: '.', noErrorOnMissing: true },
          { from: '**/dashboards/**/*.json', to: '.', noErrorOnMissing: true },
          { from: '**/static/**/*', to: '.', noErrorOnMissing: true },
          { from: '**/query_help.md', to: '.', noErrorOnMissing: true },
        ],
      }),
    ],
  };
};

export default config;
