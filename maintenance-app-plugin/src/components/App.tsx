/**
 * Root page of the app (AppPlugin.setRootPage): loads who the user is (`GET /me`), the sites and categories,
 * then routes (react-router v6, relative to `/a/<id>`, as Grafana 12 mounts app roots under `/a/<id>/*`).
 */
import type { AppRootProps } from '@grafana/data';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import { useMemo } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { api } from '../api/client';
import { appUrl, ROUTES } from '../constants';
import { useApi } from '../hooks/useApi';
import { useUnreadCount } from '../hooks/useUnreadCount';
import { DevicesPage } from '../pages/DevicesPage';
import { NewWorkOrderPage } from '../pages/NewWorkOrderPage';
import { NotificationsPage } from '../pages/NotificationsPage';
import { TeamPage } from '../pages/TeamPage';
import { WorkOrderDetailPage } from '../pages/WorkOrderDetailPage';
import { WorkOrdersPage } from '../pages/WorkOrdersPage';
import type { AppJsonData } from '../types';
import { MaintenanceContext, type MaintenanceContextValue } from './MaintenanceContext';

/** The app's routes (paths relative to the app root). */
export function AppRoutes() {
  return (
    <Routes>
      <Route path={ROUTES.workOrders} element={<WorkOrdersPage />} />
      <Route path={ROUTES.newWorkOrder} element={<NewWorkOrderPage />} />
      <Route path={ROUTES.fromAlarm} element={<NewWorkOrderPage fromAlarm />} />
      <Route path={`${ROUTES.workOrders}/:id`} element={<WorkOrderDetailPage />} />
      <Route path={ROUTES.devices} element={<DevicesPage />} />
      <Route path={ROUTES.team} element={<TeamPage />} />
      <Route path={ROUTES.notifications} element={<NotificationsPage />} />
      <Route path="*" element={<Navigate to={appUrl(ROUTES.workOrders)} replace />} />
    </Routes>
  );
}

/** App root: identity, reference data, unread badge polling, routes. */
export function App(_props: AppRootProps<AppJsonData>) {
  const base = useApi(() => Promise.all([api.me(), api.sites()]), []);
  const categories = useApi(() => api.categories(), []);
  const { unread, refresh } = useUnreadCount();

  const value = useMemo<MaintenanceContextValue | undefined>(
    () =>
      base.data
        ? {
            me: base.data[0],
            sites: base.data[1],
            categories: categories.data ?? [],
            reloadCategories: categories.reload,
            unread,
            refreshUnread: refresh,
          }
        : undefined,
    [base.data, categories.data, categories.reload, unread, refresh]
  );

  if (base.error) {
    return (
      <Alert severity="error" title="The maintenance API is not reachable">
        {base.error.message}. Check the app configuration (API URL and token) under Administration → Plugins → OpenBESS
        Maintenance.
      </Alert>
    );
  }
  if (!value) {
    return <LoadingPlaceholder text="Loading maintenance…" />;
  }
  return (
    <MaintenanceContext.Provider value={value}>
      <AppRoutes />
    </MaintenanceContext.Provider>
  );
}
