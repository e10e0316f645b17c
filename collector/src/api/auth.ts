import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Bearer-token check for every API route: `Authorization: Bearer <token>` must equal the configured
 * API token (compared in constant time over SHA-256 digests). Grafana's data proxy adds the header
 * from the datasource's secureJsonData (plugin.json route). Missing or wrong token → 401.
 */
export function bearerAuth(token: string): RequestHandler {
  if (!token) throw new Error('API token must not be empty');
  const expected = digest(token);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) return next(new HttpError(401, 'missing bearer token'));
    if (!timingSafeEqual(digest(m[1].trim()), expected)) return next(new HttpError(401, 'invalid bearer token'));
    next();
  };
}
