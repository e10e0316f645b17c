import type { RegisterFunction } from '@openbess/model';

/**
 * Typed errors of a Modbus TCP request. Every failure of {@link ModbusConnection.read} is one of these,
 * so the poller can tell a device that answered "no" (an exception response, the connection stays
 * up) from a device that did not answer (timeout, socket error: the connection is closed and
 * reconnected with backoff).
 */

/** What a request was: function, unit id and register range (0-based wire addresses). */
export interface RequestInfo {
  fn: RegisterFunction;
  unitId: number;
  start: number;
  count: number;
}

/** Modbus function code of a read (Modbus Application Protocol v1.1b3 §6.3/§6.4: FC 03 holding, FC 04 input). */
export function functionCode(fn: RegisterFunction): 3 | 4 {
  return fn === 'holding' ? 3 : 4;
}

/** "FC03 unit 1 start 100 count 20" — used in every error message. */
export function describeRequest(r: RequestInfo): string {
  return `FC0${functionCode(r.fn)} unit ${r.unitId} start ${r.start} count ${r.count}`;
}

/**
 * Modbus exception codes (Modbus Application Protocol v1.1b3 §7 "MODBUS Exception Responses").
 */
export const MODBUS_EXCEPTIONS: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** Base class: `kind` says which failure it is. */
export abstract class ModbusError extends Error {
  abstract readonly kind: 'exception' | 'timeout' | 'connection' | 'protocol' | 'closed';
}

/**
 * The device answered with a Modbus exception response (e.g. 02 illegal data address, 03 illegal
 * data value for a read of more than 125 registers, 0B gateway target failed to respond).
 * The connection stays open.
 */
export class ModbusExceptionError extends ModbusError {
  readonly kind = 'exception';
  constructor(
    /** Exception code 1..255 from the response PDU. */
    readonly code: number,
    readonly request: RequestInfo
  ) {
    const hex = code.toString(16).toUpperCase().padStart(2, '0');
    super(`Modbus exception ${hex} (${MODBUS_EXCEPTIONS[code] ?? 'unknown'}): ${describeRequest(request)}`);
    this.name = 'ModbusExceptionError';
  }
}

/** No (complete) response within the request timeout. The connection is closed and reconnected. */
export class ModbusTimeoutError extends ModbusError {
  readonly kind = 'timeout';
  constructor(
    readonly timeoutMs: number,
    readonly request: RequestInfo
  ) {
    super(`timeout after ${timeoutMs} ms: ${describeRequest(request)}`);
    this.name = 'ModbusTimeoutError';
  }
}

/** The connection could not be opened, was lost, or is waiting out its reconnect backoff. */
export class ModbusConnectionError extends ModbusError {
  readonly kind = 'connection';
  constructor(message: string) {
    super(message);
    this.name = 'ModbusConnectionError';
  }
}

/** The response did not fit the request (wrong length, unit, function, CRC): the stream is not trusted any more. */
export class ModbusProtocolError extends ModbusError {
  readonly kind = 'protocol';
  constructor(message: string) {
    super(message);
    this.name = 'ModbusProtocolError';
  }
}

/** The connection was closed by its owner ({@link ModbusConnection.close}); the request was not (fully) made. */
export class ModbusClosedError extends ModbusError {
  readonly kind = 'closed';
  constructor(message = 'connection closed') {
    super(message);
    this.name = 'ModbusClosedError';
  }
}
