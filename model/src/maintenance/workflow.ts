/**
 * The work-order workflow (issue 6 §1) as data: the states, the allowed transitions and who may take
 * them. The API checks every status change against {@link TRANSITIONS}; the app uses the same table to
 * offer only the buttons that will succeed.
 */
import type { MaintenanceRole } from './permissions';

/** Work-order states, in workflow order. */
export const WORK_ORDER_STATUSES = [
  'REQUEST',
  'DRAFT',
  'ACTIVE',
  'IN_PROGRESS',
  'DONE',
  'CLOSED',
  'CANCELLED',
] as const;
/** One of {@link WORK_ORDER_STATUSES}. */
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

/** States a work order can never leave. */
export const TERMINAL_STATUSES: readonly WorkOrderStatus[] = ['CLOSED', 'CANCELLED'];
/** States counted as "open" (not yet done, closed or cancelled). */
export const OPEN_STATUSES: readonly WorkOrderStatus[] = ['REQUEST', 'DRAFT', 'ACTIVE', 'IN_PROGRESS'];

/** One allowed transition. */
export interface Transition {
  from: WorkOrderStatus;
  to: WorkOrderStatus;
  /** Verb for the app's button, e.g. "Start work". */
  label: string;
  /** Roles that may take it (besides holding `workOrder.edit` on the site). */
  roles: readonly MaintenanceRole[];
  /** Why this transition exists. */
  rationale: string;
}

const EDITORS: readonly MaintenanceRole[] = ['partner-maintenance', 'user', 'admin'];
const OWNERS: readonly MaintenanceRole[] = ['user', 'admin'];

/**
 * Every allowed transition; anything not listed is forbidden (answered 409 by the API).
 *
 * Rationale (a CMMS life cycle in the spirit of EN 13306 / ISO 14224 work-order handling):
 * - REQUEST is what anyone — including a viewer or an alarm — files; it is triaged into a DRAFT (accepted,
 *   now being planned) or CANCELLED (rejected, duplicate). A request cannot skip planning.
 * - DRAFT is planned (devices, tasks, assignees, due date) and released as ACTIVE (ready to execute), or
 *   cancelled.
 * - ACTIVE can be started (IN_PROGRESS), sent back to planning (DRAFT) or cancelled.
 * - IN_PROGRESS ends as DONE (work finished, report written), can be paused back to ACTIVE (waiting for parts,
 *   access, weather) or aborted (CANCELLED).
 * - DONE is verified by the asset owner: CLOSED (accepted) or back to IN_PROGRESS (rework needed). Partners
 *   (the contractor) cannot accept their own work, so DONE → CLOSED is for users and admins only.
 * - CLOSED and CANCELLED are terminal: the record is the history; follow-up work is a new work order.
 */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'REQUEST', to: 'DRAFT', label: 'Accept', roles: EDITORS, rationale: 'triaged: accepted for planning' },
  { from: 'REQUEST', to: 'CANCELLED', label: 'Reject', roles: EDITORS, rationale: 'triaged: rejected or duplicate' },
  { from: 'DRAFT', to: 'ACTIVE', label: 'Release', roles: EDITORS, rationale: 'planned and released for execution' },
  { from: 'DRAFT', to: 'CANCELLED', label: 'Cancel', roles: EDITORS, rationale: 'no longer needed' },
  { from: 'ACTIVE', to: 'IN_PROGRESS', label: 'Start work', roles: EDITORS, rationale: 'work started on site' },
  { from: 'ACTIVE', to: 'DRAFT', label: 'Back to planning', roles: EDITORS, rationale: 'plan must change' },
  { from: 'ACTIVE', to: 'CANCELLED', label: 'Cancel', roles: EDITORS, rationale: 'no longer needed' },
  { from: 'IN_PROGRESS', to: 'DONE', label: 'Mark done', roles: EDITORS, rationale: 'work finished, report written' },
  { from: 'IN_PROGRESS', to: 'ACTIVE', label: 'Pause', roles: EDITORS, rationale: 'waiting for parts or access' },
  { from: 'IN_PROGRESS', to: 'CANCELLED', label: 'Abort', roles: EDITORS, rationale: 'work abandoned' },
  { from: 'DONE', to: 'CLOSED', label: 'Close', roles: OWNERS, rationale: 'owner accepted the work' },
  { from: 'DONE', to: 'IN_PROGRESS', label: 'Reopen', roles: EDITORS, rationale: 'rework needed' },
];

/** The transition from `from` to `to`, or undefined when the workflow does not allow it. */
export function findTransition(from: WorkOrderStatus, to: WorkOrderStatus): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.to === to);
}

/** Transitions out of `from` that `role` may take (for the app's buttons). */
export function transitionsFor(from: WorkOrderStatus, role: MaintenanceRole | null): Transition[] {
  if (!role) return [];
  return TRANSITIONS.filter((t) => t.from === from && t.roles.includes(role));
}

/** Statuses a new work order may start in: REQUEST (anyone who may view) or DRAFT (editors). */
export const INITIAL_STATUSES = ['REQUEST', 'DRAFT'] as const;
