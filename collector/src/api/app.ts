import express, { type Express } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { SiteConfig } from '@openbess/model';
import { bearerAuth } from './auth';
import { errorHandler, HttpError } from './errors';
import { healthRouter, type StatsProvider } from './routes/health';
import { latestRouter } from './routes/latest';

/** What the API needs from the running service. */
export interface ApiOptions {
  pool: Pool;
  sites: SiteConfig[];
  /** Bearer token every route requires. */
  token: string;
  logger: Logger;
  stats?: StatsProvider;
}

/**
 * Builds the express app: JSON bodies up to 1 MB, one bearer-auth middleware in front of every
 * `/api` route, JSON 404s, and an error handler that answers 4xx with a reason and never leaks
 * internals on 5xx.
 */
export function createApiApp(opts: ApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const api = express.Router();
  api.use(bearerAuth(opts.token));
  api.use(express.json({ limit: '1mb' }));
  api.use(healthRouter(opts.pool, opts.sites, opts.stats));
  api.use(latestRouter(opts.pool, opts.sites));
  app.use('/api', api);
  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path.slice(0, 100)}`)));
  app.use(errorHandler(opts.logger));
  return app;
}
