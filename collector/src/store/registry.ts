import type { Pool } from 'pg';
import {
  isMetric,
  METRICS,
  parseDeviceId,
  siteDevices,
  type DeviceInstance,
  type RegisterMap,
  type SiteConfig,
} from '@openbess/model';

/** Register provenance of a series (`series.source`): where on the wire its value comes from. */
export interface SeriesSource {
  map: string;
  unitId: number;
  /** Device base address inside the unit (0-based). */
  base: number;
  /** Point address relative to the base (0-based wire address, as in the map file). */
  address: number;
  /** Absolute 0-based wire address = base + address. */
  wireAddress: number;
  fn: string;
  type: string;
  /** Literal multiplier. */
  scale: number;
  /** SunSpec scale-factor point name, null when none. */
  sf: string | null;
  sign: 1 | -1;
  /** Point name in the map (SunSpec name where derived from SunSpec). */
  name: string;
  /** Elements (arrays, e.g. 416 cells). */
  count: number;
}

/** A series to register. */
export interface SeriesDefinition {
  device: string;
  metric: string;
  unit: string;
  kind: 'scalar' | 'array';
  source: SeriesSource | null;
}

/** Something registerSites noticed but did not fail on (e.g. two sources of one device define one metric). */
export interface RegistryWarning {
  device: string;
  metric: string;
  message: string;
}

/**
 * In-memory `(device, metric) → series id` lookup, filled by {@link registerSites} and extended on
 * demand by {@link SeriesRegistry.ensure} for samples of series nobody registered (no sample is
 * dropped for want of a series row).
 */
export class SeriesRegistry {
  private readonly ids = new Map<string, Map<string, number>>();
  private readonly kinds = new Map<number, 'scalar' | 'array'>();
  /** Warnings collected while registering. */
  readonly warnings: RegistryWarning[] = [];

  /** Series id of a device's metric, undefined when unknown. */
  get(device: string, metric: string): number | undefined {
    return this.ids.get(device)?.get(metric);
  }

  /** The series ids of a device's metrics (read-only; undefined when the device has none). */
  metricsOf(device: string): ReadonlyMap<string, number> | undefined {
    return this.ids.get(device);
  }

  /** Kind of a series id. */
  kindOf(id: number): 'scalar' | 'array' | undefined {
    return this.kinds.get(id);
  }

  /** Number of known series. */
  get size(): number {
    return this.kinds.size;
  }

  /** Records an id (used after upserts). */
  set(device: string, metric: string, id: number, kind: 'scalar' | 'array'): void {
    let m = this.ids.get(device);
    if (!m) this.ids.set(device, (m = new Map()));
    m.set(metric, id);
    this.kinds.set(id, kind);
  }

  /** All `{ device, metric, id }` entries. */
  entries(): { device: string; metric: string; id: number }[] {
    const out: { device: string; metric: string; id: number }[] = [];
    for (const [device, m] of this.ids) for (const [metric, id] of m) out.push({ device, metric, id });
    return out;
  }

  /**
   * Creates (or finds) series rows for samples nobody registered: the device row is created when
   * missing (profile from the device id, site row from its code), the unit from the metric
   * vocabulary. Idempotent.
   */
  async ensure(
    pool: Pick<Pool, 'query'>,
    wanted: { device: string; metric: string; kind: 'scalar' | 'array' }[]
  ): Promise<void> {
    const missing = wanted.filter((w) => this.get(w.device, w.metric) === undefined);
    if (missing.length === 0) return;
    const devices = [...new Set(missing.map((w) => w.device))];
    for (const d of devices) {
      const parsed = parseDeviceId(d);
      const site = parsed?.site ?? (d.length >= 5 ? d.slice(0, 5) : d || 'UNKNOWN');
      await pool.query(`INSERT INTO site (code, name) VALUES ($1, $1) ON CONFLICT (code) DO NOTHING`, [site]);
      await pool.query(
        `INSERT INTO device (id, site, profile, parent, name) VALUES ($1, $2, $3, $4, $1) ON CONFLICT (id) DO NOTHING`,
        [d, site, parsed?.profile ?? 'unknown', site]
      );
    }
    await upsertSeries(
      pool,
      missing.map((w) => ({
        device: w.device,
        metric: w.metric,
        kind: w.kind,
        unit: isMetric(w.metric) ? METRICS[w.metric].unit : '',
        source: null,
      })),
      this,
      false
    );
  }
}

/** Rows per upsert statement (keeps well under the 65 535 bind-parameter limit: one array per column). */
const CHUNK = 5000;

async function upsertSeries(
  pool: Pick<Pool, 'query'>,
  defs: SeriesDefinition[],
  registry: SeriesRegistry,
  overwrite: boolean
): Promise<void> {
  for (let i = 0; i < defs.length; i += CHUNK) {
    const part = defs.slice(i, i + CHUNK);
    const conflict = overwrite
      ? `DO UPDATE SET unit = EXCLUDED.unit, kind = EXCLUDED.kind, source = EXCLUDED.source, updated_at = now()
         WHERE (series.unit, series.kind, series.source) IS DISTINCT FROM (EXCLUDED.unit, EXCLUDED.kind, EXCLUDED.source)`
      : 'DO NOTHING';
    await pool.query(
      `INSERT INTO series (device, metric, unit, kind, source)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT (device, metric) ${conflict}`,
      [
        part.map((d) => d.device),
        part.map((d) => d.metric),
        part.map((d) => d.unit),
        part.map((d) => d.kind),
        part.map((d) => (d.source ? JSON.stringify(d.source) : null)),
      ]
    );
    const r = await pool.query<{ id: number; device: string; metric: string; kind: 'scalar' | 'array' }>(
      `SELECT s.id, s.device, s.metric, s.kind FROM series s
         JOIN unnest($1::text[], $2::text[]) AS w(device, metric) ON s.device = w.device AND s.metric = w.metric`,
      [part.map((d) => d.device), part.map((d) => d.metric)]
    );
    for (const row of r.rows) registry.set(row.device, row.metric, row.id, row.kind);
  }
}

/**
 * The series of one device: every measurement/array point of every source map, with provenance.
 * A metric defined by two sources of the same device is kept once (the first source) and reported.
 *
 * @throws Error naming the device and map when a source's map is not loaded
 */
export function deviceSeries(
  device: DeviceInstance,
  maps: Map<string, RegisterMap>,
  warnings: RegistryWarning[] = []
): SeriesDefinition[] {
  const out: SeriesDefinition[] = [];
  const seen = new Map<string, string>();
  for (const src of device.sources) {
    const map = maps.get(src.map);
    if (!map) throw new Error(`device ${device.id}: register map "${src.map}" is not loaded`);
    for (const p of map.points) {
      if (p.kind !== 'measurement' && p.kind !== 'array') continue;
      const first = seen.get(p.metric);
      if (first !== undefined) {
        warnings.push({
          device: device.id,
          metric: p.metric,
          message: `metric ${p.metric} defined by maps ${first} and ${map.id}; series keeps ${first}`,
        });
        continue;
      }
      seen.set(p.metric, map.id);
      out.push({
        device: device.id,
        metric: p.metric,
        unit: p.unit,
        kind: p.kind === 'array' ? 'array' : 'scalar',
        source: {
          map: map.id,
          unitId: src.unitId,
          base: src.base,
          address: p.address,
          wireAddress: src.base + p.address,
          fn: p.fn,
          type: p.type,
          scale: p.scale,
          sf: p.sf ?? null,
          sign: p.sign,
          name: p.name,
          count: p.count,
        },
      });
    }
  }
  return out;
}

/**
 * Upserts the sites, their devices (`siteDevices()` of the model) and one series row per map point
 * of every device source, with register provenance, and returns the `(device, metric) → series id`
 * lookup. Idempotent; a changed map updates unit/kind/source of existing series (ids are stable).
 *
 * @param maps - loaded register maps by id
 * @throws Error when a device names a map that is not in `maps`, or on database errors
 */
export async function registerSites(
  pool: Pick<Pool, 'query'>,
  sites: SiteConfig[],
  maps: Map<string, RegisterMap>
): Promise<SeriesRegistry> {
  const registry = new SeriesRegistry();
  const defs: SeriesDefinition[] = [];
  for (const site of sites) {
    await pool.query(
      `INSERT INTO site (code, name, timezone, config) VALUES ($1, $2, $3, $4)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone,
         config = EXCLUDED.config, updated_at = now()`,
      [site.code, site.name, site.timezone, JSON.stringify(site)]
    );
    const devices = siteDevices(site);
    const cols = {
      id: devices.map((d) => d.id),
      site: devices.map((d) => d.site),
      profile: devices.map((d) => d.profile),
      parent: devices.map((d) => d.parent),
      name: devices.map((d) => d.name),
      block: devices.map((d) => d.block ?? null),
      string: devices.map((d) => d.string ?? null),
      rated: devices.map((d) => d.ratedPowerKw ?? null),
      capacity: devices.map((d) => d.capacityKwh ?? null),
      sources: devices.map((d) => JSON.stringify(d.sources)),
    };
    await pool.query(
      `INSERT INTO device (id, site, profile, parent, name, block, string, rated_power_kw, capacity_kwh, sources)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[],
                            $8::float8[], $9::float8[], $10::jsonb[])
       ON CONFLICT (id) DO UPDATE SET site = EXCLUDED.site, profile = EXCLUDED.profile, parent = EXCLUDED.parent,
         name = EXCLUDED.name, block = EXCLUDED.block, string = EXCLUDED.string,
         rated_power_kw = EXCLUDED.rated_power_kw, capacity_kwh = EXCLUDED.capacity_kwh,
         sources = EXCLUDED.sources, updated_at = now()`,
      Object.values(cols)
    );
    for (const d of devices) defs.push(...deviceSeries(d, maps, registry.warnings));
  }
  await upsertSeries(pool, defs, registry, true);
  return registry;
}

/** Loads the lookup of every series in the database (e.g. for a reader that did not register). */
export async function loadRegistry(pool: Pick<Pool, 'query'>): Promise<SeriesRegistry> {
  const registry = new SeriesRegistry();
  const r = await pool.query<{ id: number; device: string; metric: string; kind: 'scalar' | 'array' }>(
    'SELECT id, device, metric, kind FROM series'
  );
  for (const row of r.rows) registry.set(row.device, row.metric, row.id, row.kind);
  return registry;
}
