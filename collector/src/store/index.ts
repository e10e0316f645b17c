/** The store: pool, migrations, registry and writer (schema documented in ./README.md). */
export * from './pool';
export * from './migrate';
export * from './schema';
export * from './timescale';
export * from './registry';
export * from './writer';
export type { ResolvedRows } from './rows';
export * from './latest-values';
