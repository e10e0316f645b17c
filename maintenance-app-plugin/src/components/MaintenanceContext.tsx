/**
 * What every page needs about the requesting user and the reference data: who they are and what they may do
 * (`GET /me`, the API's own answer — never guessed from Grafana's role), the sites they see and the categories.
 */
import { can, type MaintenanceAction } from '@openbess/model/src/maintenance/permissions';
import type { Category, MaintenanceMe, MaintenanceSite } from '@openbess/model/src/maintenance/types';
import { createContext, useContext } from 'react';

/** Maintenance app context value. */
export interface MaintenanceContextValue {
  me: MaintenanceMe;
  sites: MaintenanceSite[];
  categories: Category[];
  /** Re-reads categories (after an admin renamed one). */
  reloadCategories: () => Promise<void>;
  /** Unread notifications (badge); refreshed every 60 s and after marking read. */
  unread: number;
  refreshUnread: () => void;
}

export const MaintenanceContext = createContext<MaintenanceContextValue | undefined>(undefined);

/** The app context; throws when used outside the app root (a programming error). */
export function useMaintenance(): MaintenanceContextValue {
  const value = useContext(MaintenanceContext);
  if (!value) {
    throw new Error('useMaintenance() outside <MaintenanceContext.Provider> (render pages inside the App root)');
  }
  return value;
}

/**
 * Whether the user may take `action`: the API's `permissions` list for this user (which already reflects the
 * role table), falling back to the shared role table when an older API omits it.
 */
export function usePermission(action: MaintenanceAction): boolean {
  const { me } = useMaintenance();
  return mayDo(me, action);
}

/** {@link usePermission} without the hook, for a given `me`. */
export function mayDo(me: MaintenanceMe, action: MaintenanceAction): boolean {
  return Array.isArray(me.permissions) ? me.permissions.includes(action) : can(me.role, action);
}
