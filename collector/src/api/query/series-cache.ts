import type { Pool } from 'pg';

/** One series as the query engine needs it (from `series` ⋈ `device`). */
export interface SeriesInfo {
  id: number;
  site: string;
  device: string;
  metric: string;
  unit: string;
  kind: 'scalar' | 'array';
}

/** A snapshot of every series, with the order the `latest` frame uses. */
export interface SeriesSnapshot {
  byId: Map<number, SeriesInfo>;
  /** Scalar series ordered by device, then metric (byte order, = `COLLATE "C"`). */
  scalars: SeriesInfo[];
  /** Device id → site code, for every device that has a series. */
  deviceSite: Map<string, string>;
  /** Site codes that have a series. */
  sites: Set<string>;
}

/**
 * SQL of the stamp that changes whenever a series or device row is inserted or updated: max id and
 * max `updated_at` of `series`, max `updated_at` of `device` (index-only reads, migration 3 indexes).
 */
export const SERIES_STAMP_SQL = `(SELECT max(id) FROM series)::text || '/' || coalesce((SELECT max(updated_at) FROM series)::text, '')
  || '/' || coalesce((SELECT max(updated_at) FROM device)::text, '')`;

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * In-process cache of the series catalogue (≈ 8 k rows for a large site), so hot queries such as
 * `latest` read only the values they need and join names, units and sites here. Queries pass the
 * stamp they read ({@link SERIES_STAMP_SQL}) in the same statement as their data; a different stamp
 * reloads the snapshot (and the caller re-runs). Independently the snapshot is reloaded after
 * `maxAgeMs` (default 30 s), which bounds the staleness a stamp could miss (a transaction that
 * inserted a series with an older `now()` and committed late).
 */
export class SeriesCache {
  private snapshot: { stamp: string; at: number; data: SeriesSnapshot } | null = null;
  private loading: Promise<{ stamp: string; at: number; data: SeriesSnapshot }> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly maxAgeMs = 30_000
  ) {}

  /**
   * The current snapshot; reloaded when `stamp` (read by the caller) differs from the snapshot's, or
   * when it is older than `maxAgeMs`.
   * @returns the snapshot and whether it was reloaded for a stamp change (the caller re-runs then)
   */
  async get(stamp?: string): Promise<{ data: SeriesSnapshot; stamp: string; reloaded: boolean }> {
    const s = this.snapshot;
    if (s && Date.now() - s.at < this.maxAgeMs && (stamp === undefined || stamp === s.stamp))
      return { data: s.data, stamp: s.stamp, reloaded: false };
    this.loading ??= this.load().finally(() => (this.loading = null));
    const fresh = await this.loading;
    this.snapshot = fresh;
    return { data: fresh.data, stamp: fresh.stamp, reloaded: true };
  }

  private stampCheckedAt = 0;
  private stampCheck: Promise<SeriesSnapshot> | null = null;

  /**
   * The snapshot, its stamp checked against the database at most every `maxStampAgeMs` (one cheap
   * statement, shared by concurrent callers): for readers whose data does not come from the database
   * in the same statement (in-memory latest values), so a catalogue change (new series, a device
   * moved to another site) is seen within `maxStampAgeMs`.
   * @throws the database error of the stamp read or reload
   */
  async current(maxStampAgeMs: number): Promise<SeriesSnapshot> {
    const s = this.snapshot;
    const now = Date.now();
    if (s && now - this.stampCheckedAt < maxStampAgeMs && now - s.at < this.maxAgeMs) return s.data;
    this.stampCheck ??= (async () => {
      const issued = Date.now();
      const r = await this.pool.query<{ stamp: string }>(`SELECT ${SERIES_STAMP_SQL} AS stamp`);
      const got = await this.get(r.rows[0].stamp);
      this.stampCheckedAt = issued;
      return got.data;
    })().finally(() => (this.stampCheck = null));
    return this.stampCheck;
  }

  private async load(): Promise<{ stamp: string; at: number; data: SeriesSnapshot }> {
    const at = Date.now();
    const r = await this.pool.query<{ stamp: string; j: string }>(
      `SELECT ${SERIES_STAMP_SQL} AS stamp,
              (SELECT coalesce(json_agg(json_build_array(s.id, d.site, s.device, s.metric, s.unit, s.kind)), '[]')::text
                 FROM series s JOIN device d ON d.id = s.device) AS j`
    );
    const rows = JSON.parse(r.rows[0].j) as [number, string, string, string, string, 'scalar' | 'array'][];
    const byId = new Map<number, SeriesInfo>();
    const scalars: SeriesInfo[] = [];
    const deviceSite = new Map<string, string>();
    for (const [id, site, device, metric, unit, kind] of rows) {
      const info = { id, site, device, metric, unit, kind };
      byId.set(id, info);
      deviceSite.set(device, site);
      if (kind === 'scalar') scalars.push(info);
    }
    scalars.sort((a, b) => byteOrder(a.device, b.device) || byteOrder(a.metric, b.metric));
    const sites = new Set(deviceSite.values());
    return { stamp: r.rows[0].stamp, at, data: { byId, scalars, deviceSite, sites } };
  }
}

const caches = new WeakMap<Pool, SeriesCache>();

/** The {@link SeriesCache} of a pool (one per pool, created on first use). */
export function seriesCache(pool: Pool): SeriesCache {
  let c = caches.get(pool);
  if (!c) caches.set(pool, (c = new SeriesCache(pool)));
  return c;
}
