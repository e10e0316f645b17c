/**
 * Roles × actions of the maintenance app (issue 6 §6) as data. The API enforces it (on top of site
 * scope); the app reads it (through `GET /api/maintenance/me`) to hide what would be refused.
 */

/** API roles (same values as the collector's identity roles). */
export const MAINTENANCE_ROLES = ['viewer', 'partner-maintenance', 'user', 'admin'] as const;
/** One of {@link MAINTENANCE_ROLES}. */
export type MaintenanceRole = (typeof MAINTENANCE_ROLES)[number];

/** Actions of the maintenance API. */
export const MAINTENANCE_ACTIONS = [
  'workOrder.view',
  'workOrder.createRequest',
  'workOrder.createDraft',
  'workOrder.edit',
  'comment.create',
  'task.manage',
  'attachment.upload',
  'attachment.deleteOwn',
  'attachment.deleteAny',
  'workOrder.assign',
  'team.manage',
  'category.manage',
  'notification.view',
  'deviceStatus.set',
  'availability.view',
] as const;
/** One of {@link MAINTENANCE_ACTIONS}. */
export type MaintenanceAction = (typeof MAINTENANCE_ACTIONS)[number];

const ALL: readonly MaintenanceRole[] = MAINTENANCE_ROLES;
const EDITORS: readonly MaintenanceRole[] = ['partner-maintenance', 'user', 'admin'];
const ADMIN: readonly MaintenanceRole[] = ['admin'];

/**
 * Which roles may take each action (issue 6 §6 table):
 *
 * | action | viewer | partner | user | admin |
 * |---|---|---|---|---|
 * | view work orders | ✓ | ✓ | ✓ | ✓ |
 * | create as REQUEST | ✓ | (✓) | (✓) | (✓) |
 * | create as DRAFT, edit fields (incl. workflow transitions), comment, manage tasks | | ✓ | ✓ | ✓ |
 * | upload / delete files | | own | own | any |
 * | assign team members, manage team list, rename categories | | | | ✓ |
 * | view notifications | ✓ | ✓ | ✓ | ✓ |
 *
 * Readings where the table is silent:
 * - "create as REQUEST" marks the viewer's *only* write. Roles that may create a DRAFT may also file a REQUEST
 *   (a REQUEST is a DRAFT minus planning; the alarm → work order path files REQUESTs for everybody).
 * - Uploading is allowed to partners and users ("own" = they delete only files they uploaded); admins delete any.
 * - Marking devices online/offline (`deviceStatus.set`) is field work: the editing roles.
 * - Availability is read by everyone who may view the site's work orders.
 *
 * Every action is additionally scoped to sites: admins all sites; viewers/users their granted sites plus sites
 * whose maintenance team lists them; partners only the sites whose team lists them.
 */
export const PERMISSIONS: Readonly<Record<MaintenanceAction, readonly MaintenanceRole[]>> = {
  'workOrder.view': ALL,
  'workOrder.createRequest': ALL,
  'workOrder.createDraft': EDITORS,
  'workOrder.edit': EDITORS,
  'comment.create': EDITORS,
  'task.manage': EDITORS,
  'attachment.upload': EDITORS,
  'attachment.deleteOwn': EDITORS,
  'attachment.deleteAny': ADMIN,
  'workOrder.assign': ADMIN,
  'team.manage': ADMIN,
  'category.manage': ADMIN,
  'notification.view': ALL,
  'deviceStatus.set': EDITORS,
  'availability.view': ALL,
};

/** Whether `role` may take `action` (site scope checked separately). A null role may do nothing. */
export function can(role: MaintenanceRole | null | undefined, action: MaintenanceAction): boolean {
  return !!role && PERMISSIONS[action].includes(role);
}

/** Every action `role` may take (sorted as {@link MAINTENANCE_ACTIONS}). */
export function permissionsOf(role: MaintenanceRole | null | undefined): MaintenanceAction[] {
  return MAINTENANCE_ACTIONS.filter((a) => can(role, a));
}
