import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';

/** An error with an HTTP status, answered as `{ error, detail }` JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: unknown
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** 400 from a zod error: names the offending field (`queries[0].maxDataPoints: …`). */
export function badRequest(error: z.ZodError, what: string): HttpError {
  const issues = error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  return new HttpError(400, `invalid ${what}: ${issues.join('; ')}`);
}

/** Wraps an async handler so a rejected promise reaches the error middleware. */
export const asyncRoute =
  (fn: (...args: Parameters<RequestHandler>) => Promise<unknown>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };

/**
 * Final error middleware: HttpError → its status; body-parser errors (bad JSON, too large) → their
 * 4xx; anything else → 500 with a generic message (details only in the log).
 */
export function errorHandler(log: { error: (obj: unknown, msg: string) => void }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    void _next;
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...(err.detail !== undefined ? { detail: err.detail } : {}) });
      return;
    }
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status < 500) {
      res
        .status(status)
        .json({ error: err.type === 'entity.parse.failed' ? 'malformed JSON body' : String(err.message) });
      return;
    }
    log.error({ err, path: req.path }, 'request failed');
    res.status(500).json({ error: 'internal error' });
  };
}
