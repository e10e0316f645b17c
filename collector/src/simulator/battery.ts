import { CELL_HEAT_CAPACITY_J_PER_K, CELL_MAX_V, CELL_MIN_V, CELL_RESISTANCE_OHM, lfpOcv } from './lfp';
import type { Rng } from './random';

/**
 * One battery string (rack) of series LFP cells: SOC integration with charge/discharge efficiency,
 * lumped cell temperature with I²R heating, and per-cell voltage/temperature arrays.
 * Power and current follow the generator convention: + discharge, − charge.
 */

/**
 * One-way energy efficiency of the battery (DC terminals ↔ stored energy): 0.965 each way,
 * i.e. a DC–DC round trip of 0.965² ≈ 93 %, typical for LFP at 0.25–0.5 C (container datasheets
 * state 92–95 % DC round-trip efficiency; TWAICE commissioning tests measure DC–DC RTE).
 */
export const CHARGE_EFFICIENCY = 0.965;
export const DISCHARGE_EFFICIENCY = 0.965;
/**
 * Thermal conductance cell string → coolant, W/K (liquid-cooled rack: ~5 K rise at 0.5 C, thermal
 * time constant ≈ 416 × 5.6 kJ/K ÷ 500 W/K ≈ 1.3 h).
 */
export const STRING_TO_COOLANT_W_PER_K = 500;
/** Over-temperature warning / alarm thresholds of the BMS, °C (LFP charging limit 55–60 °C; datasheets). */
export const OVER_TEMP_WARNING_C = 45;
export const OVER_TEMP_ALARM_C = 55;
/** Hysteresis before a temperature or imbalance flag clears (K, V). */
export const TEMP_HYSTERESIS_K = 3;
/**
 * Cell voltage spread that raises the voltage-imbalance warning, V (80 mV: "unbalanced" threshold of
 * dbus-serialbattery's default config; OpenEMS flags > 100 mV — bess-domain.md §5).
 */
export const IMBALANCE_WARNING_V = 0.08;
export const IMBALANCE_HYSTERESIS_V = 0.02;
/** Balancing starts for cells this far above the string's lowest cell while SOC > 80 % and charging, V. */
export const BALANCING_THRESHOLD_V = 0.015;
/** Temperature excess of an over-temperature fault's hot module, K, reached after `OVERTEMP_RAMP_S`. */
export const OVERTEMP_EXCESS_K = 35;
export const OVERTEMP_RAMP_S = 60;
/** Cool-down / recovery time constant after a fault ends, s. */
export const FAULT_RECOVERY_TAU_S = 20;
/** Voltage drift rate of an imbalanced cell, V/s, and its largest drift, V. */
export const IMBALANCE_DRIFT_V_PER_S = 0.002;
export const IMBALANCE_MAX_DRIFT_V = 0.15;

/** Location of an extreme cell value: 1-based cell index. */
export interface CellStats {
  maxV: number;
  minV: number;
  avgV: number;
  maxVCell: number;
  minVCell: number;
  maxT: number;
  minT: number;
  avgT: number;
  maxTCell: number;
  minTCell: number;
}

/** Simulated battery string. */
export class BatteryString {
  /** State of charge, %. */
  soc: number;
  /** Lumped cell temperature, °C. */
  temperatureC: number;
  /** DC current, A (+ discharge). */
  currentA = 0;
  /** DC power at the string terminals, kW (+ discharge). */
  powerKw = 0;
  /** Terminal voltage, V (Σ cell voltages). */
  voltageV: number;
  /** Contactors closed (string on the DC bus). */
  connected = true;
  /** DC energy counters, kWh (only grow). */
  chargedKwh: number;
  dischargedKwh: number;
  readonly cellVoltages: Float64Array;
  readonly cellTemperatures: Float64Array;
  /** Balancing flags, 16 cells per word (bit i of word w = cell 16w + i + 1). */
  readonly balancing: Uint16Array;
  stats: CellStats;
  /** Fault-driven quantities (0 when healthy). */
  overTempExcessK = 0;
  imbalanceDriftV = 0;
  /** Contactor fault injected: the reported contactor state is wrong. */
  contactorFault = false;
  /** Latched BMS flags with hysteresis. */
  overTempWarning = false;
  overTempAlarm = false;
  imbalanceWarning = false;
  /** Heat flow to the coolant in the last step, W. */
  heatToCoolantW = 0;

  private readonly socOffset: Float64Array;
  private readonly vOffset: Float64Array;
  private readonly tOffset: Float64Array;
  private readonly hotStart: number;
  private readonly driftCell: number;
  private readonly resistance: number;
  /** Σ cells − (n·OCV(soc) − I·R) at the last cell update, so voltageV tracks Σ cells between updates. */
  private cellDeviationV = 0;

  /**
   * @param id - device id (e.g. FI006ES1BK1BS3)
   * @param cells - cells in series (416 for a 1P416S rack)
   * @param capacityKwh - usable nameplate energy × SOH, kWh
   * @param soh - state of health, fraction
   */
  constructor(
    readonly id: string,
    readonly block: number,
    readonly string: number,
    readonly cells: number,
    readonly capacityKwh: number,
    readonly soh: number,
    soc: number,
    temperatureC: number,
    rng: Rng,
    counterKwh: number
  ) {
    this.soc = soc;
    this.temperatureC = temperatureC;
    this.chargedKwh = counterKwh / DISCHARGE_EFFICIENCY / CHARGE_EFFICIENCY;
    this.dischargedKwh = counterKwh;
    this.cellVoltages = new Float64Array(cells);
    this.cellTemperatures = new Float64Array(cells);
    this.balancing = new Uint16Array(Math.ceil(cells / 16));
    this.socOffset = new Float64Array(cells);
    this.vOffset = new Float64Array(cells);
    this.tOffset = new Float64Array(cells);
    for (let i = 0; i < cells; i++) {
      this.socOffset[i] = 0.12 * rng.normal(); // % SOC, cell-to-cell capacity/self-discharge spread
      this.vOffset[i] = 0.0015 * rng.normal(); // V, measurement and contact offsets
      // module position: cells in the middle of each 52-cell module run warmer (up to +2 K)
      const pos = (i % 52) / 51;
      this.tOffset[i] = 2 * Math.sin(Math.PI * pos) + 0.3 * rng.normal() - 0.6;
    }
    this.hotStart = Math.floor(rng.next() * Math.max(1, cells - 52));
    this.driftCell = Math.floor(rng.next() * cells);
    this.resistance = cells * CELL_RESISTANCE_OHM;
    this.voltageV = cells * lfpOcv(soc);
    this.stats = {
      maxV: 0,
      minV: 0,
      avgV: 0,
      maxVCell: 1,
      minVCell: 1,
      maxT: 0,
      minT: 0,
      avgT: 0,
      maxTCell: 1,
      minTCell: 1,
    };
    this.updateCells();
  }

  /** Heat capacity of the string's cells, J/K. */
  get heatCapacity(): number {
    return this.cells * CELL_HEAT_CAPACITY_J_PER_K;
  }

  /** Open-circuit voltage of the string, V. */
  ocvV(): number {
    return this.cells * lfpOcv(this.soc);
  }

  /**
   * Applies a DC power for `dtS` seconds and integrates SOC, counters and temperature.
   * SOC: dSOC = −P·dt / (η_d·E) on discharge, −P·η_c·dt / E on charge (E = capacityKwh).
   * Current from P = V·I with V = OCV − I·R solved for I (quadratic), heat = I²·R.
   * @param powerKw - DC power at the terminals, kW (+ discharge); ignored (0) when disconnected
   * @param coolantC - coolant temperature, °C
   */
  step(powerKw: number, dtS: number, coolantC: number): void {
    const p = this.connected ? powerKw : 0;
    const ocv = this.ocvV();
    // P = (OCV − I·R)·I  →  R·I² − OCV·I + P = 0, smaller root
    const disc = ocv * ocv - 4 * this.resistance * p * 1000;
    const i = disc > 0 ? (ocv - Math.sqrt(disc)) / (2 * this.resistance) : ocv / (2 * this.resistance);
    this.currentA = i;
    this.powerKw = p;
    const hours = dtS / 3600;
    if (p > 0) {
      this.soc -= ((p / DISCHARGE_EFFICIENCY) * hours * 100) / this.capacityKwh;
      this.dischargedKwh += p * hours;
    } else if (p < 0) {
      this.soc -= (p * CHARGE_EFFICIENCY * hours * 100) / this.capacityKwh;
      this.chargedKwh += -p * hours;
    }
    this.soc = Math.max(0, Math.min(100, this.soc));
    const heatW = i * i * this.resistance;
    this.heatToCoolantW = STRING_TO_COOLANT_W_PER_K * (this.temperatureC - coolantC);
    this.temperatureC += ((heatW - this.heatToCoolantW) * dtS) / this.heatCapacity;
    this.voltageV = this.cells * lfpOcv(this.soc) - i * this.resistance + this.cellDeviationV;
  }

  /**
   * Advances the fault-driven quantities: an active over-temperature fault ramps its hot module to
   * +{@link OVERTEMP_EXCESS_K} K over {@link OVERTEMP_RAMP_S} s; an active imbalance fault drifts one cell
   * down at {@link IMBALANCE_DRIFT_V_PER_S}; both recover with τ = {@link FAULT_RECOVERY_TAU_S} s after the fault.
   */
  stepFaults(dtS: number, overTemp: boolean, imbalance: boolean): void {
    const decay = Math.exp(-dtS / FAULT_RECOVERY_TAU_S);
    if (overTemp)
      this.overTempExcessK = Math.min(
        OVERTEMP_EXCESS_K,
        this.overTempExcessK + (OVERTEMP_EXCESS_K / OVERTEMP_RAMP_S) * dtS
      );
    else this.overTempExcessK *= decay;
    if (imbalance)
      this.imbalanceDriftV = Math.min(IMBALANCE_MAX_DRIFT_V, this.imbalanceDriftV + IMBALANCE_DRIFT_V_PER_S * dtS);
    else this.imbalanceDriftV *= decay;
  }

  /**
   * Recomputes the cell arrays, their statistics, the balancing flags and the latched BMS flags.
   * Cell i: V = OCV(SOC + δsoc_i) − I·R_cell + δv_i (− drift for the imbalanced cell), clamped to 2.5–3.65 V;
   * T = T_string + δT_i (+ fault excess on the hot module).
   */
  updateCells(): void {
    const n = this.cells;
    const iR = this.currentA * CELL_RESISTANCE_OHM;
    let sumV = 0;
    let sumT = 0;
    let maxV = -Infinity;
    let minV = Infinity;
    let maxT = -Infinity;
    let minT = Infinity;
    let maxVCell = 0;
    let minVCell = 0;
    let maxTCell = 0;
    let minTCell = 0;
    for (let c = 0; c < n; c++) {
      let v = lfpOcv(this.soc + this.socOffset[c]) - iR + this.vOffset[c];
      if (c === this.driftCell) v -= this.imbalanceDriftV;
      v = v < CELL_MIN_V ? CELL_MIN_V : v > CELL_MAX_V ? CELL_MAX_V : v;
      let t = this.temperatureC + this.tOffset[c];
      if (this.overTempExcessK > 0 && c >= this.hotStart && c < this.hotStart + 52) {
        t += this.overTempExcessK * Math.sin((Math.PI * (c - this.hotStart + 0.5)) / 52);
      }
      this.cellVoltages[c] = v;
      this.cellTemperatures[c] = t;
      sumV += v;
      sumT += t;
      if (v > maxV) {
        maxV = v;
        maxVCell = c;
      }
      if (v < minV) {
        minV = v;
        minVCell = c;
      }
      if (t > maxT) {
        maxT = t;
        maxTCell = c;
      }
      if (t < minT) {
        minT = t;
        minTCell = c;
      }
    }
    this.balancing.fill(0);
    if (this.currentA < 0 && this.soc > 80) {
      for (let c = 0; c < n; c++) {
        if (this.cellVoltages[c] - minV > BALANCING_THRESHOLD_V) this.balancing[c >> 4] |= 1 << (c & 15);
      }
    }
    this.stats = {
      maxV,
      minV,
      avgV: sumV / n,
      maxVCell: maxVCell + 1,
      minVCell: minVCell + 1,
      maxT,
      minT,
      avgT: sumT / n,
      maxTCell: maxTCell + 1,
      minTCell: minTCell + 1,
    };
    this.cellDeviationV = sumV - (n * lfpOcv(this.soc) - this.currentA * this.resistance);
    this.voltageV = sumV;
    this.overTempAlarm = latch(this.overTempAlarm, maxT, OVER_TEMP_ALARM_C, TEMP_HYSTERESIS_K);
    this.overTempWarning = latch(this.overTempWarning, maxT, OVER_TEMP_WARNING_C, TEMP_HYSTERESIS_K);
    this.imbalanceWarning = latch(this.imbalanceWarning, maxV - minV, IMBALANCE_WARNING_V, IMBALANCE_HYSTERESIS_V);
  }

  /** Usable energy to discharge down to `minSoc`, kWh (state of energy above the floor). */
  energyAbove(minSoc: number): number {
    return Math.max(0, ((this.soc - minSoc) / 100) * this.capacityKwh);
  }
}

/** Set at ≥ threshold, cleared below threshold − hysteresis. */
function latch(on: boolean, value: number, threshold: number, hysteresis: number): boolean {
  return on ? value >= threshold - hysteresis : value >= threshold;
}
