/**
 * The metric vocabulary: every metric a map may produce, with its unit and the chart axis it
 * belongs on. One source of truth for the collector (units in frames), the simulator (what to
 * serve) and the plugins (axis placement). Power follows the generator convention: positive =
 * discharging / exporting, negative = charging / importing.
 */

/** Chart axis: power on the left, everything else on the right (issue 3 field config). */
export type Axis = 'left' | 'right';

/** Definition of one metric. */
export interface MetricDefinition {
  /** Engineering unit (Grafana unit ids are derived from it in the API). */
  unit: string;
  description: string;
  /** Array metrics are stored as one `real[]` row per device and sample. */
  array?: boolean;
}

const m = (unit: string, description: string, array?: boolean): MetricDefinition =>
  array ? { unit, description, array } : { unit, description };

/** All metrics by camelCase name. */
export const METRICS = {
  // AC side (meter, PCS, BESS controller, wind/solar nodes)
  activePower: m('kW', 'Active power, + discharge/export, − charge/import'),
  activePowerL1: m('kW', 'Active power phase L1'),
  activePowerL2: m('kW', 'Active power phase L2'),
  activePowerL3: m('kW', 'Active power phase L3'),
  reactivePower: m('kVAr', 'Reactive power, + over-excited (export)'),
  apparentPower: m('kVA', 'Apparent power'),
  powerFactor: m('', 'Displacement power factor (signed)'),
  frequency: m('Hz', 'Grid frequency'),
  voltageL1N: m('V', 'Phase voltage L1-N'),
  voltageL2N: m('V', 'Phase voltage L2-N'),
  voltageL3N: m('V', 'Phase voltage L3-N'),
  voltageL1L2: m('V', 'Line voltage L1-L2'),
  currentL1: m('A', 'Phase current L1'),
  currentL2: m('A', 'Phase current L2'),
  currentL3: m('A', 'Phase current L3'),
  acVoltage: m('V', 'AC line-to-line voltage (average)'),
  acCurrent: m('A', 'AC current (total)'),
  exportedEnergyTotal: m('kWh', 'Energy exported to the grid (counter)'),
  importedEnergyTotal: m('kWh', 'Energy imported from the grid (counter)'),
  dischargedEnergyTotal: m('kWh', 'Energy discharged (counter)'),
  chargedEnergyTotal: m('kWh', 'Energy charged (counter)'),
  activePowerSetValue: m('kW', 'Active power setpoint, + discharge'),
  reactivePowerSetValue: m('kVAr', 'Reactive power setpoint'),
  availableDischargePower: m('kW', 'Available discharge power'),
  availableChargePower: m('kW', 'Available charge power (positive number)'),
  // plant controller (BESS node)
  energyRating: m('kWh', 'Energy rating: energy at full charge, may follow SOH (SunSpec 713 WHRtg)'),
  storageState: m('', 'Storage status (enum: OK, WARNING, ERROR; SunSpec 713 Sta)'),
  blocksOnline: m('', 'BESS blocks online (PCS running, strings connected)'),
  plantStatus: m('', 'Plant controller status word (bitfield)'),
  plantAlarms: m('', 'Plant controller alarm word (bitfield)'),
  // PCS internals
  dcLinkVoltage: m('V', 'PCS DC-link voltage'),
  dcLinkCurrent: m('A', 'PCS DC current, + discharge'),
  igbtTemperature: m('°C', 'IGBT (switch) temperature'),
  heatSinkTemperature: m('°C', 'Heat-sink temperature'),
  cabinetTemperature: m('°C', 'Cabinet temperature'),
  transformerTemperature: m('°C', 'Transformer temperature'),
  pcsState: m('', 'PCS operating state (enum)'),
  pcsStatus: m('', 'PCS status word (bitfield)'),
  pcsAlarms: m('', 'PCS alarm word (bitfield)'),
  // battery (BESS controller, block BMS, string BMS)
  stateOfCharge: m('%', 'State of charge (SOC)'),
  stateOfHealth: m('%', 'State of health (SOH), capacity-based'),
  depthOfDischarge: m('%', 'Depth of discharge (DoD)'),
  energyAvailable: m('kWh', 'State of energy (SOE): energy available to discharge'),
  dcVoltage: m('V', 'Battery DC voltage'),
  dcCurrent: m('A', 'Battery DC current, + discharge'),
  dcPower: m('kW', 'Battery DC power, + discharge'),
  maxCellVoltage: m('V', 'Highest cell voltage'),
  minCellVoltage: m('V', 'Lowest cell voltage'),
  maxCellVoltageCell: m('', 'Cell index (1-based) of the highest cell voltage'),
  minCellVoltageCell: m('', 'Cell index (1-based) of the lowest cell voltage'),
  maxCellVoltageString: m('', 'String number of the highest cell voltage'),
  minCellVoltageString: m('', 'String number of the lowest cell voltage'),
  maxCellVoltageModule: m('', 'Module number (1-based) of the highest cell voltage'),
  minCellVoltageModule: m('', 'Module number (1-based) of the lowest cell voltage'),
  averageCellVoltage: m('V', 'Average cell voltage'),
  maxCellTemperature: m('°C', 'Highest cell temperature'),
  minCellTemperature: m('°C', 'Lowest cell temperature'),
  maxCellTemperatureCell: m('', 'Cell index (1-based) of the highest cell temperature'),
  minCellTemperatureCell: m('', 'Cell index (1-based) of the lowest cell temperature'),
  maxCellTemperatureString: m('', 'String number of the highest cell temperature'),
  minCellTemperatureString: m('', 'String number of the lowest cell temperature'),
  maxCellTemperatureModule: m('', 'Module number (1-based) of the highest cell temperature'),
  minCellTemperatureModule: m('', 'Module number (1-based) of the lowest cell temperature'),
  averageCellTemperature: m('°C', 'Average cell temperature'),
  chargeCurrentLimit: m('A', 'Maximum charge current allowed by the BMS'),
  dischargeCurrentLimit: m('A', 'Maximum discharge current allowed by the BMS'),
  cycleCount: m('', 'Cycle count reported by the BMS'),
  stringsConnected: m('', 'Battery strings with closed contactors'),
  bmsState: m('', 'BMS state (enum)'),
  bmsEvents: m('', 'BMS event/alarm word (bitfield)'),
  contactorState: m('', 'String contactor state (bitfield: positive, negative, pre-charge)'),
  stringStatus: m('', 'String status word (bitfield)'),
  stringEvents: m('', 'String event/alarm word (bitfield)'),
  balancingCellCount: m('', 'Cells balancing now'),
  connectionFailure: m('', 'Reason the string last failed to connect (enum, SunSpec 803 StrConFail)'),
  disabledReason: m('', 'Reason the string is disabled (enum, SunSpec 803 StrDisRsn)'),
  // cells (SunSpec 805-style arrays)
  cellVoltages: m('V', 'Cell voltages, one element per cell', true),
  cellTemperatures: m('°C', 'Cell temperatures, one element per cell', true),
  cellBalancing: m('', 'Cell balancing flags, 16 cells per element (bitfield words)', true),
  // HVAC
  supplyAirTemperature: m('°C', 'HVAC supply air temperature'),
  returnAirTemperature: m('°C', 'HVAC return air temperature'),
  containerTemperature: m('°C', 'Container ambient temperature'),
  containerHumidity: m('%', 'Container relative humidity'),
  outdoorTemperature: m('°C', 'Outdoor temperature'),
  hvacSetpoint: m('°C', 'HVAC temperature setpoint'),
  hvacPower: m('kW', 'HVAC electrical consumption (positive number)'),
  hvacMode: m('', 'HVAC mode (enum: off, cooling, heating, ventilation)'),
  hvacStatus: m('', 'HVAC status/alarm word (bitfield)'),
  // safety
  safetyStatus: m('', 'Fire/smoke/leak/door status word (bitfield)'),
  gasConcentration: m('ppm', 'Off-gas (H2/CO) concentration'),
  // renewables
  windSpeed: m('m/s', 'Hub-height wind speed'),
  irradiance: m('W/m²', 'Plane-of-array irradiance'),
  availablePower: m('kW', 'Available power from wind/solar resource'),
  windStatus: m('', 'Wind farm controller status word (bitfield)'),
  solarStatus: m('', 'Solar park controller status word (bitfield)'),
} satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;

/** Whether a metric name is known. */
export function isMetric(name: string): name is MetricName {
  return Object.prototype.hasOwnProperty.call(METRICS, name);
}

/** Chart axis of a metric: kW, kVAr and kVA on the left, all other units on the right. */
export function axisOf(unit: string): Axis {
  return unit === 'kW' || unit === 'kVAr' || unit === 'kVA' ? 'left' : 'right';
}
