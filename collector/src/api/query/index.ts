/**
 * The `POST /api/query` engine: Grafana-style request in, data frames out, with M4 downsampling, the
 * continuous-aggregate pyramid and server-side site access in every query type.
 */
export * from './router';
export * from './context';
export * from './frames';
export * from './resolution';
export * from './m4';
export * from './pyramid';
export * from './timeseries';
export * from './latest';
export * from './tree';
export * from './catalog';
export * from './variable';
export * from './status-model';
export * from './status';
export * from './scan';
export * from './events';
