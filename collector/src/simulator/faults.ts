import { ConfigError, type DeviceInstance, type RegisterMap, type SiteConfig } from '@openbess/model';
import { Rng, subSeed } from './random';

/**
 * Fault injection: faults at configurable rates (Poisson arrivals, expected events per device per
 * hour, `simulation.faults`) and at scheduled times (`simulation.scheduledFaults`, seconds after the
 * simulator start). A pure function of simulated time and seed: stepping the model in big or small
 * steps gives the same faults.
 *
 * Deterministic schedule for tests and demos, e.g. in a site config:
 *
 * ```yaml
 * simulation:
 *   scheduledFaults:
 *     - { kind: contactorFault, device: FI006ES1BK1BS2, atSeconds: 40, durationSeconds: 30 }
 *     - { kind: overTemperature, device: FI006ES1BK2BS1, atSeconds: 4, durationSeconds: 66 }
 *     - { kind: stringCommsLoss, device: FI006ES1BK1BS3, atSeconds: 0, durationSeconds: 3600 }
 * ```
 *
 * `stringCommsLoss` (scheduled only, no rate) silences one string: the gateway answers reads of that
 * string's registers with exception 0x0B (gateway target device failed to respond) while the rest of
 * its BMS unit keeps answering.
 */

/** Kinds of fault the simulator injects. */
export type FaultKind =
  'commsDrop' | 'stringTrip' | 'contactorFault' | 'overTemperature' | 'cellImbalance' | 'stringCommsLoss';

/** Faults that hit one battery string and have a random rate (`simulation.faults`). */
export const STRING_FAULTS: readonly FaultKind[] = ['stringTrip', 'contactorFault', 'overTemperature', 'cellImbalance'];

/** An injected fault. Times are epoch ms; the fault is active for startMs ≤ t < endMs. */
export interface Fault {
  kind: FaultKind;
  /** Battery-string device id, or the site code for commsDrop. */
  device: string;
  startMs: number;
  endMs: number;
  /** 'scheduled' from the config, 'random' from the rates. */
  origin: 'scheduled' | 'random';
}

interface Arrival {
  kind: FaultKind;
  device: string;
  rng: Rng;
  meanGapMs: number;
  durationMs: number;
  nextMs: number;
}

/**
 * Checks the scheduled faults of a site: string faults must name a battery string of the site.
 * @param file - config file name, for the error
 * @param index - position of the site in the file
 * @throws ConfigError naming `sites[i] (CODE).simulation.scheduledFaults[j]`
 */
export function validateScheduledFaults(site: SiteConfig, stringIds: string[], file: string, index: number): void {
  site.simulation.scheduledFaults.forEach((f, j) => {
    if (f.kind === 'commsDrop' || f.device === undefined) return;
    if (!stringIds.includes(f.device)) {
      throw new ConfigError(
        file,
        `sites[${index}] (${site.code}).simulation.scheduledFaults[${j}].device`,
        `"${f.device}" is not a battery string of ${site.code} (e.g. ${stringIds[0]})`
      );
    }
  });
}

/** The fault schedule of one site. */
export class FaultSchedule {
  private readonly faults: Fault[] = [];
  private readonly arrivals: Arrival[] = [];
  private horizonMs: number;

  /**
   * @param site - the site config (rates and scheduled faults)
   * @param stringIds - device ids of the site's battery strings
   * @param startMs - simulator start; scheduled `atSeconds` count from here
   * @throws Error when a scheduled fault names a device that is not a string of the site
   */
  constructor(site: SiteConfig, stringIds: string[], startMs: number) {
    validateScheduledFaults(site, stringIds, '(site config)', 0);
    const sim = site.simulation;
    sim.scheduledFaults.forEach((f, j) => {
      const device =
        f.kind === 'commsDrop'
          ? site.code
          : (f.device ?? stringIds[subSeed(sim.seed, 'scheduled', j) % stringIds.length]);
      const s = startMs + f.atSeconds * 1000;
      this.faults.push({ kind: f.kind, device, startMs: s, endMs: s + f.durationSeconds * 1000, origin: 'scheduled' });
    });
    const rates = sim.faults;
    const add = (kind: FaultKind, device: string, perHour: number, durationS: number): void => {
      if (perHour <= 0) return;
      const rng = new Rng(subSeed(sim.seed, 'fault', kind, device));
      const meanGapMs = 3_600_000 / perHour;
      this.arrivals.push({
        kind,
        device,
        rng,
        meanGapMs,
        durationMs: durationS * 1000,
        nextMs: startMs + rng.exponential(meanGapMs),
      });
    };
    add('commsDrop', site.code, rates.commsDrop, rates.commsDropSeconds);
    for (const id of stringIds) {
      for (const kind of STRING_FAULTS)
        add(kind, id, rates[kind as Exclude<FaultKind, 'commsDrop' | 'stringCommsLoss'>], rates.faultSeconds);
    }
    this.horizonMs = startMs;
  }

  /** Generates random arrivals up to `timeMs` and drops faults that ended more than an hour ago. */
  advance(timeMs: number): void {
    if (timeMs <= this.horizonMs) return;
    for (const a of this.arrivals) {
      while (a.nextMs <= timeMs) {
        this.faults.push({
          kind: a.kind,
          device: a.device,
          startMs: a.nextMs,
          endMs: a.nextMs + a.durationMs,
          origin: 'random',
        });
        a.nextMs += a.durationMs + a.rng.exponential(a.meanGapMs);
      }
    }
    this.horizonMs = timeMs;
    const keepAfter = timeMs - 3_600_000;
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i];
      if (f.origin === 'random' && f.endMs < keepAfter) this.faults.splice(i, 1);
    }
  }

  /** Faults active at `timeMs` (call {@link advance} first). */
  active(timeMs: number): Fault[] {
    return this.faults.filter((f) => f.startMs <= timeMs && timeMs < f.endMs);
  }

  /** Whether a fault of `kind` is active on `device` at `timeMs`. */
  isActive(kind: FaultKind, device: string, timeMs: number): boolean {
    for (const f of this.faults)
      if (f.kind === kind && f.device === device && f.startMs <= timeMs && timeMs < f.endMs) return true;
    return false;
  }

  /** All known faults (scheduled ones, and random ones that ended less than an hour before the horizon). */
  all(): readonly Fault[] {
    return this.faults;
  }
}

/** Registers a map occupies from its base: one past the highest register of any point. */
function mapExtent(map: RegisterMap): number {
  let end = 0;
  for (const p of map.points) end = Math.max(end, p.address + p.words * p.count);
  return end;
}

/**
 * Whether a read of `length` registers at `address` of unit `unitId` touches a device silenced by an
 * active `stringCommsLoss` fault (any source of the device on that unit, from its base to the end of its map).
 * @param active - the faults active now ({@link FaultSchedule.active})
 */
export function isSilencedRead(
  active: readonly Fault[],
  devices: readonly DeviceInstance[],
  maps: ReadonlyMap<string, RegisterMap>,
  unitId: number,
  address: number,
  length: number
): boolean {
  for (const f of active) {
    if (f.kind !== 'stringCommsLoss') continue;
    const d = devices.find((x) => x.id === f.device);
    for (const src of d?.sources ?? []) {
      if (src.unitId !== unitId) continue;
      const map = maps.get(src.map);
      const end = src.base + (map ? mapExtent(map) : 0);
      if (address < end && address + length > src.base) return true;
    }
  }
  return false;
}
