import { Socket } from 'node:net';
import ModbusRTU from 'modbus-serial';
import type { RegisterFunction } from '@openbess/model';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import {
  describeRequest,
  ModbusClosedError,
  ModbusConnectionError,
  ModbusExceptionError,
  ModbusProtocolError,
  ModbusTimeoutError,
  type RequestInfo,
} from './errors';
import { silentLogger, type ConnectionStats, type PollerLogger } from './types';

/** Modbus limit on registers per read (Modbus Application Protocol v1.1b3 §6.3: 1 to 125). */
const MAX_READ = 125;

/**
 * Our own guard fires this long after the library's request timeout: modbus-serial's timer is
 * cancelled when its port is destroyed, and it never fails in-flight requests on close, so without
 * the guard a request could stay pending forever.
 */
const GUARD_SLACK_MS = 50;

/** Options of a {@link ModbusConnection}. */
export interface ConnectionOptions {
  host: string;
  port: number;
  /** Timeout of each request and of each connection attempt, ms. */
  timeoutMs: number;
  /** Reconnect backoff (default 100 ms doubling to 10 s, equal jitter). */
  backoff?: BackoffOptions;
  logger?: PollerLogger;
  /** Name in stats and log lines (default `host:port`). */
  key?: string;
}

interface Job extends RequestInfo {
  resolve: (data: number[]) => void;
  reject: (err: Error) => void;
}

interface InFlight {
  settle: (err: Error | null, data?: number[]) => void;
}

interface LibraryError {
  name?: string;
  message?: string;
  modbusCode?: number;
}

/**
 * One persistent Modbus TCP connection (modbus-serial 8 over a socket we own), with:
 * - strictly one outstanding request: requests wait in our own FIFO (modbus-serial would pipeline
 *   concurrent calls on one socket, which many devices and gateways mishandle);
 * - a timeout on every request (the library's `setTimeout`) and on every connection attempt, plus a
 *   guard timer of our own, so no request stays pending when the library gives up on a socket;
 * - `error` and `close` listeners on the socket and the client at all times (an unhandled `error`
 *   event would crash the process);
 * - reconnect on demand: after a timeout, socket error or protocol error the socket is closed; the
 *   next request reconnects once the backoff has passed (exponential with jitter, reset by the first
 *   good response); requests arriving during the backoff fail at once with
 *   {@link ModbusConnectionError} instead of queueing behind a dead device;
 * - a device's exception response rejects with {@link ModbusExceptionError} (code kept) and leaves the
 *   connection open.
 *
 * Every returned promise settles; none is left to reject unhandled.
 */
export class ModbusConnection {
  readonly host: string;
  readonly port: number;
  readonly key: string;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly log: PollerLogger;
  private readonly queue: Job[] = [];
  private busy = false;
  private closed = false;
  private current: Promise<void> = Promise.resolve();
  private socket: Socket | undefined;
  private client: ModbusRTU | undefined;
  private inFlight: InFlight | undefined;
  private abortConnect: ((err: Error) => void) | undefined;
  private failures = 0;
  private nextAttemptAt = 0;
  private readonly counters = {
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    requests: 0,
    responses: 0,
    exceptions: 0,
    timeouts: 0,
  };
  private lastError: string | null = null;

  constructor(options: ConnectionOptions) {
    this.host = options.host;
    this.port = options.port;
    this.key = options.key ?? `${options.host}:${options.port}`;
    this.timeoutMs = options.timeoutMs;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.log = options.logger ?? silentLogger;
  }

  /** Whether a TCP connection is open now. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /**
   * Reads `count` registers from `start` (0-based wire address) of unit `unitId`.
   * @returns the registers, each 0..65535
   * @throws (rejects with) ModbusExceptionError, ModbusTimeoutError, ModbusConnectionError,
   *   ModbusProtocolError, ModbusClosedError; RangeError for a request outside the Modbus limits.
   */
  read(fn: RegisterFunction, unitId: number, start: number, count: number): Promise<number[]> {
    const bad =
      !Number.isInteger(unitId) || unitId < 0 || unitId > 255
        ? 'unit id must be 0..255'
        : !Number.isInteger(start) || start < 0 || start > 65535
          ? 'start must be 0..65535'
          : !Number.isInteger(count) || count < 1 || count > MAX_READ
            ? `count must be 1..${MAX_READ}`
            : start + count > 65536
              ? 'the range runs past register 65535'
              : null;
    if (bad)
      return Promise.reject(new RangeError(`${this.key}: ${describeRequest({ fn, unitId, start, count })}: ${bad}`));
    if (this.closed) return Promise.reject(new ModbusClosedError(`${this.key}: connection closed`));
    return new Promise<number[]>((resolve, reject) => {
      this.queue.push({ fn, unitId, start, count, resolve, reject });
      this.pump();
    });
  }

  /** FC 03. See {@link read}. */
  readHoldingRegisters(unitId: number, start: number, count: number): Promise<number[]> {
    return this.read('holding', unitId, start, count);
  }

  /** FC 04. See {@link read}. */
  readInputRegisters(unitId: number, start: number, count: number): Promise<number[]> {
    return this.read('input', unitId, start, count);
  }

  /**
   * Closes the connection for good: queued requests reject with {@link ModbusClosedError}, the socket
   * is destroyed (an in-flight request rejects at once) and the returned promise resolves when the
   * in-flight request has settled. Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ModbusClosedError(`${this.key}: connection closed`));
    this.teardown(new ModbusClosedError(`${this.key}: connection closed during the request`), false);
    await this.current;
  }

  /** Counters since construction. */
  stats(): ConnectionStats {
    return {
      key: this.key,
      host: this.host,
      port: this.port,
      connected: this.connected,
      ...this.counters,
      lastError: this.lastError,
    };
  }

  private pump(): void {
    if (this.busy) return;
    const job = this.queue.shift();
    if (!job) return;
    this.busy = true;
    this.current = this.execute(job)
      .then(job.resolve, job.reject)
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  private async execute(job: Job): Promise<number[]> {
    if (this.closed) throw new ModbusClosedError(`${this.key}: connection closed`);
    if (!this.client) await this.ensureConnected();
    return this.send(job);
  }

  private async ensureConnected(): Promise<void> {
    const wait = this.nextAttemptAt - Date.now();
    if (wait > 0) {
      throw new ModbusConnectionError(
        `${this.key}: not connected, next attempt in ${Math.ceil(wait)} ms (last error: ${this.lastError})`
      );
    }
    try {
      await this.connect();
    } catch (e) {
      const msg = (e as Error).message;
      if (e instanceof ModbusClosedError) throw e;
      this.counters.connectFailures++;
      this.fail(`connect failed: ${msg}`);
      throw new ModbusConnectionError(`${this.key}: connect failed: ${msg}`);
    }
    this.counters.connects++;
    if (this.failures > 0 || this.counters.connects > 1) this.log.info({ connection: this.key }, 'Modbus connected');
    else this.log.debug({ connection: this.key }, 'Modbus connected');
  }

  /** Opens a socket (bounded by the timeout) and links a fresh modbus-serial client to it. */
  private connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = new Socket();
      let settled = false;
      let socketError: Error | undefined;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.abortConnect = undefined;
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`no connection within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.abortConnect = fail;
      socket.on('error', (err) => {
        socketError = err;
        fail(err);
      });
      socket.on('close', () => {
        fail(socketError ?? new Error('socket closed while connecting'));
        if (socket === this.socket) this.onSocketClosed(socketError);
      });
      socket.once('connect', () => {
        if (settled) return;
        const client = new ModbusRTU();
        // The library emits 'error'/'close' on the client; unhandled 'error' events crash Node.
        client.on('error', (err) => this.log.debug({ connection: this.key, err }, 'modbus-serial error event'));
        client.on('close', () => undefined);
        client.linkTCP(socket, { port: this.port }).then(
          () => {
            if (settled) {
              client.destroy(() => undefined);
              return;
            }
            settled = true;
            clearTimeout(timer);
            this.abortConnect = undefined;
            client.setTimeout(this.timeoutMs);
            socket.setNoDelay(true);
            socket.setKeepAlive(true, 10_000);
            this.socket = socket;
            this.client = client;
            resolve();
          },
          (err: unknown) => fail(err instanceof Error ? err : new Error(String(err)))
        );
      });
      socket.connect({ host: this.host, port: this.port });
    });
  }

  private send(job: Job): Promise<number[]> {
    const client = this.client as ModbusRTU;
    const info: RequestInfo = { fn: job.fn, unitId: job.unitId, start: job.start, count: job.count };
    return new Promise<number[]>((resolve, reject) => {
      let done = false;
      const flight: InFlight = {
        settle: (err, data) => {
          if (done) return;
          done = true;
          clearTimeout(guard);
          if (this.inFlight === flight) this.inFlight = undefined;
          if (err) reject(err);
          else resolve(data as number[]);
        },
      };
      const timedOut = (): void => {
        this.counters.timeouts++;
        const err = new ModbusTimeoutError(this.timeoutMs, info);
        flight.settle(err);
        this.teardown(err, true);
      };
      const guard = setTimeout(timedOut, this.timeoutMs + GUARD_SLACK_MS);
      this.inFlight = flight;
      this.counters.requests++;
      const callback = (err: unknown, res?: { data: number[] }): void => {
        if (done) return;
        if (err) {
          const e = err as LibraryError;
          if (typeof e.modbusCode === 'number') {
            // The device answered: the link works.
            this.counters.exceptions++;
            this.succeeded();
            flight.settle(new ModbusExceptionError(e.modbusCode, info));
          } else if (e.name === 'TransactionTimedOutError') {
            timedOut();
          } else if (e.name === 'PortNotOpenError') {
            const lost = new ModbusConnectionError(`${this.key}: connection lost: ${describeRequest(info)}`);
            flight.settle(lost);
            this.teardown(lost, true);
          } else {
            const bad = new ModbusProtocolError(`${this.key}: ${e.message ?? String(err)}: ${describeRequest(info)}`);
            flight.settle(bad);
            this.teardown(bad, true);
          }
          return;
        }
        const data = res?.data;
        if (!Array.isArray(data) || data.length !== job.count) {
          const bad = new ModbusProtocolError(
            `${this.key}: ${data?.length ?? 'no'} registers in the response: ${describeRequest(info)}`
          );
          flight.settle(bad);
          this.teardown(bad, true);
          return;
        }
        this.counters.responses++;
        this.succeeded();
        flight.settle(null, data);
      };
      try {
        if (job.fn === 'holding') client.writeFC3(job.unitId, job.start, job.count, callback);
        else client.writeFC4(job.unitId, job.start, job.count, callback);
      } catch (e) {
        callback(e);
      }
    });
  }

  private succeeded(): void {
    this.failures = 0;
    this.nextAttemptAt = 0;
  }

  /** Counts a failure and sets when the next connection attempt may start. */
  private fail(message: string): void {
    if (this.failures === 0) this.log.warn({ connection: this.key, error: message }, 'Modbus connection failing');
    else this.log.debug({ connection: this.key, error: message }, 'Modbus connection still failing');
    this.failures++;
    this.lastError = message;
    this.nextAttemptAt = Date.now() + backoffDelay(this.failures, this.backoff);
  }

  private onSocketClosed(socketError: Error | undefined): void {
    const err = new ModbusConnectionError(
      `${this.key}: connection lost${socketError ? `: ${socketError.message}` : ' (closed by the device)'}`
    );
    this.teardown(err, true);
  }

  /**
   * Drops the socket and the client; the in-flight request (if any) rejects with `reason`.
   * @param failure - count it as a failure (backoff) and a disconnect
   */
  private teardown(reason: Error, failure: boolean): void {
    this.abortConnect?.(reason);
    const { socket, client } = this;
    this.socket = undefined;
    this.client = undefined;
    if (client) {
      try {
        client.destroy(() => undefined);
      } catch {
        // the socket is destroyed below anyway
      }
    }
    if (socket && !socket.destroyed) socket.destroy();
    this.inFlight?.settle(reason);
    if (failure && (socket || client)) {
      this.counters.disconnects++;
      this.fail(reason.message);
    }
  }
}
