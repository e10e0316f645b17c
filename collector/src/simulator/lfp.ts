/**
 * LFP (LiFePO4/graphite) cell model constants and the open-circuit-voltage curve.
 *
 * The simulated cell is a 314 Ah prismatic LFP cell as used in 5 MWh containers
 * (12 strings × 1P416S × 314 Ah × 3.2 V ≈ 5015 kWh, see /work/shared/reference/notes/bess-domain.md §7).
 */

/** Nominal cell voltage, V (LFP datasheets, e.g. Lishen LP54173207 and EVE LF314: 3.2 V). */
export const CELL_NOMINAL_V = 3.2;
/** Cell voltage limits, V: discharge cut-off 2.5 V, charge limit 3.65 V (Lishen LP54173207 datasheet). */
export const CELL_MIN_V = 2.5;
export const CELL_MAX_V = 3.65;
/** Nominal cell capacity, Ah (EVE LF314 class cells). */
export const CELL_CAPACITY_AH = 314;
/**
 * DC internal resistance of one cell, Ω: 0.25 mΩ. 280–320 Ah LFP prismatic cells specify an AC
 * impedance (1 kHz) of ≤ 0.18–0.25 mΩ; the DC resistance over seconds is somewhat higher, so 0.25 mΩ
 * is a plausible round value for the IR drop seen by a BMS.
 */
export const CELL_RESISTANCE_OHM = 0.25e-3;
/**
 * Heat capacity of one cell, J/K: about 5.6 kg × ~1000 J/(kg·K) for a 314 Ah prismatic LFP cell
 * (specific heat of LFP cells 0.9–1.1 kJ/(kg·K) in calorimetry studies).
 */
export const CELL_HEAT_CAPACITY_J_PER_K = 5600;

/**
 * OCV–SOC breakpoints (SOC in %, OCV in V), interpolated linearly. Shape from the pseudo-OCV
 * (C/32, room temperature) of the LFP cell Lithium Werks APR18650M1B published with
 * S. Sunil, K. R. Pattipati, B. Balasingam, "Piecewise Linear Approximation of Battery Open-Circuit
 * Voltage Characteristics Using Dynamic Programming", IEEE Trans. Instrum. Meas., 2025
 * (github.com/soorajsunil/Piecewise-Battery-OCV: 2.93 V at 2.7 %, 3.19 V at 8.9 %, 3.28 V at 29.7 %,
 * 3.35 V at 98.3 %), with the two-step plateau of LFP (≈3.29 V and ≈3.33 V) and the end points
 * moved to the datasheet limits 2.5 V (0 %) and 3.65 V (100 %).
 */
export const LFP_OCV_TABLE: ReadonlyArray<readonly [number, number]> = [
  [0, 2.5],
  [1, 2.8],
  [2.7, 2.93],
  [5.3, 3.087],
  [8.9, 3.194],
  [15, 3.235],
  [30, 3.277],
  [45, 3.288],
  [60, 3.295],
  [70, 3.318],
  [85, 3.332],
  [98.3, 3.351],
  [99.5, 3.418],
  [100, 3.6],
];

const SOCS = LFP_OCV_TABLE.map((p) => p[0]);
const VOLTS = LFP_OCV_TABLE.map((p) => p[1]);

/**
 * Open-circuit voltage of an LFP cell at a state of charge.
 * @param socPct - state of charge, % (clamped to 0–100)
 * @returns OCV in V (2.5–3.6 V)
 */
export function lfpOcv(socPct: number): number {
  if (socPct <= 0) return VOLTS[0];
  if (socPct >= 100) return VOLTS[VOLTS.length - 1];
  let i = 1;
  while (SOCS[i] < socPct) i++;
  const f = (socPct - SOCS[i - 1]) / (SOCS[i] - SOCS[i - 1]);
  return VOLTS[i - 1] + f * (VOLTS[i] - VOLTS[i - 1]);
}

/** Terminal voltage of a cell: OCV − I·R (I in A, + discharge) clamped to the cell limits 2.5–3.65 V. */
export function cellTerminalVoltage(socPct: number, currentA: number, resistanceOhm = CELL_RESISTANCE_OHM): number {
  const v = lfpOcv(socPct) - currentA * resistanceOhm;
  return v < CELL_MIN_V ? CELL_MIN_V : v > CELL_MAX_V ? CELL_MAX_V : v;
}
