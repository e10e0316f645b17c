/**
 * The maintenance API (issue 6) under `/api/maintenance/`: work orders with workflow, audit and optimistic
 * locking, tasks, comments, attachments, device status, availability, team, users and notifications. Contract
 * (types, schemas, workflow and permission tables) in `@openbess/model` (model/src/maintenance).
 */
import { Router } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { AccessConfig } from '../api/identity';
import { attachmentRoutes } from './attachments';
import { availabilityRoutes } from './availability';
import { commentRoutes } from './comments';
import { maintenanceConfigFromEnv, type MaintenanceConfig } from './config';
import type { MaintenanceDeps } from './context';
import { deviceStatusRoutes } from './deviceStatus';
import { notificationRoutes } from './notifications';
import { taskRoutes } from './tasks';
import { teamRoutes } from './team';
import { workOrderRoutes } from './workOrders';

export { maintenanceConfigFromEnv, type MaintenanceConfig } from './config';
export { offlineStatusProvider } from './deviceStatus';
export { MAINTENANCE_MIGRATION } from './schema';

/** Options of {@link maintenanceRouter}. */
export interface MaintenanceRouterOptions {
  pool: Pool;
  logger: Logger;
  /** The access file (`IdentityOptions.access`): user picker and who may be notified. */
  access?: AccessConfig;
  /** Settings; missing values come from the environment ({@link maintenanceConfigFromEnv}). */
  config?: Partial<MaintenanceConfig>;
}

/**
 * The router to mount at `/maintenance` inside the `/api` router (after bearer auth, identity and the JSON body
 * parser). Every route enforces the role × action table and site scope itself.
 */
export function maintenanceRouter(opts: MaintenanceRouterOptions): Router {
  const deps: MaintenanceDeps = {
    pool: opts.pool,
    logger: opts.logger,
    access: opts.access,
    config: { ...maintenanceConfigFromEnv(), ...opts.config },
  };
  const r = Router();
  r.use(workOrderRoutes(deps));
  r.use(taskRoutes(deps));
  r.use(commentRoutes(deps));
  r.use(attachmentRoutes(deps));
  r.use(deviceStatusRoutes(deps));
  r.use(availabilityRoutes(deps));
  r.use(teamRoutes(deps));
  r.use(notificationRoutes(deps));
  return r;
}
