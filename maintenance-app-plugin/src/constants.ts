/** Plugin id (plugin.json `id`, package name). */
export const PLUGIN_ID = 'openbess-maintenance-app';

/** Where Grafana mounts the app: `/a/<id>`. */
export const APP_BASE = `/a/${PLUGIN_ID}`;

/**
 * Base URL of the maintenance API through Grafana's app plugin proxy: the plugin.json route `maintenance` forwards
 * `/api/plugin-proxy/<id>/maintenance/…` to `<jsonData.apiUrl>/api/maintenance/…` and adds the bearer token
 * (secureJsonData.apiToken) on the Grafana server; browsers never see the token.
 */
export const API_BASE = `/api/plugin-proxy/${PLUGIN_ID}/maintenance`;

/** App pages (paths under {@link APP_BASE}). */
export const ROUTES = {
  workOrders: 'work-orders',
  newWorkOrder: 'work-orders/new',
  /** Prefilled REQUEST from an alarm: `?site=&device=&alarm=&title=` (linked from the Faults & trips dashboard). */
  fromAlarm: 'work-orders/from-alarm',
  devices: 'devices',
  team: 'team',
  notifications: 'notifications',
} as const;

/** How often the unread-notification badge is refreshed, in ms (issue 6 §5: every 60 s). */
export const NOTIFICATION_POLL_MS = 60_000;

/** Absolute app URL of a page, e.g. `appUrl('work-orders/12')` → `/a/openbess-maintenance-app/work-orders/12`. */
export function appUrl(page: string): string {
  return `${APP_BASE}/${page.replace(/^\//, '')}`;
}
