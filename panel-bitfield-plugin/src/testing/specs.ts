/**
 * Register specs for jsdom tests, copied in shape from model/maps/bms-string-803.yaml (a few bits each). The
 * browser test reads the real map file instead.
 */
import type { RegisterSpec } from './statusFrames';

export const STRING_STATUS: RegisterSpec = {
  key: 'stringStatus',
  label: 'String status word',
  type: 'bitfield16',
  bits: [
    { bit: 0, name: 'enabled', expected: 1, severity: 'WARNING', description: 'String enabled for operation' },
    { bit: 1, name: 'connected', expected: 1, severity: 'ALARM', description: 'String connected to the DC bus' },
    { bit: 2, name: 'balancingActive', expected: 0, severity: 'INFO', description: 'Passive cell balancing active' },
    { bit: 5, name: 'fault', expected: 0, severity: 'ALARM', description: 'String fault latched' },
    { bit: 7, name: 'derated', expected: 0, severity: 'WARNING', description: 'Current limits reduced' },
  ],
};

export const STRING_EVENTS: RegisterSpec = {
  key: 'stringEvents',
  label: 'String event 1',
  type: 'bitfield32',
  bits: [
    { bit: 0, name: 'communicationError', expected: 0, severity: 'ALARM', description: 'BMS communication error' },
    { bit: 1, name: 'overTempAlarm', expected: 0, severity: 'ALARM', description: 'Over-temperature alarm' },
    { bit: 2, name: 'overTempWarning', expected: 0, severity: 'WARNING', description: 'Over-temperature warning' },
    { bit: 20, name: 'contactorError', expected: 0, severity: 'ALARM', description: 'Contactor error' },
  ],
};

export const CONTACTOR_STATE: RegisterSpec = {
  key: 'contactorState',
  label: 'Contactor status',
  type: 'bitfield32',
  bits: [
    { bit: 0, name: 'positiveContactorClosed', expected: 1, severity: 'ALARM' },
    { bit: 1, name: 'negativeContactorClosed', expected: 1, severity: 'ALARM' },
    { bit: 2, name: 'prechargeClosed', expected: 0, severity: 'WARNING' },
  ],
};
