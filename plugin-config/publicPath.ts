/**
 * Prepended to every plugin entry by webpack.config.ts (create-plugin's virtual `publicPath` module): when
 * SystemJS loads `module.js`, the AMD `module` dependency carries the URL it came from, so lazily loaded
 * chunks and assets are fetched next to it (also from a CDN), not from the build-time `public/plugins/<id>/`.
 */
import amdMetaModule from 'amd-module';

declare let __webpack_public_path__: string;

if (amdMetaModule && amdMetaModule.uri) {
  __webpack_public_path__ = amdMetaModule.uri.slice(0, amdMetaModule.uri.lastIndexOf('/') + 1);
}
