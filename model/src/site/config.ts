import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { SITE_CODE } from '../deviceId';
import { ConfigError, configErrorFromZod } from '../maps/load';
import type { RegisterMap } from '../maps/types';

/** Fault injection rates, in expected events per device per hour (0 = never). */
const faultsSchema = z
  .object({
    /** the whole gateway stops answering for `commsDropSeconds` */
    commsDrop: z.number().min(0).default(0),
    commsDropSeconds: z.number().min(1).default(20),
    stringTrip: z.number().min(0).default(0),
    contactorFault: z.number().min(0).default(0),
    overTemperature: z.number().min(0).default(0),
    cellImbalance: z.number().min(0).default(0),
    /** how long an injected string fault lasts, seconds */
    faultSeconds: z.number().min(1).default(120),
  })
  .strict()
  .default({
    commsDrop: 0,
    commsDropSeconds: 20,
    stringTrip: 0,
    contactorFault: 0,
    overTemperature: 0,
    cellImbalance: 0,
    faultSeconds: 120,
  });

/** A fault scheduled at a known time (tests and demos), seconds after simulator start. */
const scheduledFaultSchema = z
  .object({
    kind: z.enum(['commsDrop', 'stringTrip', 'contactorFault', 'overTemperature', 'cellImbalance', 'stringCommsLoss']),
    /**
     * device id the fault hits (a string for string faults; for stringCommsLoss the string whose registers stop
     * answering; ignored for commsDrop)
     */
    device: z.string().optional(),
    atSeconds: z.number().min(0),
    durationSeconds: z.number().min(1),
  })
  .strict();

const nodeSchema = z.object({ ratedKw: z.number().positive(), map: z.string().optional() }).strict();

/** One site of a site config file. */
export const siteSchema = z
  .object({
    code: z.string().regex(SITE_CODE, 'site codes are two capital letters and three digits, e.g. FI006'),
    name: z.string().min(1),
    timezone: z.string().default('UTC'),
    /** Modbus TCP gateway of the site (the simulator listens here; the collector connects here). */
    modbus: z
      .object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(1).max(65535) })
      .strict(),
    /** Register map per device kind (map ids = file names under model/maps). */
    maps: z
      .object({
        bessNode: z.string().default('bess-controller'),
        meterNode: z.string().default('meter-float32'),
        pcs: z.string().default('pcs-tmeic'),
        bmsBlock: z.string().default('bms-block-802'),
        bmsString: z.string().default('bms-string-803'),
        cells: z.string().default('cells-805'),
        hvac: z.string().default('hvac'),
        safety: z.string().default('safety'),
        windNode: z.string().default('wind-node'),
        solarNode: z.string().default('solar-node'),
      })
      .strict()
      .default({
        bessNode: 'bess-controller',
        meterNode: 'meter-float32',
        pcs: 'pcs-tmeic',
        bmsBlock: 'bms-block-802',
        bmsString: 'bms-string-803',
        cells: 'cells-805',
        hvac: 'hvac',
        safety: 'safety',
        windNode: 'wind-node',
        solarNode: 'solar-node',
      }),
    blocks: z.number().int().min(1).max(50),
    stringsPerBlock: z.number().int().min(1).max(16),
    cellsPerString: z.number().int().min(1).max(1000).default(416),
    /** PCS rating per block, kW (AC). */
    blockRatedPowerKw: z.number().positive().default(2500),
    /** Nameplate energy per block, kWh (12 strings × 1P416S × 314 Ah × 3.2 V ≈ 5015 kWh). */
    blockCapacityKwh: z.number().positive().default(5015),
    /** Poll cell arrays at all (large sites for benchmarks may turn this off to isolate other loads). */
    pollCells: z.boolean().default(true),
    wind: nodeSchema.optional(),
    solar: nodeSchema.optional(),
    simulation: z
      .object({
        seed: z.number().int().default(1),
        /** ± spread of string state of health around `sohMean`, fraction (0.02 = ±2 %) */
        sohMean: z.number().min(0.5).max(1).default(0.96),
        sohSpread: z.number().min(0).max(0.2).default(0.02),
        initialSoc: z.number().min(0).max(100).default(55),
        faults: faultsSchema,
        scheduledFaults: z.array(scheduledFaultSchema).default([]),
      })
      .strict()
      .default({
        seed: 1,
        sohMean: 0.96,
        sohSpread: 0.02,
        initialSoc: 55,
        faults: faultsSchema.parse({}),
        scheduledFaults: [],
      }),
  })
  .strict();

export const siteConfigSchema = z
  .object({
    sites: z.array(siteSchema).min(1),
  })
  .strict();

export type SiteConfig = z.infer<typeof siteSchema>;
export type SitesFile = z.infer<typeof siteConfigSchema>;
export type ScheduledFault = z.infer<typeof scheduledFaultSchema>;

/**
 * Validates a parsed sites document, including cross-references to the loaded maps.
 * @throws ConfigError naming the file and the site entry (e.g. `sites[1] (EE001).maps.pcs`).
 */
export function parseSitesConfig(data: unknown, file: string, maps?: Map<string, RegisterMap>): SiteConfig[] {
  const parsed = siteConfigSchema.safeParse(data);
  if (!parsed.success) throw configErrorFromZod(file, parsed.error, data);
  const sites = parsed.data.sites;
  const codes = new Set<string>();
  const endpoints = new Set<string>();
  sites.forEach((s, i) => {
    const where = `sites[${i}] (${s.code})`;
    if (codes.has(s.code)) throw new ConfigError(file, where, 'duplicate site code');
    codes.add(s.code);
    const ep = `${s.modbus.host}:${s.modbus.port}`;
    if (endpoints.has(ep)) throw new ConfigError(file, `${where}.modbus`, `endpoint ${ep} used by two sites`);
    endpoints.add(ep);
    if (!maps) return;
    for (const [kind, id] of Object.entries(s.maps)) {
      if ((kind === 'windNode' && !s.wind) || (kind === 'solarNode' && !s.solar)) continue;
      if (!maps.has(id)) throw new ConfigError(file, `${where}.maps.${kind}`, `no register map "${id}"`);
    }
    const cells = maps.get(s.maps.cells);
    const cellV = cells?.points.find((p) => p.metric === 'cellVoltages');
    if (cellV && cellV.count !== s.cellsPerString)
      throw new ConfigError(
        file,
        `${where}.cellsPerString`,
        `${s.cellsPerString} cells but map ${s.maps.cells} has ${cellV.count}`
      );
  });
  return sites;
}

/**
 * Reads and validates a sites file (YAML or JSON).
 * @throws ConfigError naming the file and the entry.
 */
export function loadSitesConfig(file: string, maps?: Map<string, RegisterMap>): SiteConfig[] {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, '(file)', (e as Error).message.split('\n')[0]);
  }
  return parseSitesConfig(data, file, maps);
}
