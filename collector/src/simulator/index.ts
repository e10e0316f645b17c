import type { RegisterMap, SiteConfig } from '@openbess/model';
import { Gateway } from './gateway';
import { SiteImage } from './image';
import { SiteModel } from './site-model';

/**
 * The site simulator: one {@link SiteModel} (physics) per site, its register images and a Modbus
 * TCP gateway per site, driven by a 1 s timer.
 */

export { SiteModel, type PlantState, type SiteModelOptions } from './site-model';
export { SiteImage, mapScaleFactors, type UnitImage } from './image';
export { Gateway, ModbusException } from './gateway';
export { siteValues, fitValue, bitsValue, enumValue, type SimValue, type ValueSelection } from './values';
export { FaultSchedule, validateScheduledFaults, type Fault, type FaultKind } from './faults';

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Sites to serve (validated site configs). */
  sites: SiteConfig[];
  /** Register maps by id (loadRegisterMaps). */
  maps: Map<string, RegisterMap>;
  /** Listen on this port for every site instead of the configured one: 0 = an ephemeral port per site (tests). */
  port?: number;
  /** Host to listen on (default: each site's `modbus.host`). */
  host?: string;
  /** Simulated seconds per wall-clock second (default 1; 0 freezes the clock, see `advance`). */
  speed?: number;
  /** Simulated start time, epoch ms (default now). */
  startTime?: number;
  /** Image refresh period, wall ms (default 1000). */
  updateMs?: number;
}

/** Endpoint of one simulated site. */
export interface SimulatedSite {
  code: string;
  host: string;
  port: number;
}

/** A running simulator. */
export interface Simulator {
  /** Each site's Modbus TCP endpoint (the bound port when listening on 0). */
  sites: SimulatedSite[];
  /** The physics of a site. @throws Error for an unknown site code */
  model(code: string): SiteModel;
  /** The gateway stops answering (requests time out) until {@link resumeSite}; the physics keeps running. */
  pauseSite(code: string): void;
  resumeSite(code: string): void;
  /** Closes the site's listening socket and its connections (the "server stopped" case). */
  stopSite(code: string): Promise<void>;
  /** Listens again on the same port after {@link stopSite}. */
  startSite(code: string): Promise<void>;
  /** Moves the simulated clock forward by `ms` and refreshes the register images at once. */
  advance(ms: number): void;
  /** Current simulated time, epoch ms. */
  now(): number;
  /** Stops the timer and closes every socket. */
  stop(): Promise<void>;
}

interface Running {
  model: SiteModel;
  image: SiteImage;
  gateway: Gateway;
}

/**
 * Starts the simulator: builds each site's model and register images and listens on each
 * site's gateway port.
 * @throws Error when a map is missing or a port cannot be bound (already-started gateways are closed)
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const speed = options.speed ?? 1;
  const start = options.startTime ?? Date.now();
  const wallStart = Date.now();
  let offsetMs = 0;
  const simNow = (): number => start + (Date.now() - wallStart) * speed + offsetMs;
  const running = new Map<string, Running>();
  for (const site of options.sites) {
    const model = new SiteModel(site, { maps: options.maps, startTime: start });
    const image = new SiteImage(model);
    const gateway = new Gateway(image, options.host ?? site.modbus.host, options.port ?? site.modbus.port);
    running.set(site.code, { model, image, gateway });
  }
  try {
    for (const r of running.values()) await r.gateway.start();
  } catch (e) {
    for (const r of running.values()) await r.gateway.stop();
    throw e;
  }
  const refresh = (): void => {
    const t = simNow();
    for (const r of running.values()) {
      r.model.step(t);
      r.image.update();
    }
  };
  const timer = setInterval(refresh, options.updateMs ?? 1000);
  timer.unref();
  const get = (code: string): Running => {
    const r = running.get(code);
    if (!r) throw new Error(`no simulated site "${code}" (sites: ${[...running.keys()].join(', ')})`);
    return r;
  };
  return {
    sites: [...running.entries()].map(([code, r]) => ({ code, host: r.gateway.host, port: r.gateway.listeningPort })),
    model: (code) => get(code).model,
    pauseSite: (code) => {
      get(code).gateway.paused = true;
    },
    resumeSite: (code) => {
      get(code).gateway.paused = false;
    },
    stopSite: (code) => get(code).gateway.stop(),
    startSite: (code) => get(code).gateway.start(),
    advance: (ms) => {
      offsetMs += ms;
      refresh();
    },
    now: simNow,
    stop: async () => {
      clearInterval(timer);
      for (const r of running.values()) await r.gateway.stop();
    },
  };
}
