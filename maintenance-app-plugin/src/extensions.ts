/**
 * "Create work order" on a firing Grafana alert (issue 6 §7): an added link at Grafana's alert-instance action
 * extension point that opens the app's prefilled REQUEST form (`work-orders/from-alarm`) with the alert's labels:
 * `site` (required — without it the link is hidden), `device`, `alertname` (the alarm) and `severity`, plus the
 * instance's start time and summary. OpenBESS alert rules carry these labels (provisioning/alerting).
 */
import { PluginExtensionPoints, type PluginExtensionAddedLinkConfig } from '@grafana/data';
import { appUrl, ROUTES } from './constants';

/** The parts of an alert instance the link reads (Grafana passes `{ instance }`; `labels` at the top is accepted). */
export interface AlertInstanceContext {
  instance?: { labels?: Record<string, string>; annotations?: Record<string, string>; activeAt?: string };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Site codes as the API accepts them (two capital letters, three digits). */
const SITE = /^[A-Z]{2}\d{3}$/;

/** App path of the prefilled REQUEST for an alert instance, or undefined when it names no valid site. */
export function alarmRequestPath(context: AlertInstanceContext | undefined): string | undefined {
  const labels = context?.instance?.labels ?? context?.labels ?? {};
  const annotations = context?.instance?.annotations ?? context?.annotations ?? {};
  const site = labels.site ?? labels.site_code;
  if (!site || !SITE.test(site)) {
    return undefined;
  }
  const params = new URLSearchParams({ site, alarm: labels.alertname ?? labels.alarm ?? 'alert' });
  const device = labels.device ?? labels.device_id;
  if (device) {
    params.set('device', device);
  }
  if (labels.severity) {
    params.set('severity', labels.severity);
  }
  const activeAt = context?.instance?.activeAt;
  if (activeAt && !Number.isNaN(Date.parse(activeAt)) && !activeAt.startsWith('0001')) {
    params.set('time', new Date(activeAt).toISOString());
  }
  const message = annotations.summary ?? annotations.description;
  if (message) {
    params.set('message', message.slice(0, 2000));
  }
  return `${appUrl(ROUTES.fromAlarm)}?${params.toString()}`;
}

/** The added link (declared in plugin.json `extensions.addedLinks`, as Grafana 12 requires). */
export const alarmWorkOrderLink: PluginExtensionAddedLinkConfig<AlertInstanceContext> = {
  targets: [PluginExtensionPoints.AlertInstanceAction],
  title: 'Create work order',
  description: 'File a maintenance request for this alarm, prefilled with site, device and alarm',
  icon: 'clipboard-alt',
  path: appUrl(ROUTES.fromAlarm),
  configure: (context) => {
    const path = alarmRequestPath(context as AlertInstanceContext | undefined);
    return path ? { path } : undefined;
  },
};
