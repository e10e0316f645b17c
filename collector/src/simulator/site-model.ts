import { siteDevices, type DeviceInstance, type RegisterMap, type SiteConfig } from '@openbess/model';
import { BatteryString } from './battery';
import { LocalClock } from './clock';
import {
  arbitragePlan,
  arbitragePower,
  ARBITRAGE_HOURS,
  clampSetpoint,
  FCR_SHARE,
  fcrResponse,
  socLimits,
  SOC_MAX,
  SOC_MIN,
} from './dispatch';
import { Environment, type EnvironmentState } from './environment';
import { FaultSchedule, isSilencedRead, type Fault } from './faults';
import {
  accumulate,
  Block,
  REACTIVE_CAPABILITY,
  solarPowerFraction,
  transformerLossFraction,
  VOLTAGE_DROOP_PU,
  windPowerFraction,
  type EnergyCounters,
} from './plant';
import { Rng, subSeed } from './random';
import { siteValues, type SimValue, type ValueSelection } from './values';

/** Options of a {@link SiteModel}. */
export interface SiteModelOptions {
  /** Register maps by id (the same maps the collector reads); `values()` walks their points. */
  maps: Map<string, RegisterMap>;
  /** Simulated start time, epoch ms (default: now). Scheduled faults count from here. */
  startTime?: number;
  /** Integration step, ms (default 1000). The backfill may use up to 60 000 for speed. */
  tickMs?: number;
  /** Cell arrays are recomputed at most this often, ms (default 5000; cells are polled every 30 s). */
  cellIntervalMs?: number;
}

/** Plant-level quantities at the current time (kW, kVAr, kWh; + discharge/export). */
export interface PlantState {
  /** Arbitrage part of the plant setpoint. */
  arbitrageKw: number;
  /** FCR part of the plant setpoint (average over the last tick). */
  fcrKw: number;
  /** Plant active-power setpoint after SOC limits. */
  setpointKw: number;
  reactiveSetpointKvar: number;
  /** BESS active power at the point of connection = Σ block AC − transformer losses. */
  bessKw: number;
  bessKvar: number;
  transformerLossKw: number;
  /** Σ block auxiliaries (HVAC + standing loads). */
  auxKw: number;
  windKw: number;
  solarKw: number;
  /** Grid meter = BESS − auxiliaries + wind + solar. */
  meterKw: number;
  meterKvar: number;
  availableDischargeKw: number;
  availableChargeKw: number;
  bess: EnergyCounters;
  meter: EnergyCounters;
  wind: EnergyCounters;
  solar: EnergyCounters;
}

/**
 * Physics of one simulated BESS site: a pure, deterministic model (seeded by `simulation.seed`)
 * advanced with {@link SiteModel.step}; {@link SiteModel.values} gives every metric of every map point.
 *
 * Dispatch: day-ahead price arbitrage + FCR on a simulated grid frequency (dispatch.ts); blocks follow
 * the plant setpoint in proportion to their available capacity; strings integrate SOC with
 * charge/discharge efficiency (battery.ts); HVAC keeps each container near 25 °C (thermal.ts).
 */
export class SiteModel {
  readonly site: SiteConfig;
  readonly devices: DeviceInstance[];
  readonly maps: Map<string, RegisterMap>;
  readonly startTime: number;
  readonly tickMs: number;
  readonly cellIntervalMs: number;
  readonly blocks: Block[];
  readonly strings: BatteryString[];
  readonly env: Environment;
  readonly clock: LocalClock;
  readonly faults: FaultSchedule;
  readonly plant: PlantState;
  /** Rated power of the BESS, kW, and of the wind/solar nodes. */
  readonly ratedKw: number;
  /** Simulated time of the state, epoch ms. */
  timeMs: number;
  private planDay = Number.NaN;
  private plan: number[] = [];
  private planPrevious = 0;
  private lastCellMs = Number.NEGATIVE_INFINITY;
  private active: Fault[] = [];

  /**
   * @throws Error when a map the site refers to is missing, or a scheduled fault names an unknown string
   */
  constructor(site: SiteConfig, options: SiteModelOptions) {
    this.site = site;
    this.maps = options.maps;
    this.devices = siteDevices(site);
    for (const d of this.devices)
      for (const s of d.sources)
        if (!this.maps.has(s.map))
          throw new Error(`site ${site.code}: device ${d.id} uses unknown register map "${s.map}"`);
    this.startTime = options.startTime ?? Date.now();
    this.tickMs = options.tickMs ?? 1000;
    this.cellIntervalMs = options.cellIntervalMs ?? 5000;
    this.timeMs = this.startTime;
    const sim = site.simulation;
    this.clock = new LocalClock(site.timezone);
    this.env = new Environment(sim.seed, site.code, this.clock, this.startTime);
    const rng = new Rng(subSeed(sim.seed, 'site', site.code));
    const stringKwh = site.blockCapacityKwh / site.stringsPerBlock;
    const cyclesSoFar = 150 + 300 * rng.next();
    this.strings = [];
    this.blocks = [];
    for (let b = 1; b <= site.blocks; b++) {
      const list: BatteryString[] = [];
      for (let s = 1; s <= site.stringsPerBlock; s++) {
        const id = this.devices.find((d) => d.profile === 'batteryString' && d.block === b && d.string === s)!.id;
        const soh = Math.min(1, sim.sohMean + sim.sohSpread * (2 * rng.next() - 1));
        const soc = Math.max(0, Math.min(100, sim.initialSoc + 0.5 * rng.normal()));
        const sr = new Rng(subSeed(sim.seed, 'string', id));
        const str = new BatteryString(
          id,
          b,
          s,
          site.cellsPerString,
          stringKwh * soh,
          soh,
          soc,
          26,
          sr,
          cyclesSoFar * stringKwh * soh
        );
        list.push(str);
        this.strings.push(str);
      }
      const blockId = this.devices.find((d) => d.profile === 'bessBlock' && d.block === b)!.id;
      this.blocks.push(
        new Block(blockId, b, site.blockRatedPowerKw, site.blockCapacityKwh, list, this.env.state.outdoorC)
      );
    }
    this.ratedKw = site.blockRatedPowerKw * site.blocks;
    this.faults = new FaultSchedule(
      site,
      this.strings.map((s) => s.id),
      this.startTime
    );
    const dis = this.blocks.reduce((s, b) => s + b.dischargedKwh, 0);
    const cha = this.blocks.reduce((s, b) => s + b.chargedKwh, 0);
    const meterBase = 1000 + 5000 * rng.next();
    this.plant = {
      arbitrageKw: 0,
      fcrKw: 0,
      setpointKw: 0,
      reactiveSetpointKvar: 0,
      bessKw: 0,
      bessKvar: 0,
      transformerLossKw: 0,
      auxKw: 0,
      windKw: 0,
      solarKw: 0,
      meterKw: 0,
      meterKvar: 0,
      availableDischargeKw: 0,
      availableChargeKw: 0,
      bess: { exportedKwh: dis * 0.99, importedKwh: cha * 1.01 },
      meter: { exportedKwh: dis * 0.99 + meterBase * 10, importedKwh: cha * 1.01 + meterBase },
      wind: { exportedKwh: site.wind ? site.wind.ratedKw * 2000 * (1 + rng.next()) : 0, importedKwh: 0 },
      solar: { exportedKwh: site.solar ? site.solar.ratedKw * 900 * (1 + rng.next()) : 0, importedKwh: 0 },
    };
    this.tick(0);
    this.updateCells(true);
  }

  /** Current environment (grid frequency, voltage, weather, price). */
  get environment(): EnvironmentState {
    return this.env.state;
  }

  /** Capacity-weighted SOC of the site, %. */
  get soc(): number {
    let e = 0;
    let c = 0;
    for (const b of this.blocks)
      for (const s of b.strings) {
        e += s.soc * s.capacityKwh;
        c += s.capacityKwh;
      }
    return c > 0 ? e / c : 0;
  }

  /** Faults active at the model's current time. */
  activeFaults(): Fault[] {
    return this.active.slice();
  }

  /** Whether a register read of a unit touches a string silenced by a `stringCommsLoss` fault. */
  isSilenced(unitId: number, address: number, length: number): boolean {
    return this.active.length > 0 && isSilencedRead(this.active, this.devices, this.maps, unitId, address, length);
  }

  /** Whether the site gateway is silent (a commsDrop fault is active). */
  get commsDown(): boolean {
    return this.active.some((f) => f.kind === 'commsDrop');
  }

  /**
   * Advances the model to `nowMs` in whole ticks of {@link tickMs} (a time before the current one is ignored).
   */
  step(nowMs: number): void {
    while (this.timeMs + this.tickMs <= nowMs) {
      this.timeMs += this.tickMs;
      this.tick(this.tickMs / 1000);
    }
    this.updateCells(false);
  }

  /**
   * Every metric of every map point of every device, with its current value (see values.ts):
   * `(device, metric, value | number[])` plus the point and source it belongs to.
   */
  values(select: ValueSelection = {}): Generator<SimValue> {
    return siteValues(this, select);
  }

  /** Simulated time the cell arrays were last recomputed, epoch ms. */
  get cellsUpdatedAt(): number {
    return this.lastCellMs;
  }

  private tick(dtS: number): void {
    const t = this.timeMs;
    // environment on its 1 s grid; FCR averaged over the tick
    const reserved = FCR_SHARE * this.ratedKw * this.availability();
    let fcrSum = 0;
    let n = 0;
    const targetSecond = Math.floor(t / 1000);
    while (this.env.second < targetSecond) {
      this.env.tick();
      fcrSum += fcrResponse(this.env.state.frequencyHz, reserved);
      n++;
    }
    const env = this.env.state;
    const fcr = n > 0 ? fcrSum / n : fcrResponse(env.frequencyHz, reserved);
    // faults
    this.faults.advance(t);
    this.active = this.faults.active(t);
    const hit = new Map<string, Set<string>>();
    for (const f of this.active) {
      if (!hit.has(f.device)) hit.set(f.device, new Set());
      hit.get(f.device)!.add(f.kind);
    }
    for (const s of this.strings) {
      const k = hit.size > 0 ? hit.get(s.id) : undefined;
      s.connected = !k?.has('stringTrip');
      s.contactorFault = k?.has('contactorFault') ?? false;
      s.stepFaults(dtS, k?.has('overTemperature') ?? false, k?.has('cellImbalance') ?? false);
    }
    // dispatch
    const hour = this.clock.hourOfDay(t);
    const day = this.clock.dayIndex(t);
    if (day !== this.planDay) {
      this.planPrevious = Number.isNaN(this.planDay) ? arbitragePlan(this.env.dayPrices(day - 1))[23] : this.plan[23];
      this.plan = arbitragePlan(this.env.dayPrices(day));
      this.planDay = day;
    }
    const availKw = this.ratedKw * this.availability();
    const usableKwh =
      this.strings.reduce((s, x) => s + (x.connected ? x.capacityKwh : 0), 0) * ((SOC_MAX - SOC_MIN) / 100);
    const arbKw = Math.min((1 - FCR_SHARE) * availKw, usableKwh / ARBITRAGE_HOURS);
    const p = this.plant;
    p.arbitrageKw = arbitragePower(this.plan, this.planPrevious, hour, arbKw);
    p.fcrKw = fcr;
    const limits = socLimits(this.soc, availKw);
    p.availableDischargeKw = limits.maxDischargeKw;
    p.availableChargeKw = limits.maxChargeKw;
    p.setpointKw = clampSetpoint(p.arbitrageKw + p.fcrKw, limits);
    const qMax = REACTIVE_CAPABILITY * availKw;
    p.reactiveSetpointKvar = Math.max(-qMax, Math.min(qMax, (-(env.voltagePu - 1) / VOLTAGE_DROOP_PU) * qMax));
    // blocks
    const weights = this.blocks.map((b) => b.ratedKw * b.availability);
    const wsum = weights.reduce((s, w) => s + w, 0);
    let sumAc = 0;
    let sumQ = 0;
    let sumAux = 0;
    this.blocks.forEach((b, i) => {
      const share = wsum > 0 ? weights[i] / wsum : 0;
      b.setpointKw = p.setpointKw * share;
      b.reactiveSetpointKvar = p.reactiveSetpointKvar * share;
      const ac = clampSetpoint(b.setpointKw, socLimits(b.soc, b.ratedKw * b.availability));
      b.run(ac, dtS);
      b.reactiveKvar = b.connected.length > 0 ? b.reactiveSetpointKvar : 0;
      const heat = b.strings.reduce((s, x) => s + x.heatToCoolantW, 0);
      b.thermal.step(dtS, env.outdoorC, heat);
      const loading = Math.hypot(b.acKw, b.reactiveKvar) / b.ratedKw;
      b.pcs.step(dtS, env.outdoorC, b.lossKw, loading);
      sumAc += b.acKw;
      sumQ += b.reactiveKvar;
      sumAux += b.auxKw;
    });
    const loading = Math.hypot(sumAc, sumQ) / this.ratedKw;
    p.transformerLossKw = transformerLossFraction(loading) * this.ratedKw;
    p.bessKw = sumAc - p.transformerLossKw;
    p.bessKvar = sumQ;
    p.auxKw = sumAux;
    p.windKw = this.site.wind ? this.site.wind.ratedKw * windPowerFraction(env.windSpeed) : 0;
    p.solarKw = this.site.solar ? this.site.solar.ratedKw * solarPowerFraction(env.irradiance) : 0;
    p.meterKw = p.bessKw - p.auxKw + p.windKw + p.solarKw;
    p.meterKvar = p.bessKvar;
    accumulate(p.bess, p.bessKw, dtS);
    accumulate(p.meter, p.meterKw, dtS);
    accumulate(p.wind, p.windKw, dtS);
    accumulate(p.solar, p.solarKw, dtS);
  }

  /** Share of the site's energy capacity on the DC bus, 0–1. */
  private availability(): number {
    let on = 0;
    let all = 0;
    for (const s of this.strings) {
      all += s.capacityKwh;
      if (s.connected) on += s.capacityKwh;
    }
    return all > 0 ? on / all : 0;
  }

  private updateCells(force: boolean): void {
    if (!force && this.timeMs - this.lastCellMs < this.cellIntervalMs) return;
    this.lastCellMs = this.timeMs;
    for (const s of this.strings) s.updateCells();
  }
}
