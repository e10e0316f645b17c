import { NOMINAL_HZ } from './environment';

/**
 * Plant dispatch: day-ahead price arbitrage plus frequency containment reserve (FCR).
 * Power in kW, generator convention (+ discharge/export, − charge/import).
 */

/**
 * FCR droop after ENTSO-E Continental Europe FCR (SO GL Regulation (EU) 2017/1485 Art. 154 and
 * Annex V; regelleistung.net product description): linear activation with the frequency deviation,
 * full activation at ±200 mHz, within 30 s; insensitivity (deadband) ±10 mHz.
 */
export const FCR_FULL_ACTIVATION_HZ = 0.2;
/** FCR deadband, Hz (±10 mHz insensitivity range, ENTSO-E CE; GB Dynamic Containment uses ±15 mHz). */
export const FCR_DEADBAND_HZ = 0.01;
/** Share of the rated power reserved for FCR; the rest serves arbitrage. */
export const FCR_SHARE = 0.2;
/** SOC window, % (BESS operators keep LFP between ~5 and ~95 % to protect the cells). */
export const SOC_MIN = 5;
export const SOC_MAX = 95;
/** Width of the linear power derating before the SOC limits, % SOC. */
export const SOC_DERATE_BAND = 2;
/** Hours of charging and discharging per half-day arbitrage window. */
export const ARBITRAGE_HOURS = 3;
/** Minimum price spread worth a cycle, €/MWh (degradation cost, after round-trip losses). */
export const MIN_SPREAD_EUR_MWH = 20;
/** Minutes over which the arbitrage setpoint ramps at an hour change. */
export const RAMP_MINUTES = 5;

/**
 * FCR response to a frequency.
 * @param frequencyHz - grid frequency
 * @param reservedKw - power reserved for FCR (full activation), kW
 * @returns kW, + when the frequency is low (discharge), − when high (charge); 0 inside the deadband
 */
export function fcrResponse(frequencyHz: number, reservedKw: number): number {
  const df = frequencyHz - NOMINAL_HZ;
  if (Math.abs(df) <= FCR_DEADBAND_HZ) return 0;
  const x = Math.max(-1, Math.min(1, df / FCR_FULL_ACTIVATION_HZ));
  return -x * reservedKw;
}

/**
 * The arbitrage plan of one local day: per hour −1 (charge), 0 (idle) or +1 (discharge).
 * Two windows (00–12, 12–24) each charge in their {@link ARBITRAGE_HOURS} cheapest hours and discharge
 * in the most expensive hours after them, when the spread is worth it.
 */
export function arbitragePlan(prices: number[]): number[] {
  const plan = new Array<number>(24).fill(0);
  for (const start of [0, 12]) {
    const hours = Array.from({ length: 12 }, (_, i) => start + i);
    const cheap = [...hours].sort((a, b) => prices[a] - prices[b]).slice(0, ARBITRAGE_HOURS);
    const lastCharge = Math.max(...cheap);
    const later = hours.filter((h) => h > lastCharge && !cheap.includes(h));
    const dear = [...later].sort((a, b) => prices[b] - prices[a]).slice(0, ARBITRAGE_HOURS);
    if (dear.length === 0) continue;
    const avgCheap = cheap.reduce((s, h) => s + prices[h], 0) / cheap.length;
    const avgDear = dear.reduce((s, h) => s + prices[h], 0) / dear.length;
    if (avgDear - avgCheap < MIN_SPREAD_EUR_MWH) continue;
    for (const h of cheap) plan[h] = -1;
    for (const h of dear) plan[h] = 1;
  }
  return plan;
}

/** Limits of the plant at an instant. */
export interface PlantLimits {
  /** Rated AC power of all available blocks, kW. */
  ratedKw: number;
  /** Energy-based power limit for discharge (≥ 0), kW. */
  maxDischargeKw: number;
  /** Energy-based power limit for charge (≥ 0), kW. */
  maxChargeKw: number;
}

/**
 * Power limits from the SOC: full power inside the window, linear derating over
 * {@link SOC_DERATE_BAND} % before {@link SOC_MIN}/{@link SOC_MAX}, zero beyond.
 */
export function socLimits(socPct: number, ratedKw: number): PlantLimits {
  const dis = Math.max(0, Math.min(1, (socPct - SOC_MIN) / SOC_DERATE_BAND));
  const cha = Math.max(0, Math.min(1, (SOC_MAX - socPct) / SOC_DERATE_BAND));
  return { ratedKw, maxDischargeKw: ratedKw * dis, maxChargeKw: ratedKw * cha };
}

/** Clamps a plant setpoint to the limits (kW). */
export function clampSetpoint(kw: number, limits: PlantLimits): number {
  if (kw > limits.maxDischargeKw) return limits.maxDischargeKw;
  if (kw < -limits.maxChargeKw) return -limits.maxChargeKw;
  return kw;
}

/**
 * Arbitrage power of an instant from the hourly plan: the plan's sign × `powerKw`, ramped linearly
 * over the first {@link RAMP_MINUTES} minutes of an hour from the previous hour's value.
 * @param plan - today's plan; `previous` is the last hour of yesterday's plan for hour 0
 */
export function arbitragePower(plan: number[], previous: number, hourOfDay: number, powerKw: number): number {
  const h = Math.min(23, Math.floor(hourOfDay));
  const prev = h === 0 ? previous : plan[h - 1];
  const minutes = (hourOfDay - h) * 60;
  const f = Math.min(1, minutes / RAMP_MINUTES);
  return (prev + (plan[h] - prev) * f) * powerKw;
}
