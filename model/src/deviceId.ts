/**
 * Device ids follow the plant hierarchy (DEVELOPERS.md): `FI006ES1BK1BS3` = site FI006, storage system 1,
 * block 1, battery string 3. Node devices hang off the site: grid meter `FI006MT1`, wind `FI006WT1`,
 * solar `FI006PV1`. Block auxiliaries hang off the block: HVAC `FI006ES1BK1HV1`, safety `FI006ES1BK1FS1`.
 */

/** Device profiles of the site tree. */
export type DeviceProfile =
  'meterNode' | 'bessNode' | 'bessBlock' | 'batteryString' | 'hvac' | 'safety' | 'windNode' | 'solarNode';

export const DEVICE_PROFILES: readonly DeviceProfile[] = [
  'meterNode',
  'bessNode',
  'bessBlock',
  'batteryString',
  'hvac',
  'safety',
  'windNode',
  'solarNode',
];

/** Site codes: two letters (country) and three digits, e.g. FI006, EE001, GB003. */
export const SITE_CODE = /^[A-Z]{2}[0-9]{3}$/;

const ID = /^([A-Z]{2}[0-9]{3})(?:(MT|WT|PV)(\d+)|ES(\d+)(?:BK(\d+)(?:BS(\d+)|HV(\d+)|FS(\d+))?)?)?$/;

/** The parts of a device id. */
export interface ParsedDeviceId {
  site: string;
  profile: DeviceProfile | 'site';
  system?: number;
  block?: number;
  string?: number;
  /** Index of a node/auxiliary device (meter 1, hvac 1, …). */
  index?: number;
}

/**
 * Parses a device id.
 * @returns null when the id does not follow the hierarchy.
 */
export function parseDeviceId(id: string): ParsedDeviceId | null {
  const m = ID.exec(id);
  if (!m) return null;
  const [, site, node, nodeIdx, es, bk, bs, hv, fs] = m;
  if (node) {
    const profile = node === 'MT' ? 'meterNode' : node === 'WT' ? 'windNode' : 'solarNode';
    return { site, profile, index: Number(nodeIdx) };
  }
  if (!es) return { site, profile: 'site' };
  const system = Number(es);
  if (!bk) return { site, profile: 'bessNode', system };
  const block = Number(bk);
  if (bs) return { site, profile: 'batteryString', system, block, string: Number(bs) };
  if (hv) return { site, profile: 'hvac', system, block, index: Number(hv) };
  if (fs) return { site, profile: 'safety', system, block, index: Number(fs) };
  return { site, profile: 'bessBlock', system, block };
}

/** Builds the id of a BESS device: system only → bessNode, + block → bessBlock, + string → batteryString. */
export function bessDeviceId(site: string, system: number, block?: number, string?: number): string {
  let id = `${site}ES${system}`;
  if (block !== undefined) id += `BK${block}`;
  if (string !== undefined) id += `BS${string}`;
  return id;
}

/** The site code of a device id (its first five characters when valid). */
export function siteOf(deviceId: string): string | null {
  return parseDeviceId(deviceId)?.site ?? null;
}

/** The parent device id in the site tree (string → block → bessNode → site). */
export function parentOf(deviceId: string): string | null {
  const p = parseDeviceId(deviceId);
  if (!p || p.profile === 'site') return null;
  switch (p.profile) {
    case 'batteryString':
    case 'hvac':
    case 'safety':
      return bessDeviceId(p.site, p.system!, p.block);
    case 'bessBlock':
      return bessDeviceId(p.site, p.system!);
    default:
      return p.site;
  }
}
