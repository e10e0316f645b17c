import type { Pool } from 'pg';
import { AGGREGATES } from '../../store/timescale';
import type { PyramidLevel } from './resolution';

/** The store's continuous aggregates as pyramid levels (5 min, 15 min, 1 h, 1 d). */
export const STORE_PYRAMID: readonly PyramidLevel[] = AGGREGATES.map((a) => ({ view: a.view, bucketMs: a.bucketMs }));

/**
 * Pyramid levels available right now: the store's continuous aggregates when its feature flag
 * `store_feature('continuous_aggregates')` is on (set by `migrate()` only when TimescaleDB created
 * them), none otherwise (plain PostgreSQL, PGlite, or a database the store has not migrated).
 * Read at most once per `ttlMs` (default 60 s) so a later migration is picked up without a restart.
 */
export function storePyramid(pool: Pool, ttlMs = 60_000): () => Promise<readonly PyramidLevel[]> {
  let cached: { at: number; levels: readonly PyramidLevel[] } | null = null;
  return async () => {
    const now = Date.now();
    if (cached && now - cached.at < ttlMs) return cached.levels;
    let on = false;
    try {
      const r = await pool.query<{ on: boolean }>(`SELECT store_feature('continuous_aggregates') AS on`);
      on = r.rows[0]?.on === true;
    } catch {
      on = false;
    }
    cached = { at: now, levels: on ? STORE_PYRAMID : [] };
    return cached.levels;
  };
}
