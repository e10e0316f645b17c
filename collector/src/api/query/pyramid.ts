import type { Pool } from 'pg';
import { ROLLUP_FEATURE, ROLLUP_LEVELS } from '../../store/rollup-schema';
import { AGGREGATES } from '../../store/timescale';
import type { PyramidLevel } from './resolution';

/** The store's continuous aggregates as pyramid levels (5 min, 15 min, 1 h, 1 d). */
export const STORE_PYRAMID: readonly PyramidLevel[] = AGGREGATES.map((a) => ({
  view: a.view,
  bucketMs: a.bucketMs,
  kind: 'aggregate' as const,
}));

/** The store's plain-PostgreSQL rollup tables as pyramid levels (5 min, 15 min, 1 h, 1 d). */
export const ROLLUP_PYRAMID: readonly PyramidLevel[] = ROLLUP_LEVELS.map((l) => ({
  view: l.table,
  bucketMs: l.bucketMs,
  kind: 'rollup' as const,
}));

/**
 * Pyramid levels available right now: the store's continuous aggregates when its feature flag
 * `store_feature('continuous_aggregates')` is on (set by `migrate()` only when TimescaleDB created
 * them); otherwise its rollup tables when `store_feature('rollups')` is on (migration 3, maintained
 * by the writer on plain PostgreSQL and PGlite); none otherwise (a database the store has not
 * migrated). Read at most once per `ttlMs` (default 60 s) so a later migration is picked up without
 * a restart.
 */
export function storePyramid(pool: Pool, ttlMs = 60_000): () => Promise<readonly PyramidLevel[]> {
  let cached: { at: number; levels: readonly PyramidLevel[] } | null = null;
  return async () => {
    const now = Date.now();
    if (cached && now - cached.at < ttlMs) return cached.levels;
    let levels: readonly PyramidLevel[] = [];
    try {
      const r = await pool.query<{ caggs: boolean; rollups: boolean }>(
        `SELECT store_feature('continuous_aggregates') AS caggs, store_feature($1) AS rollups`,
        [ROLLUP_FEATURE]
      );
      if (r.rows[0]?.caggs === true) levels = STORE_PYRAMID;
      else if (r.rows[0]?.rollups === true) levels = ROLLUP_PYRAMID;
    } catch {
      levels = [];
    }
    cached = { at: now, levels };
    return cached.levels;
  };
}
