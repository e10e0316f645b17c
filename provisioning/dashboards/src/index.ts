/**
 * Every provisioned dashboard: where its JSON goes (folder = Grafana folder, through the provider's
 * `foldersFromFilesStructure`) and how it is built. `npm run dashboards` writes them
 * (provisioning/dashboards/src/generate.ts); provisioning/test/dashboards.test.ts proves the committed JSON equals
 * what this list generates.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { commissioning } from './commissioning';
import { deviceDetail } from './deviceDetail';
import { faults } from './faults';
import { enkaPortfolio, revenueSla, tmeicPcs } from './packs';
import { siteOverview } from './siteOverview';

/** One dashboard file. */
export interface DashboardFile {
  /** Grafana folder (a sub-directory of provisioning/dashboards/openbess). */
  folder: 'OpenBESS' | 'ENKA' | 'TMEIC';
  /** File name inside the folder. */
  file: string;
  build: () => dashboard.Dashboard;
}

export const DASHBOARDS: DashboardFile[] = [
  { folder: 'OpenBESS', file: 'site-overview.json', build: siteOverview },
  { folder: 'OpenBESS', file: 'device-detail.json', build: deviceDetail },
  { folder: 'OpenBESS', file: 'commissioning.json', build: commissioning },
  { folder: 'OpenBESS', file: 'faults-and-trips.json', build: faults },
  { folder: 'OpenBESS', file: 'revenue-and-sla.json', build: revenueSla },
  { folder: 'ENKA', file: 'enka-portfolio.json', build: enkaPortfolio },
  { folder: 'TMEIC', file: 'tmeic-pcs-fleet.json', build: tmeicPcs },
];
