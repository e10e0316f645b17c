import { AppPlugin } from '@grafana/data';
import { App } from './components/App';
import { AppConfig } from './config/AppConfig';
import { alarmWorkOrderLink } from './extensions';
import type { AppJsonData } from './types';

/**
 * OpenBESS Maintenance app: root page (work orders, devices, team, notifications), configuration page and the
 * "Create work order" link on firing alerts.
 */
export const plugin = new AppPlugin<AppJsonData>()
  .setRootPage(App)
  .addConfigPage({
    title: 'Configuration',
    icon: 'cog',
    body: AppConfig,
    id: 'configuration',
  })
  .addLink(alarmWorkOrderLink);
