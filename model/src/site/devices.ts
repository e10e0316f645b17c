import { bessDeviceId, type DeviceProfile } from '../deviceId';
import type { SiteConfig } from './config';

/**
 * Where a device's registers live behind the site's Modbus TCP gateway: the register map, the unit id
 * and a base address added to every map address (one BMS unit serves all strings of its block, each
 * string's registers at its own base, like the repeating groups of SunSpec 803).
 */
export interface DeviceSource {
  map: string;
  unitId: number;
  base: number;
}

/** A device of a site, expanded from the site config. */
export interface DeviceInstance {
  id: string;
  site: string;
  profile: DeviceProfile;
  /** Parent device id in the site tree, or the site code for top-level nodes. */
  parent: string;
  /** Display name. */
  name: string;
  /** Block number (1-based) for block, string, hvac and safety devices. */
  block?: number;
  /** String number (1-based) for battery strings. */
  string?: number;
  /** Rated AC power, kW (node and block devices). */
  ratedPowerKw?: number;
  /** Nameplate energy, kWh (BESS node, blocks, strings). */
  capacityKwh?: number;
  sources: DeviceSource[];
}

/**
 * Unit-id plan behind one site gateway (documented in the README): BESS controller 1 (the issue's
 * interface: "behind each site's gateway port the BESS controller is unit id 1"), grid meter 2, wind 3,
 * solar 4; block k: PCS 10+k, BMS 60+k, HVAC 110+k, safety 160+k (k ≤ 50, all ≤ 247).
 */
export const UNIT_IDS = {
  bessNode: 1,
  meterNode: 2,
  windNode: 3,
  solarNode: 4,
  pcs: (block: number) => 10 + block,
  bms: (block: number) => 60 + block,
  hvac: (block: number) => 110 + block,
  safety: (block: number) => 160 + block,
} as const;

/** Base address of string `s` (1-based) inside its block's BMS unit. */
export const stringBase = (s: number): number => 1000 + (s - 1) * 200;
/** Base address of the cell arrays of string `s` inside its block's BMS unit. */
export const cellBase = (s: number): number => 10000 + (s - 1) * 2000;

/**
 * Expands a site config into its devices, parents before children (site tree order).
 */
export function siteDevices(site: SiteConfig): DeviceInstance[] {
  const code = site.code;
  const out: DeviceInstance[] = [];
  const stringKwh = site.blockCapacityKwh / site.stringsPerBlock;
  out.push({
    id: `${code}MT1`,
    site: code,
    profile: 'meterNode',
    parent: code,
    name: 'Grid meter',
    sources: [{ map: site.maps.meterNode, unitId: UNIT_IDS.meterNode, base: 0 }],
  });
  const bess = bessDeviceId(code, 1);
  out.push({
    id: bess,
    site: code,
    profile: 'bessNode',
    parent: code,
    name: 'BESS controller',
    ratedPowerKw: site.blockRatedPowerKw * site.blocks,
    capacityKwh: site.blockCapacityKwh * site.blocks,
    sources: [{ map: site.maps.bessNode, unitId: UNIT_IDS.bessNode, base: 0 }],
  });
  if (site.wind) {
    out.push({
      id: `${code}WT1`,
      site: code,
      profile: 'windNode',
      parent: code,
      name: 'Wind farm',
      ratedPowerKw: site.wind.ratedKw,
      sources: [{ map: site.wind.map ?? site.maps.windNode, unitId: UNIT_IDS.windNode, base: 0 }],
    });
  }
  if (site.solar) {
    out.push({
      id: `${code}PV1`,
      site: code,
      profile: 'solarNode',
      parent: code,
      name: 'Solar park',
      ratedPowerKw: site.solar.ratedKw,
      sources: [{ map: site.solar.map ?? site.maps.solarNode, unitId: UNIT_IDS.solarNode, base: 0 }],
    });
  }
  for (let b = 1; b <= site.blocks; b++) {
    const block = bessDeviceId(code, 1, b);
    out.push({
      id: block,
      site: code,
      profile: 'bessBlock',
      parent: bess,
      name: `Block ${b}`,
      block: b,
      ratedPowerKw: site.blockRatedPowerKw,
      capacityKwh: site.blockCapacityKwh,
      sources: [
        { map: site.maps.pcs, unitId: UNIT_IDS.pcs(b), base: 0 },
        { map: site.maps.bmsBlock, unitId: UNIT_IDS.bms(b), base: 0 },
      ],
    });
    for (let s = 1; s <= site.stringsPerBlock; s++) {
      const sources: DeviceSource[] = [{ map: site.maps.bmsString, unitId: UNIT_IDS.bms(b), base: stringBase(s) }];
      if (site.pollCells) sources.push({ map: site.maps.cells, unitId: UNIT_IDS.bms(b), base: cellBase(s) });
      out.push({
        id: bessDeviceId(code, 1, b, s),
        site: code,
        profile: 'batteryString',
        parent: block,
        name: `Block ${b} string ${s}`,
        block: b,
        string: s,
        capacityKwh: stringKwh,
        sources,
      });
    }
    out.push({
      id: `${block}HV1`,
      site: code,
      profile: 'hvac',
      parent: block,
      name: `Block ${b} HVAC`,
      block: b,
      sources: [{ map: site.maps.hvac, unitId: UNIT_IDS.hvac(b), base: 0 }],
    });
    out.push({
      id: `${block}FS1`,
      site: code,
      profile: 'safety',
      parent: block,
      name: `Block ${b} fire & safety`,
      block: b,
      sources: [{ map: site.maps.safety, unitId: UNIT_IDS.safety(b), base: 0 }],
    });
  }
  return out;
}
