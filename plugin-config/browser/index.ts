/** Public API of the browser harness (see plugin-config/README.md). */
export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium, loadPluginInBrowser } from './harness';
export type { LoadPluginOptions, PluginPage } from './harness';
export { SimpleBackendSrv } from './runtime/backendSrv';
export { formatVariableValue, SimpleTemplateSrv } from './runtime/templateSrv';
export type { SimpleVariable, SimpleVariableModel } from './runtime/templateSrv';
export { interpolateRoute, startHarnessServer } from './server';
export type { FrameInput, HarnessState, MountConfig, RenderTarget } from './types';
