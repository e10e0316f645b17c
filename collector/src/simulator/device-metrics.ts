import type { DeviceInstance, DeviceSource } from '@openbess/model';
import type { BatteryString } from './battery';
import { DISCHARGE_EFFICIENCY } from './battery';
import { SOC_MAX, SOC_MIN } from './dispatch';
import { CELL_CAPACITY_AH } from './lfp';
import { GRID_VOLTAGE, PCS_AC_VOLTAGE, type Block } from './plant';
import { PCS_EFFICIENCY } from './thermal';
import { subSeed } from './random';
import type { SiteModel } from './site-model';

/**
 * What the physics knows about each device, by metric name (model/src/metrics.ts): numbers in the
 * metric's unit, arrays for cell metrics, text for nameplate attributes, named flags for bitfields
 * (bit numbers come from the map) and label candidates for enums (codes come from the map).
 */

/** Named bit values of a bitfield; bits the map defines but the physics does not name keep their expected value. */
export interface Flags {
  flags: Record<string, boolean>;
}
/** Enum by label: the first candidate label found in the point's `enum` is served. */
export interface EnumLabel {
  enumLabels: string[];
}
/** A metric's value before it is fitted to a map point. */
export type MetricValue = number | ArrayLike<number> | string | null | Flags | EnumLabel;
/** Metric values of one device (one source map). */
export type MetricRecord = Record<string, MetricValue>;

/** Cells per module of a 1P416S rack (8 modules × 1P52S; bess-domain.md §7). */
export const CELLS_PER_MODULE = 52;
const SQRT3 = Math.sqrt(3);
const f = (flags: Record<string, boolean>): Flags => ({ flags });
const e = (...enumLabels: string[]): EnumLabel => ({ enumLabels });
const moduleOf = (cell: number): number => Math.floor((cell - 1) / CELLS_PER_MODULE) + 1;
const pf = (p: number, q: number): number => {
  const s = Math.hypot(p, q);
  return s < 1e-6 ? 1 : p / s;
};

/** Nameplate attributes shared by all devices. */
export function nameplate(model: SiteModel, device: DeviceInstance, source: DeviceSource): MetricRecord {
  const map = model.maps.get(source.map)!;
  const sn = subSeed(model.site.simulation.seed, device.id, source.map).toString(16).toUpperCase().padStart(8, '0');
  return {
    manufacturer: map.vendor ?? 'OpenBESS',
    model: map.title.slice(0, 32),
    firmwareVersion: '2.4.1',
    serialNumber: `${device.id.slice(0, 5)}-${sn}`,
    deviceAddress: source.unitId,
    ratedPower: device.ratedPowerKw ?? null,
  };
}

/** Worst-of flags over strings. */
function anyString(strings: BatteryString[], pred: (s: BatteryString) => boolean): boolean {
  for (const s of strings) if (pred(s)) return true;
  return false;
}

/** Metrics of the BESS controller (plant controller at the POI). */
export function bessNodeMetrics(m: SiteModel): MetricRecord {
  const p = m.plant;
  const strings = m.strings;
  const stateIssues = m.activeFaults();
  const error = anyString(strings, (s) => !s.connected || s.overTempAlarm);
  const warning = error || stateIssues.length > 0 || anyString(strings, (s) => s.overTempWarning || s.imbalanceWarning);
  const blockSocs = m.blocks.map((b) => b.soc);
  const soc = m.soc;
  const capacity = strings.reduce((s, x) => s + x.capacityKwh, 0);
  return {
    energyRating: m.site.blockCapacityKwh * m.site.blocks,
    energyAvailable: strings.reduce((s, x) => s + x.energyAbove(SOC_MIN), 0) * DISCHARGE_EFFICIENCY * PCS_EFFICIENCY,
    stateOfCharge: soc,
    stateOfHealth: (100 * capacity) / (m.site.blockCapacityKwh * m.site.blocks),
    storageState: error ? e('ERROR') : warning ? e('WARNING') : e('OK'),
    activePower: p.bessKw,
    reactivePower: p.bessKvar,
    frequency: m.environment.frequencyHz,
    activePowerSetValue: p.setpointKw,
    reactivePowerSetValue: p.reactiveSetpointKvar,
    availableChargePower: p.availableChargeKw,
    availableDischargePower: p.availableDischargeKw,
    chargedEnergyTotal: p.bess.importedKwh,
    dischargedEnergyTotal: p.bess.exportedKwh,
    stringsConnected: strings.filter((s) => s.connected).length,
    blocksOnline: m.blocks.filter((b) => b.connected.length > 0).length,
    plantStatus: f({
      running: true,
      gridConnected: true,
      remoteControl: true,
      frequencyResponseActive: Math.abs(p.fcrKw) > 0.5,
      derated: strings.some((s) => !s.connected),
      socLimitReached: soc <= SOC_MIN + 0.5 || soc >= SOC_MAX - 0.5,
      auxSupplyOk: true,
    }),
    plantAlarms: f({
      bmsFault: error,
      setpointRejected: Math.abs(p.setpointKw - (p.arbitrageKw + p.fcrKw)) > 1,
      socImbalance: Math.max(...blockSocs) - Math.min(...blockSocs) > 5,
    }),
  };
}

/** Metrics of the grid meter at the point of connection (3-phase, MV). */
export function meterMetrics(m: SiteModel): MetricRecord {
  const p = m.plant;
  const env = m.environment;
  const vll = GRID_VOLTAGE * env.voltagePu;
  const vln = vll / SQRT3;
  const s = Math.hypot(p.meterKw, p.meterKvar);
  const p1 = (p.meterKw / 3) * 1.004;
  const p2 = (p.meterKw / 3) * 0.997;
  const phaseI = (k: number): number => (s * 1000 * k) / (3 * vln);
  return {
    voltageL1N: vln * 1.002,
    voltageL2N: vln * 0.999,
    voltageL3N: vln * 0.999,
    voltageL1L2: vll * 1.001,
    currentL1: phaseI(1.004),
    currentL2: phaseI(0.997),
    currentL3: phaseI(0.999),
    activePowerL1: p1,
    activePowerL2: p2,
    activePowerL3: p.meterKw - p1 - p2,
    activePower: p.meterKw,
    reactivePower: p.meterKvar,
    apparentPower: s,
    powerFactor: pf(p.meterKw, p.meterKvar),
    frequency: env.frequencyHz,
    importedEnergyTotal: p.meter.importedKwh,
    exportedEnergyTotal: p.meter.exportedKwh,
  };
}

/** Metrics of a block's PCS and block BMS (both maps describe the same bessBlock device). */
export function blockMetrics(m: SiteModel, b: Block): MetricRecord {
  const env = m.environment;
  const s = Math.hypot(b.acKw, b.reactiveKvar);
  const vll = PCS_AC_VOLTAGE * env.voltagePu;
  const on = b.connected;
  const strings = b.strings;
  // block-wide extreme cells and where they are
  let maxV = strings[0];
  let minV = strings[0];
  let maxT = strings[0];
  let minT = strings[0];
  for (const x of strings) {
    if (x.stats.maxV > maxV.stats.maxV) maxV = x;
    if (x.stats.minV < minV.stats.minV) minV = x;
    if (x.stats.maxT > maxT.stats.maxT) maxT = x;
    if (x.stats.minT < minT.stats.minT) minT = x;
  }
  const n = strings.length;
  const avgV = strings.reduce((a, x) => a + x.stats.avgV, 0) / n;
  const avgT = strings.reduce((a, x) => a + x.stats.avgT, 0) / n;
  const fault = on.length === 0;
  const soh = strings.reduce((a, x) => a + x.soh, 0) / n;
  const throughput = strings.reduce((a, x) => a + x.dischargedKwh, 0);
  const limitA = on.length * CELL_CAPACITY_AH * 0.5;
  const flags = stringEventFlags(strings);
  return {
    // PCS
    activePower: b.acKw,
    reactivePower: b.reactiveKvar,
    apparentPower: s,
    powerFactor: pf(b.acKw, b.reactiveKvar),
    acCurrent: (s * 1000) / (SQRT3 * vll),
    acVoltage: vll,
    frequency: env.frequencyHz,
    dischargedEnergyTotal: b.dischargedKwh,
    chargedEnergyTotal: b.chargedKwh,
    cabinetTemperature: b.pcs.cabinetC,
    heatSinkTemperature: b.pcs.heatSinkC,
    transformerTemperature: b.pcs.transformerC,
    igbtTemperature: b.pcs.igbtC,
    dcLinkCurrent: b.dcCurrent,
    dcLinkVoltage: b.dcVoltage,
    activePowerSetValue: b.setpointKw,
    pcsState: fault ? e('FAULT', 'STOPPED') : Math.abs(b.acKw) < 0.5 ? e('STANDBY', 'RUNNING') : e('RUNNING'),
    pcsStatus: f({
      running: !fault,
      gridConnected: true,
      dcContactorClosed: !fault,
      derating: on.length < n,
      remoteControl: true,
      fault,
      warning: on.length < n,
      frequencyResponseActive: Math.abs(m.plant.fcrKw) > 0.5,
    }),
    pcsAlarms: f({ dcDisconnect: fault }),
    // block BMS
    stateOfCharge: b.soc,
    depthOfDischarge: 100 - b.soc,
    stateOfHealth: 100 * soh,
    cycleCount: Math.floor(throughput / (b.capacityKwh * soh)),
    bmsState: fault ? e('FAULT') : e('CONNECTED'),
    bmsEvents: f(flags),
    dcVoltage: b.dcVoltage,
    dcCurrent: b.dcCurrent,
    dcPower: b.dcKw,
    maxCellVoltage: maxV.stats.maxV,
    maxCellVoltageString: maxV.string,
    maxCellVoltageModule: moduleOf(maxV.stats.maxVCell),
    maxCellVoltageCell: maxV.stats.maxVCell,
    minCellVoltage: minV.stats.minV,
    minCellVoltageString: minV.string,
    minCellVoltageModule: moduleOf(minV.stats.minVCell),
    minCellVoltageCell: minV.stats.minVCell,
    averageCellVoltage: avgV,
    maxCellTemperature: maxT.stats.maxT,
    maxCellTemperatureString: maxT.string,
    maxCellTemperatureModule: moduleOf(maxT.stats.maxTCell),
    maxCellTemperatureCell: maxT.stats.maxTCell,
    minCellTemperature: minT.stats.minT,
    minCellTemperatureString: minT.string,
    minCellTemperatureModule: moduleOf(minT.stats.minTCell),
    minCellTemperatureCell: minT.stats.minTCell,
    averageCellTemperature: avgT,
    chargeCurrentLimit: b.soc >= SOC_MAX ? 0 : limitA,
    dischargeCurrentLimit: b.soc <= SOC_MIN ? 0 : limitA,
    stringsConnected: on.length,
    stringCount: n,
    ratedCapacity: CELL_CAPACITY_AH * n,
    ratedEnergy: b.capacityKwh,
    ratedChargePower: b.ratedKw,
    ratedDischargePower: b.ratedKw,
  };
}

/** The SunSpec Evt1 flags of a set of strings (OR over the strings). */
function stringEventFlags(strings: BatteryString[], contactorFault = false): Record<string, boolean> {
  return {
    overTempAlarm: anyString(strings, (s) => s.overTempAlarm),
    overTempWarning: anyString(strings, (s) => s.overTempWarning),
    voltageImbalanceWarning: anyString(strings, (s) => s.imbalanceWarning),
    underSocMinWarning: anyString(strings, (s) => s.soc < SOC_MIN),
    overSocMaxWarning: anyString(strings, (s) => s.soc > SOC_MAX),
    contactorError: contactorFault || anyString(strings, (s) => s.contactorFault),
  };
}

/** Metrics of a battery string (string record of the block BMS, SunSpec 803/804) and its cells (805). */
export function stringMetrics(m: SiteModel, s: BatteryString): MetricRecord {
  const st = s.stats;
  const balancing = s.balancing.reduce((a, w) => a + popcount(w), 0);
  const tripped = !s.connected;
  const events = stringEventFlags([s]);
  const warning = s.overTempWarning || s.imbalanceWarning || s.contactorFault;
  const cycles = s.dischargedKwh / s.capacityKwh;
  const limitA = CELL_CAPACITY_AH * 0.5;
  return {
    stateOfCharge: s.soc,
    stateOfHealth: 100 * s.soh,
    depthOfDischarge: 100 - s.soc,
    dcCurrent: s.currentA,
    dcVoltage: s.voltageV,
    dcPower: s.powerKw,
    activePower: s.powerKw,
    maxCellVoltage: st.maxV,
    maxCellVoltageCell: st.maxVCell,
    maxCellVoltageModule: moduleOf(st.maxVCell),
    minCellVoltage: st.minV,
    minCellVoltageCell: st.minVCell,
    minCellVoltageModule: moduleOf(st.minVCell),
    averageCellVoltage: st.avgV,
    maxCellTemperature: st.maxT,
    maxCellTemperatureCell: st.maxTCell,
    maxCellTemperatureModule: moduleOf(st.maxTCell),
    minCellTemperature: st.minT,
    minCellTemperatureCell: st.minTCell,
    minCellTemperatureModule: moduleOf(st.minTCell),
    averageCellTemperature: st.avgT,
    cycleCount: Math.floor(cycles),
    chargedEnergyTotal: s.chargedKwh,
    dischargedEnergyTotal: s.dischargedKwh,
    chargeCurrentLimit: s.connected && s.soc < SOC_MAX ? limitA : 0,
    dischargeCurrentLimit: s.connected && s.soc > SOC_MIN ? limitA : 0,
    balancingCellCount: balancing,
    connectionFailure: tripped ? e('STRING_FAULT') : e('NO_FAILURE'),
    disabledReason: tripped ? e('FAULT') : e('NONE'),
    // a contactor fault reports the positive contactor open although the string carries current
    contactorState: f({
      positiveContactorClosed: s.connected && !s.contactorFault,
      negativeContactorClosed: s.connected,
      prechargeClosed: false,
      disconnectSwitchClosed: true,
    }),
    stringStatus: f({
      enabled: true,
      connected: s.connected,
      balancingActive: balancing > 0,
      fault: tripped || s.overTempAlarm,
      warning,
      derated: s.overTempWarning,
      insulationOk: true,
    }),
    stringEvents: f({ ...events, contactorError: tripped || s.contactorFault }),
    moduleCount: Math.ceil(s.cells / CELLS_PER_MODULE),
    stringIndex: s.string,
    ratedEnergy: s.capacityKwh / s.soh,
    cellVoltages: s.cellVoltages,
    cellTemperatures: s.cellTemperatures,
    cellBalancing: s.balancing,
  };
}

function popcount(w: number): number {
  let c = 0;
  for (let x = w; x; x &= x - 1) c++;
  return c;
}

/** Metrics of a block's HVAC controller. */
export function hvacMetrics(m: SiteModel, b: Block): MetricRecord {
  const t = b.thermal;
  const mode = t.mode;
  // relative humidity of outdoor air (~75 %) brought to the container temperature (Magnus formula)
  const es = (c: number): number => 6.112 * Math.exp((17.62 * c) / (243.12 + c));
  const rh = Math.min(95, (75 * es(m.environment.outdoorC)) / es(t.coolantC));
  return {
    supplyAirTemperature: t.supplyC,
    returnAirTemperature: t.returnC,
    containerTemperature: t.coolantC,
    containerHumidity: rh,
    outdoorTemperature: m.environment.outdoorC,
    hvacSetpoint: t.setpointC,
    hvacPower: t.powerKw,
    hvacMode: e(mode.toUpperCase()),
    hvacStatus: f({
      unitOn: mode !== 'off',
      compressorRunning: mode === 'cooling',
      heaterOn: mode === 'heating',
      highTempAlarm: t.coolantC > 35,
      lowTempAlarm: t.coolantC < 5,
    }),
  };
}

/** Metrics of a block's fire & safety panel. */
export function safetyMetrics(m: SiteModel, b: Block): MetricRecord {
  const hot = anyString(b.strings, (s) => s.overTempAlarm);
  return {
    safetyStatus: f({ ventilationActive: hot, panelHealthy: true }),
    gasConcentration: hot ? 35 : 1 + (Math.floor(m.timeMs / 60_000) % 3),
  };
}

/** Metrics of the wind farm controller. */
export function windMetrics(m: SiteModel): MetricRecord {
  const p = m.plant;
  const v = m.environment.windSpeed;
  return {
    activePower: p.windKw,
    reactivePower: 0,
    availablePower: p.windKw,
    windSpeed: v,
    frequency: m.environment.frequencyHz,
    exportedEnergyTotal: p.wind.exportedKwh,
    windStatus: f({ running: p.windKw > 0, gridConnected: true, highWindCutOut: v >= 25, remoteControl: true }),
  };
}

/** Metrics of the solar park controller. */
export function solarMetrics(m: SiteModel): MetricRecord {
  const p = m.plant;
  return {
    activePower: p.solarKw,
    reactivePower: 0,
    availablePower: p.solarKw,
    irradiance: m.environment.irradiance,
    frequency: m.environment.frequencyHz,
    exportedEnergyTotal: p.solar.exportedKwh,
    solarStatus: f({ running: p.solarKw > 0, gridConnected: true, remoteControl: true }),
  };
}

/** Metrics of any device of the site (without nameplate attributes, see {@link nameplate}). */
export function deviceMetrics(m: SiteModel, device: DeviceInstance): MetricRecord {
  const block = device.block !== undefined ? m.blocks[device.block - 1] : undefined;
  switch (device.profile) {
    case 'bessNode':
      return bessNodeMetrics(m);
    case 'meterNode':
      return meterMetrics(m);
    case 'bessBlock':
      return blockMetrics(m, block!);
    case 'batteryString':
      return stringMetrics(m, block!.strings[device.string! - 1]);
    case 'hvac':
      return hvacMetrics(m, block!);
    case 'safety':
      return safetyMetrics(m, block!);
    case 'windNode':
      return windMetrics(m);
    case 'solarNode':
      return solarMetrics(m);
  }
}
