/**
 * The maintenance app's contract (issue 6): workflow, role × action permissions, records, request schemas and
 * REST endpoints, shared by the API (collector) and the app plugin.
 */
export * from './workflow';
export * from './permissions';
export * from './types';
export * from './requests';
export * from './api';
