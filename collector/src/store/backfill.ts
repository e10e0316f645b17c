import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { RegisterMap, SiteConfig } from '@openbess/model';
import { SiteModel } from '../simulator/site-model';
import type { SampleBatch } from '../types';
import { registerSites, type SeriesRegistry } from './registry';
import { refreshRollups } from './rollup';
import { refreshAggregates } from './timescale';
import { createWriter, type WriteResult } from './writer';

/**
 * Scalar metrics the dashboards chart (site/plant power and energy, SOC/SOH/SOE, string and cell
 * extremes, PCS and HVAC temperatures, status words): the default metric set of a backfill. Cell
 * arrays and everything else come with `allMetrics`.
 */
export const DASHBOARD_METRICS: readonly string[] = [
  'activePower',
  'reactivePower',
  'frequency',
  'activePowerSetValue',
  'availableChargePower',
  'availableDischargePower',
  'availablePower',
  'windSpeed',
  'irradiance',
  'exportedEnergyTotal',
  'importedEnergyTotal',
  'chargedEnergyTotal',
  'dischargedEnergyTotal',
  'stateOfCharge',
  'stateOfHealth',
  'energyAvailable',
  'dcVoltage',
  'dcCurrent',
  'dcPower',
  'maxCellVoltage',
  'minCellVoltage',
  'averageCellVoltage',
  'maxCellTemperature',
  'minCellTemperature',
  'averageCellTemperature',
  'stringsConnected',
  'igbtTemperature',
  'heatSinkTemperature',
  'containerTemperature',
  'hvacPower',
  'pcsStatus',
  'pcsAlarms',
  'bmsEvents',
  'stringStatus',
  'stringEvents',
  'contactorState',
  'hvacStatus',
  'safetyStatus',
];

/** Options of {@link backfill}. */
export interface BackfillOptions {
  pool: Pool;
  sites: SiteConfig[];
  maps: Map<string, RegisterMap>;
  /** Days of history (default 30; fractions allowed). */
  days?: number;
  /** End of the history, epoch ms (default: now); rounded down to a whole step. */
  endMs?: number;
  /** Sample spacing, ms (default 60 000 = 1-minute history; also the simulator's integration step). */
  stepMs?: number;
  /** Every metric of every map, cell arrays and nameplate attributes included (default: {@link DASHBOARD_METRICS}). */
  allMetrics?: boolean;
  /** Points per write transaction (default 50 000). */
  batchPoints?: number;
  /** Series lookup (default: registerSites). */
  registry?: SeriesRegistry;
  /** Called after every simulated step: steps done and total over all sites. */
  onProgress?: (done: number, total: number, site: string) => void;
  logger?: Logger;
}

/** What a backfill stored. */
export interface BackfillResult {
  startMs: number;
  endMs: number;
  /** Simulated steps over all sites. */
  steps: number;
  /** Points sent (scalars + array elements); on a re-run the database skips those it has. */
  points: number;
  /** Writes per path: `copy` (new rows), `staging` (overlapping a stored range), `insert` (PGlite). */
  paths: Record<WriteResult['path'], number>;
  /** Continuous aggregates refreshed for the range (0 without TimescaleDB). */
  aggregatesRefreshed: number;
}

/**
 * Fills history with the simulator's physics ({@link SiteModel}): for each site, the model starts
 * `days` before `endMs` and is stepped in `stepMs` steps; after each step every selected metric of
 * every device is written at the step's time, straight into the store through the writer (COPY;
 * batches that overlap stored rows are redone with ON CONFLICT DO NOTHING), so a re-run adds no
 * duplicates. Simulation of the next batch overlaps the database write of the previous one.
 * A metric two maps of one device define is written once (the first, as in the registry).
 *
 * @throws Error for a non-positive `days`/`stepMs`, or the first write error
 */
export async function backfill(opts: BackfillOptions): Promise<BackfillResult> {
  const days = opts.days ?? 30;
  const stepMs = opts.stepMs ?? 60_000;
  if (!(days > 0)) throw new Error(`backfill: days must be > 0, got ${days}`);
  if (!(stepMs >= 1000)) throw new Error(`backfill: stepMs must be >= 1000, got ${stepMs}`);
  const endMs = Math.floor((opts.endMs ?? Date.now()) / stepMs) * stepMs;
  const steps = Math.max(1, Math.round((days * 86_400_000) / stepMs));
  const startMs = endMs - steps * stepMs;
  const registry = opts.registry ?? (await registerSites(opts.pool, opts.sites, opts.maps));
  const writer = createWriter(opts.pool, registry, opts.logger ? { logger: opts.logger } : {});
  const wanted = opts.allMetrics ? null : new Set(DASHBOARD_METRICS);
  const batchPoints = opts.batchPoints ?? 50_000;
  const result: BackfillResult = {
    startMs,
    endMs,
    steps: 0,
    points: 0,
    paths: { copy: 0, staging: 0, insert: 0 },
    aggregatesRefreshed: 0,
  };
  const total = steps * opts.sites.length;
  let pending: Promise<void> | null = null;
  const flush = async (batch: SampleBatch) => {
    if (pending) await pending;
    pending = writer.write(batch).then((r) => {
      result.paths[r.path]++;
    });
  };
  for (const site of opts.sites) {
    const model = new SiteModel(site, { maps: opts.maps, startTime: startMs, tickMs: stepMs });
    let batch: SampleBatch = { samples: [], arrays: [], attributes: [], polls: [] };
    let points = 0;
    for (let k = 1; k <= steps; k++) {
      const t = startMs + k * stepMs;
      model.step(t);
      const seen = new Set<string>();
      for (const v of model.values({ arrays: !!opts.allMetrics, attributes: !!opts.allMetrics })) {
        if (wanted && !wanted.has(v.metric)) continue;
        const key = `${v.device}\u0000${v.metric}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (typeof v.value === 'number' || v.value === null) {
          if (v.point.kind === 'attribute') continue;
          batch.samples.push({ time: t, device: v.device, metric: v.metric, value: v.value });
          points++;
        } else if (Array.isArray(v.value)) {
          batch.arrays.push({ time: t, device: v.device, metric: v.metric, values: v.value });
          points += v.value.length;
        } else if (k === steps) {
          batch.attributes.push({ time: t, device: v.device, name: v.metric, value: v.value });
        }
      }
      result.steps++;
      opts.onProgress?.(result.steps, total, site.code);
      if (points >= batchPoints || k === steps) {
        result.points += points;
        await flush(batch);
        batch = { samples: [], arrays: [], attributes: [], polls: [] };
        points = 0;
      }
    }
  }
  if (pending) await pending;
  result.aggregatesRefreshed = await refreshAggregates(opts.pool, startMs, endMs);
  // the writer merged the 5-minute rollups; bring 15 min / 1 h / 1 d up to date now (plain PostgreSQL)
  await refreshRollups(opts.pool);
  return result;
}
