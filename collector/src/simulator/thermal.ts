/**
 * Block thermal model: one lumped coolant/air node per container, heated by the battery strings and
 * the outdoor air through the envelope, held at the HVAC setpoint by a chiller/heater with hysteresis.
 * The HVAC's electrical consumption counts as site auxiliary load.
 */

/** HVAC temperature setpoint, °C (LFP optimum 15–35 °C; containers regulate to ~25 °C). */
export const HVAC_SETPOINT_C = 25;
/** Cooling switches on above setpoint + band and off below setpoint − band, K. */
export const COOLING_BAND_K = 1.5;
/** Heating switches on below setpoint − 8 K and off above setpoint − 5 K. */
export const HEATING_ON_BELOW_K = 8;
export const HEATING_OFF_ABOVE_K = 5;
/** Thermal cooling capacity of the chiller, W, and its coefficient of performance (vapour-compression, COP ≈ 3). */
export const COOLING_CAPACITY_W = 40_000;
export const COOLING_COP = 3;
/** Electric heater power, W (resistive, COP 1). */
export const HEATING_POWER_W = 8_000;
/** Fans and pumps running in every mode except off, W. */
export const FAN_POWER_W = 1_200;
/** Lumped heat capacity of the coolant, air and racks of one container, J/K. */
export const COOLANT_HEAT_CAPACITY_J_PER_K = 1.5e6;
/** Envelope conductance of an insulated 20 ft container to outdoor air, W/K. */
export const ENVELOPE_W_PER_K = 150;
/** Standing auxiliary load of a block besides HVAC (BMS, controls, lighting, PCS auxiliaries), kW. */
export const BLOCK_BASE_AUX_KW = 3;

/** HVAC mode, in the order of the `hvacMode` enum labels: off, cooling, heating, ventilation. */
export type HvacMode = 'off' | 'cooling' | 'heating' | 'ventilation';

/** Thermal state of one block. */
export class BlockThermal {
  coolantC: number;
  mode: HvacMode = 'ventilation';
  /** HVAC electrical power, kW. */
  powerKw = FAN_POWER_W / 1000;
  readonly setpointC = HVAC_SETPOINT_C;

  constructor(initialC: number) {
    this.coolantC = initialC;
  }

  /**
   * Advances the coolant node by `dtS` seconds (explicit Euler; dt ≤ 60 s keeps it stable since the
   * node's time constant is C/UA ≈ 1.5 MJ/K ÷ 6.2 kW/K ≈ 4 min).
   * @param heatFromStringsW - heat the strings give to the coolant, W
   */
  step(dtS: number, outdoorC: number, heatFromStringsW: number): void {
    const t = this.coolantC;
    const sp = this.setpointC;
    if (this.mode === 'cooling') {
      if (t < sp - COOLING_BAND_K) this.mode = 'ventilation';
    } else if (this.mode === 'heating') {
      if (t > sp - HEATING_OFF_ABOVE_K) this.mode = 'ventilation';
    } else if (t > sp + COOLING_BAND_K) this.mode = 'cooling';
    else if (t < sp - HEATING_ON_BELOW_K) this.mode = 'heating';
    else this.mode = 'ventilation';
    let hvacHeatW = 0;
    let electricW = FAN_POWER_W;
    if (this.mode === 'cooling') {
      hvacHeatW = -COOLING_CAPACITY_W;
      electricW += COOLING_CAPACITY_W / COOLING_COP;
    } else if (this.mode === 'heating') {
      hvacHeatW = HEATING_POWER_W;
      electricW += HEATING_POWER_W;
    }
    this.powerKw = electricW / 1000;
    const envelopeW = ENVELOPE_W_PER_K * (outdoorC - t);
    this.coolantC =
      t + ((heatFromStringsW + envelopeW + hvacHeatW + electricW * 0.1) * dtS) / COOLANT_HEAT_CAPACITY_J_PER_K;
  }

  /** Supply air/coolant temperature leaving the HVAC, °C. */
  get supplyC(): number {
    if (this.mode === 'cooling') return this.coolantC - 8;
    if (this.mode === 'heating') return this.coolantC + 10;
    return this.coolantC - 0.3;
  }

  /** Return air/coolant temperature, °C. */
  get returnC(): number {
    return this.coolantC + 1.5;
  }
}

/**
 * PCS (power conversion system) model: constant conversion efficiency and first-order thermal
 * lags for heat sink, IGBT, cabinet and transformer.
 */
/** PCS conversion efficiency, AC↔DC (utility PCS datasheets state 98–98.8 % peak). */
export const PCS_EFFICIENCY = 0.98;

/** Temperatures of one PCS, °C. */
export class PcsThermal {
  heatSinkC: number;
  igbtC: number;
  cabinetC: number;
  transformerC: number;

  constructor(outdoorC: number) {
    this.cabinetC = Math.max(outdoorC, 18) + 2;
    this.heatSinkC = this.cabinetC + 3;
    this.igbtC = this.heatSinkC + 2;
    this.transformerC = outdoorC + 10;
  }

  /**
   * @param lossKw - PCS losses, kW
   * @param loading - apparent power / rated, 0–1
   */
  step(dtS: number, outdoorC: number, lossKw: number, loading: number): void {
    this.cabinetC = lag(this.cabinetC, Math.max(outdoorC, 18) + 2 + 0.05 * lossKw, dtS, 900);
    this.heatSinkC = lag(this.heatSinkC, this.cabinetC + 3 + 0.35 * lossKw, dtS, 180);
    this.igbtC = lag(this.igbtC, this.heatSinkC + 2 + 0.15 * lossKw, dtS, 10);
    this.transformerC = lag(this.transformerC, outdoorC + 10 + 45 * loading * loading, dtS, 3600);
  }
}

/** First-order lag: x moves toward `target` with time constant `tau` (s) over `dtS` (exact for constant target). */
function lag(x: number, target: number, dtS: number, tau: number): number {
  return x + (target - x) * (1 - Math.exp(-dtS / tau));
}
