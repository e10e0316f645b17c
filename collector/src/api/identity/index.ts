/**
 * Who is the user and what may they see: Grafana identity (verified `X-Grafana-Id` ID token or a
 * trusted `X-Grafana-User`), roles from the operator's provisioning file, and the per-request
 * {@link Access} every route enforces server-side.
 */
export * from './roles';
export * from './grafanaId';
export * from './access';
