import { Badge, type BadgeColor } from '@grafana/ui';
import type { Priority } from '@openbess/model/src/maintenance/types';
import type { WorkOrderStatus } from '@openbess/model/src/maintenance/workflow';

/** Badge colour per workflow state (Grafana's badge palette follows the theme, dark and light). */
export const STATUS_COLORS: Record<WorkOrderStatus, BadgeColor> = {
  REQUEST: 'purple',
  DRAFT: 'darkgrey',
  ACTIVE: 'blue',
  IN_PROGRESS: 'orange',
  DONE: 'green',
  CLOSED: 'brand',
  CANCELLED: 'red',
};

/** Human label of a workflow state (`IN_PROGRESS` → `In progress`). */
export function statusLabel(status: WorkOrderStatus): string {
  const s = status.replace('_', ' ').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Colour-coded badge of a work-order status. */
export function StatusBadge({ status }: { status: WorkOrderStatus }) {
  return <Badge color={STATUS_COLORS[status]} text={statusLabel(status)} data-testid={`status-${status}`} />;
}

const PRIORITY_COLORS: Record<Priority, BadgeColor> = {
  low: 'darkgrey',
  medium: 'blue',
  high: 'orange',
  critical: 'red',
};

/** Badge of a work-order priority. */
export function PriorityBadge({ priority }: { priority: Priority }) {
  return (
    <Badge
      color={PRIORITY_COLORS[priority]}
      text={priority}
      icon={priority === 'critical' ? 'exclamation-triangle' : undefined}
    />
  );
}
