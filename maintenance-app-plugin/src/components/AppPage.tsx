/**
 * Frame of every app page: Grafana's PluginPage (page chrome, breadcrumbs, title from plugin.json includes) with
 * the app's tab navigation on top. The Notifications tab carries the unread badge (Grafana's Tab `counter`),
 * refreshed every 60 s: Grafana 12 gives app plugins no API to put a live badge on the side-menu entries
 * (`includes` are static), so the badge lives in the app's own navigation, on every page of the app.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2, NavModelItem } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Tab, TabsBar, useStyles2, type IconName } from '@grafana/ui';
import type { ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { appUrl, ROUTES } from '../constants';
import { useMaintenance } from './MaintenanceContext';

const TABS: Array<{ label: string; page: string; icon: IconName }> = [
  { label: 'Work orders', page: ROUTES.workOrders, icon: 'clipboard-alt' },
  { label: 'Devices', page: ROUTES.devices, icon: 'plug' },
  { label: 'Team', page: ROUTES.team, icon: 'users-alt' },
  { label: 'Notifications', page: ROUTES.notifications, icon: 'bell' },
];

/** Props of {@link AppPage}. */
export interface AppPageProps {
  /** Heading of the page's content (also the breadcrumb of sub pages). */
  title: string;
  /** Buttons shown next to the heading. */
  actions?: ReactNode;
  /** Extra breadcrumb for sub pages (e.g. a work order). */
  pageNav?: NavModelItem;
  children?: ReactNode;
}

/** App page frame: PluginPage + app tabs (with the unread badge) + heading + content. */
export function AppPage({ title, actions, pageNav, children }: AppPageProps) {
  const styles = useStyles2(getStyles);
  const { unread } = useMaintenance();
  const location = useLocation();
  const navigate = useNavigate();
  return (
    // The page's own header (title + actions) replaces Grafana's title so both look the same in Grafana and
    // wherever PluginPage is a plain wrapper; Grafana still renders breadcrumbs from `pageNav`.
    <PluginPage pageNav={pageNav} renderTitle={() => null}>
      <div className={styles.page}>
        <TabsBar className={styles.tabs}>
          {TABS.map((t) => {
            const href = appUrl(t.page);
            return (
              <Tab
                key={t.page}
                label={t.label}
                icon={t.icon}
                href={href}
                active={location.pathname === href || location.pathname.startsWith(`${href}/`)}
                counter={t.page === ROUTES.notifications && unread > 0 ? unread : undefined}
                aria-label={t.page === ROUTES.notifications && unread ? `${t.label} (${unread} unread)` : t.label}
                onChangeTab={(e) => {
                  e.preventDefault();
                  navigate(href);
                }}
              />
            );
          })}
        </TabsBar>
        <div className={styles.header}>
          <h2 className={styles.title}>{title}</h2>
          {actions && <div className={styles.actions}>{actions}</div>}
        </div>
        {children}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
  }),
  tabs: css({
    marginBottom: theme.spacing(1),
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: theme.spacing(2),
    flexWrap: 'wrap',
  }),
  title: css({
    margin: 0,
    fontSize: theme.typography.h3.fontSize,
  }),
  actions: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
  }),
});
