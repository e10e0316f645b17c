import type { BatteryString } from './battery';
import { BLOCK_BASE_AUX_KW, BlockThermal, PCS_EFFICIENCY, PcsThermal } from './thermal';

/**
 * Plant-level state of a simulated site: blocks (PCS + BMS + HVAC), the BESS controller at the
 * point of connection, wind/solar nodes and the grid meter. Power in kW, generator convention.
 */

/**
 * MV transformer and cabling losses between the blocks and the BESS point of connection:
 * no-load 0.1 % of rated plus load losses 0.8 % of rated at full load (∝ loading²) —
 * typical for oil-immersed distribution transformers (EN 50588-1 Tier 2 class, ~1 % total at rated load).
 */
export const TRANSFORMER_NO_LOAD_LOSS = 0.001;
export const TRANSFORMER_LOAD_LOSS = 0.008;
/** Reactive-power capability as a fraction of rated active power (PF 0.95 → tan φ ≈ 0.33). */
export const REACTIVE_CAPABILITY = 0.33;
/** Voltage droop of the reactive-power control, per unit voltage for full reactive power. */
export const VOLTAGE_DROOP_PU = 0.05;
/** Nominal AC line-to-line voltage on the PCS LV side, V. */
export const PCS_AC_VOLTAGE = 690;
/** Nominal line-to-line voltage at the grid meter (MV point of connection), V. */
export const GRID_VOLTAGE = 20_000;

/** One block: its PCS, its strings and its HVAC. */
export class Block {
  /** Active power setpoint sent to the PCS, kW. */
  setpointKw = 0;
  reactiveSetpointKvar = 0;
  /** AC active power, kW. */
  acKw = 0;
  /** AC reactive power, kVAr. */
  reactiveKvar = 0;
  /** DC power of the PCS (Σ strings), kW. */
  dcKw = 0;
  /** PCS conversion losses, kW. */
  lossKw = 0;
  /** AC energy counters of the PCS, kWh. */
  dischargedKwh: number;
  chargedKwh: number;
  readonly thermal: BlockThermal;
  readonly pcs: PcsThermal;

  constructor(
    readonly id: string,
    readonly index: number,
    readonly ratedKw: number,
    readonly capacityKwh: number,
    readonly strings: BatteryString[],
    outdoorC: number
  ) {
    this.thermal = new BlockThermal(24);
    this.pcs = new PcsThermal(outdoorC);
    this.dischargedKwh = strings.reduce((s, x) => s + x.dischargedKwh, 0) * PCS_EFFICIENCY;
    this.chargedKwh = strings.reduce((s, x) => s + x.chargedKwh, 0) / PCS_EFFICIENCY;
  }

  /** Connected strings. */
  get connected(): BatteryString[] {
    return this.strings.filter((s) => s.connected);
  }

  /** Share of the block's energy capacity that is on the DC bus, 0–1. */
  get availability(): number {
    let on = 0;
    let all = 0;
    for (const s of this.strings) {
      all += s.capacityKwh;
      if (s.connected) on += s.capacityKwh;
    }
    return all > 0 ? on / all : 0;
  }

  /** Capacity-weighted SOC of the connected strings (all strings when none is connected), %. */
  get soc(): number {
    const list = this.connected.length > 0 ? this.connected : this.strings;
    let e = 0;
    let c = 0;
    for (const s of list) {
      e += s.soc * s.capacityKwh;
      c += s.capacityKwh;
    }
    return c > 0 ? e / c : 0;
  }

  /** DC bus voltage: mean of the connected strings' terminal voltages (parallel strings), V. */
  get dcVoltage(): number {
    const list = this.connected.length > 0 ? this.connected : this.strings;
    return list.reduce((s, x) => s + x.voltageV, 0) / list.length;
  }

  /** DC current of the PCS, A (+ discharge). */
  get dcCurrent(): number {
    return this.strings.reduce((s, x) => s + x.currentA, 0);
  }

  /** Auxiliary consumption (HVAC + standing load), kW. */
  get auxKw(): number {
    return this.thermal.powerKw + BLOCK_BASE_AUX_KW;
  }

  /**
   * Runs the PCS for `dtS` s at `acKw`: DC power = AC / η on discharge, AC · η on charge
   * (η = {@link PCS_EFFICIENCY}), split over the connected strings in proportion to their capacity
   * so their SOCs move together.
   */
  run(acKw: number, dtS: number): void {
    const on = this.connected;
    if (on.length === 0) acKw = 0;
    this.acKw = acKw;
    this.dcKw = acKw > 0 ? acKw / PCS_EFFICIENCY : acKw * PCS_EFFICIENCY;
    this.lossKw = Math.abs(this.dcKw - this.acKw);
    const cap = on.reduce((s, x) => s + x.capacityKwh, 0);
    const coolant = this.thermal.coolantC;
    for (const s of this.strings) s.step(s.connected && cap > 0 ? (this.dcKw * s.capacityKwh) / cap : 0, dtS, coolant);
    const hours = dtS / 3600;
    if (acKw > 0) this.dischargedKwh += acKw * hours;
    else this.chargedKwh += -acKw * hours;
  }
}

/** Wind power curve: cubic from cut-in 3 m/s to rated 12 m/s, rated to cut-out 25 m/s (generic IEC class II turbine). */
export function windPowerFraction(speed: number): number {
  if (speed < 3 || speed >= 25) return 0;
  if (speed >= 12) return 1;
  return ((speed - 3) / 9) ** 3;
}

/** Solar power fraction from irradiance (W/m²) with a performance ratio of 0.85, capped at 1. */
export function solarPowerFraction(irradiance: number): number {
  return Math.min(1, (irradiance / 1000) * 0.85);
}

/** Transformer losses for a loading (apparent power / rated), as a fraction of rated power. */
export function transformerLossFraction(loading: number): number {
  return TRANSFORMER_NO_LOAD_LOSS + TRANSFORMER_LOAD_LOSS * loading * loading;
}

/** Counters of a node, kWh (only grow). */
export interface EnergyCounters {
  exportedKwh: number;
  importedKwh: number;
}

/** Adds `kw` for `dtS` s to export (kw > 0) or import (kw < 0). */
export function accumulate(c: EnergyCounters, kw: number, dtS: number): void {
  if (kw > 0) c.exportedKwh += (kw * dtS) / 3600;
  else if (kw < 0) c.importedKwh += (-kw * dtS) / 3600;
}
