import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { badRequest, HttpError } from '../api/errors';
import type { AccessConfig } from '../api/identity';
import type { MaintenanceConfig } from './config';
import { actorOf, type Actor } from './scope';

/** Long-lived dependencies of the maintenance routes. */
export interface MaintenanceDeps {
  pool: Pool;
  logger: Logger;
  /** The access file (user picker, who may be notified); absent in token-only mode. */
  access?: AccessConfig;
  config: MaintenanceConfig;
}

/** A maintenance route handler: gets the request's {@link Actor}. */
export type MaintenanceHandler = (req: Request, res: Response, actor: Actor) => Promise<void>;

/** Wraps a handler: builds the actor, forwards rejections to the error middleware. */
export function handle(deps: MaintenanceDeps, fn: MaintenanceHandler): RequestHandler {
  return (req, res, next) => {
    actorOf(deps.pool, req)
      .then((actor) => fn(req, res, actor))
      .catch(next);
  };
}

/**
 * Parses a body or query string with a zod schema.
 * @throws HttpError 400 naming the fields (`invalid work order: title: must not be empty`)
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw badRequest(r.error, what);
  return r.data;
}

/**
 * A positive integer id from a path parameter.
 * @throws HttpError 400 when it is not one
 */
export function idParam(req: Request, name: string): number {
  const raw = req.params[name];
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new HttpError(400, `invalid ${name}: must be a positive integer`);
  return Number(raw);
}

/** The query string without empty values (`?site=&q=` means "no filter"), for schema parsing. */
export function queryOf(req: Request): Record<string, unknown> {
  return Object.fromEntries(Object.entries(req.query as Record<string, unknown>).filter(([, v]) => v !== ''));
}
