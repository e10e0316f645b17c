/**
 * Notifications of the user (assignment, status change, mention): newest first, unread highlighted, mark one or
 * all read (the badge on the Notifications tab follows at once).
 */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Icon, Switch, useStyles2, type IconName } from '@grafana/ui';
import type { NotificationListResponse } from '@openbess/model/src/maintenance/api';
import type { NotificationKind } from '@openbess/model/src/maintenance/types';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api/client';
import { AppPage } from '../components/AppPage';
import { useMaintenance } from '../components/MaintenanceContext';
import { formatTime, getCommonStyles } from '../components/styles';
import { appUrl, ROUTES } from '../constants';
import { useApi } from '../hooks/useApi';

const KIND_ICONS: Record<NotificationKind, IconName> = {
  assignment: 'user',
  status: 'sync',
  mention: 'comment-alt',
};

/** The Notifications page. */
export function NotificationsPage() {
  const styles = useStyles2(getStyles);
  const common = useStyles2(getCommonStyles);
  const { refreshUnread } = useMaintenance();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useApi<NotificationListResponse>(() => api.notifications(unreadOnly), [unreadOnly]);
  const [error, setError] = useState<string>();

  const mark = async (ids: number[] | 'all') => {
    setError(undefined);
    try {
      await api.markRead(ids);
      await list.reload();
      refreshUnread();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const unread = list.data?.unread ?? 0;
  return (
    <AppPage
      title="Notifications"
      actions={
        <Button variant="secondary" icon="check" disabled={unread === 0} onClick={() => void mark('all')}>
          Mark all read
        </Button>
      }
    >
      <div className={common.row}>
        <Switch id="unread-only" value={unreadOnly} onChange={() => setUnreadOnly(!unreadOnly)} />
        <label htmlFor="unread-only">Unread only</label>
        <span className={common.muted}>{unread} unread</span>
      </div>
      {(error || list.error) && (
        <Alert severity="error" title="Notifications">
          {error ?? list.error?.message}
        </Alert>
      )}
      <ul className={styles.list} aria-label="Notifications">
        {(list.data?.items ?? []).map((n) => (
          <li key={n.id} className={cx(common.card, styles.item, !n.read && styles.unread)} data-testid="notification">
            <Icon name={KIND_ICONS[n.kind]} className={styles.icon} aria-label={n.kind} />
            <div className={styles.text}>
              <div>
                {!n.read && <span className={styles.dot} aria-label="unread" />}
                {n.message}
              </div>
              <div className={common.muted}>
                <Link className={common.link} to={appUrl(`${ROUTES.workOrders}/${n.workOrderId}`)}>
                  #{n.workOrderId} {n.title}
                </Link>{' '}
                · {n.site} · {formatTime(n.createdAt)}
              </div>
            </div>
            {!n.read && (
              <Button size="sm" variant="secondary" fill="text" onClick={() => void mark([n.id])}>
                Mark read
              </Button>
            )}
          </li>
        ))}
      </ul>
      {list.data?.items.length === 0 && <div className={common.muted}>Nothing here.</div>}
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  item: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1, 2),
  }),
  unread: css({
    borderLeft: `3px solid ${theme.colors.primary.main}`,
  }),
  icon: css({
    color: theme.colors.text.secondary,
  }),
  text: css({
    flex: 1,
    minWidth: 0,
  }),
  dot: css({
    display: 'inline-block',
    width: 8,
    height: 8,
    borderRadius: '50%',
    background: theme.colors.primary.main,
    marginRight: theme.spacing(1),
  }),
});
