import express, { type Express } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { RegisterMap, SiteConfig } from '@openbess/model';
import { bearerAuth } from './auth';
import { errorHandler, HttpError } from './errors';
import { healthRouter, type StatsProvider } from './routes/health';
import { latestRouter } from './routes/latest';
import { identityMiddleware, type IdentityOptions } from './identity';
import { queryRouter, type OfflineStatusProvider } from './query';
import type { LatestMemory } from '../store/latest-values';
import { maintenanceRouter, offlineStatusProvider, type MaintenanceConfig } from '../maintenance';

/** What the API needs from the running service. */
export interface ApiOptions {
  pool: Pool;
  sites: SiteConfig[];
  /** Bearer token every route requires. */
  token: string;
  logger: Logger;
  stats?: StatsProvider;
  /**
   * Who the Grafana user is and what they may see (X-Grafana-Id / X-Grafana-User + access file).
   * Absent = token-only mode: the bearer-token holder is admin (every site), as in the plain demo.
   */
  identity?: IdentityOptions;
  /** Loaded register maps (poll intervals behind the tree's `isOffline`). */
  maps?: Map<string, RegisterMap>;
  /** Manual device offline status from the maintenance app (issue 6), ORed into the tree's `isOffline`. */
  offlineStatus?: OfflineStatusProvider;
  /**
   * In-memory latest values fed by this process's store writer (store/latest-values.ts; in the
   * collector service the plant thread's, read from shared memory): the latest route and `latest`
   * queries read values there once they are loaded. Absent = read the latest-values table.
   */
  latest?: LatestMemory;
  /** Maintenance API settings (attachment limit, availability target, Grafana user API); default from env. */
  maintenance?: Partial<MaintenanceConfig>;
}

/**
 * Builds the express app: JSON bodies up to 1 MB, one bearer-auth middleware in front of every
 * `/api` route, JSON 404s, and an error handler that answers 4xx with a reason and never leaks
 * internals on 5xx.
 */
export function createApiApp(opts: ApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // No automatic ETag: hashing every 0.5–1 MB query answer costs ms per request; the latest route sets its own.
  app.disable('etag');
  app.set('query parser', 'simple');
  const api = express.Router();
  api.use(bearerAuth(opts.token));
  api.use(identityMiddleware(opts.identity));
  api.use(express.json({ limit: '1mb' }));
  api.use(healthRouter(opts.pool, opts.sites, opts.stats));
  api.use(latestRouter(opts.pool, opts.sites, opts.stats, opts.latest));
  api.use(
    queryRouter({
      pool: opts.pool,
      maps: opts.maps,
      offlineStatus: opts.offlineStatus ?? offlineStatusProvider(opts.pool),
      logger: opts.logger,
      latest: opts.latest,
    })
  );
  api.use(
    '/maintenance',
    maintenanceRouter({ pool: opts.pool, logger: opts.logger, access: opts.identity?.access, config: opts.maintenance })
  );
  app.use('/api', api);
  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path.slice(0, 100)}`)));
  app.use(errorHandler(opts.logger));
  return app;
}
