import { ServerTCP } from 'modbus-serial';
import type { IServiceVector } from 'modbus-serial/ServerTCP';
import type { SiteImage, UnitImage } from './image';

/**
 * One Modbus TCP gateway per site (modbus-serial `ServerTCP`): devices behind it are addressed by
 * unit id; each unit serves its holding (FC 03) and input (FC 04) registers from the site's
 * register images. Behaviour follows the Modbus Application Protocol v1.1b3 and the Modbus
 * Messaging on TCP/IP Implementation Guide v1.0b:
 * - quantity outside 1–125 → exception 03 (Illegal Data Value, §6.3/6.4);
 * - a read past the unit's highest mapped register → exception 02 (Illegal Data Address);
 * - registers in gaps between mapped points read as 0;
 * - an unknown unit id → exception 0x0B (Gateway Target Device Failed to Respond, §7 of the spec;
 *   what real TCP→RTU gateways answer for a silent slave); the same for reads of a string silenced by a
 *   `stringCommsLoss` fault;
 * - while the site is paused or a commsDrop fault is active the gateway does not answer at all.
 * Writes are refused with exception 01 (Illegal Function): the simulated devices are read-only.
 */

/** Marks vectors whose servers enforce the 1–125 quantity rule (see {@link installQuantityCheck}). */
const STRICT = Symbol.for('openbess.simulator.strictQuantity');
const MAX_READ = 125;

/** A Modbus exception to pass to a modbus-serial callback. */
export class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string
  ) {
    super(message);
    this.name = 'ModbusException';
  }
}

type RequestHandler = (req: Buffer, vector: unknown, unitID: number, cb: (err: unknown, res?: Buffer) => void) => void;
let installed = false;

/**
 * modbus-serial's ServerTCP answers 126–127 registers and fails ≥ 128 with exception 04 before the
 * vector is asked. For vectors carrying the {@link STRICT} mark this wraps its FC 03/04 handlers so
 * a quantity outside 1–125 gets exception 03 as the spec requires; other servers are unaffected.
 */
function installQuantityCheck(): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handlers = require('modbus-serial/servers/servertcp_handler') as Record<string, RequestHandler>;
  for (const name of ['readMultipleRegisters', 'readInputRegisters']) {
    const original = handlers[name];
    handlers[name] = (req, vector, unitID, cb) => {
      const strict = (vector as Record<symbol, unknown>)[STRICT] as ((unitID: number) => boolean) | undefined;
      if (strict && req.length >= 6) {
        const quantity = req.readUInt16BE(4);
        if (quantity < 1 || quantity > MAX_READ) {
          if (strict(unitID)) cb(new ModbusException(0x03, `quantity ${quantity} outside 1-${MAX_READ}`));
          return;
        }
      }
      original(req, vector, unitID, cb);
    };
  }
}

/** Modbus TCP gateway of one site. */
export class Gateway {
  /** Silent (no responses) while paused, e.g. by a test or a commsDrop fault. */
  paused = false;
  private server: ServerTCP | null = null;
  private boundPort = 0;
  /** Requests seen (for tests and logs). */
  requests = 0;

  constructor(
    readonly image: SiteImage,
    readonly host: string,
    private readonly port: number
  ) {
    installQuantityCheck();
  }

  /** Port the gateway listens on (the ephemeral port when configured with 0). */
  get listeningPort(): number {
    return this.boundPort;
  }

  /** Whether the gateway answers now. */
  private answering(): boolean {
    return !this.paused && !this.image.model.commsDown;
  }

  /**
   * Starts listening.
   * @throws Error when the port cannot be bound (e.g. EADDRINUSE), naming host and port
   */
  async start(): Promise<void> {
    if (this.server) return;
    const vector = this.vector();
    const port = this.boundPort || this.port;
    // ServerTCP uses `options.port || 502`: pass port 0 as the string '0' to get an ephemeral port.
    const server = new ServerTCP(vector, { host: this.host, port: (port === 0 ? '0' : port) as number });
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve());
      server.once('serverError', (e: Error) =>
        reject(new Error(`Modbus gateway ${this.host}:${port}: ${e.message}`, { cause: e }))
      );
    });
    // keep listeners so socket errors (client resets) never crash the process
    server.on('serverError', () => undefined);
    server.on('socketError', () => undefined);
    server.on('error', () => undefined);
    const raw = (server as unknown as { _server: import('node:net').Server })._server;
    const addr = raw.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
    this.server = server;
  }

  /** Stops listening and drops every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private unit(unitID: number): UnitImage | undefined {
    return this.image.units.get(unitID);
  }

  private read(
    fn: 'holding' | 'input',
    addr: number,
    length: number,
    unitID: number
  ): number[] | ModbusException | null {
    this.requests++;
    if (!this.answering()) return null;
    const unit = this.unit(unitID);
    if (!unit) return new ModbusException(0x0b, `no device at unit id ${unitID}`);
    if (this.image.model.isSilenced(unitID, addr, length))
      return new ModbusException(0x0b, `unit ${unitID}: no answer`);
    if (length < 1 || length > MAX_READ) return new ModbusException(0x03, `quantity ${length} outside 1-${MAX_READ}`);
    const table = fn === 'holding' ? unit.holding : unit.input;
    if (addr + length > table.length)
      return new ModbusException(0x02, `unit ${unitID}: ${fn} registers end at ${table.length - 1}`);
    return Array.from(table.subarray(addr, addr + length));
  }

  private vector(): IServiceVector {
    const reply = <T>(result: T | ModbusException | null, cb: (err: Error | null, value: T) => void): void => {
      if (result === null) return; // silent: the client times out
      if (result instanceof ModbusException) cb(result, undefined as T);
      else cb(null, result);
    };
    const refuseWrite = (unitID: number, cb: (err: Error | null) => void): void => {
      this.requests++;
      if (!this.answering()) return;
      if (!this.unit(unitID)) cb(new ModbusException(0x0b, `no device at unit id ${unitID}`));
      else cb(new ModbusException(0x01, 'simulated devices are read-only'));
    };
    const vector: IServiceVector & Record<symbol, unknown> = {
      getMultipleHoldingRegisters: (
        addr: number,
        length: number,
        unitID: number,
        cb: (e: Error | null, v: number[]) => void
      ) => reply(this.read('holding', addr, length, unitID), cb),
      getMultipleInputRegisters: (
        addr: number,
        length: number,
        unitID: number,
        cb: (e: Error | null, v: number[]) => void
      ) => reply(this.read('input', addr, length, unitID), cb),
      getHoldingRegister: (addr: number, unitID: number, cb: (e: Error | null, v: number) => void) => {
        const r = this.read('holding', addr, 1, unitID);
        reply(Array.isArray(r) ? r[0] : r, cb);
      },
      getInputRegister: (addr: number, unitID: number, cb: (e: Error | null, v: number) => void) => {
        const r = this.read('input', addr, 1, unitID);
        reply(Array.isArray(r) ? r[0] : r, cb);
      },
      setRegister: (_addr: number, _value: number, unitID: number, cb: (e: Error | null) => void) =>
        refuseWrite(unitID, cb),
      setRegisterArray: (_addr: number, _value: number[], unitID: number, cb: (e: Error | null) => void) =>
        refuseWrite(unitID, cb),
    };
    // quantity errors are answered only while the gateway answers at all
    vector[STRICT] = () => {
      this.requests++;
      return this.answering();
    };
    return vector;
  }
}
