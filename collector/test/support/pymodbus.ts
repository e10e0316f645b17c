import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test support: an independent Modbus TCP server (pymodbus 3.0 from Debian `python3-pymodbus`, run
 * with /usr/bin/python3 — not a pyenv shim) serving a register image, as a child process.
 * See pymodbus-server.py for the image format and what pymodbus enforces.
 */

/** Registers of one table: a sequential list from wire address 0, or sparse `{address: value | values}`. */
export type RegisterTable = number[] | Record<string, number | number[]>;

/** The image pymodbus serves. Addresses are 0-based wire addresses. */
export interface PymodbusImage {
  units: Record<string, { holding?: RegisterTable; input?: RegisterTable; delayMs?: number }>;
  /** Answer unknown unit ids with exception 0B like a gateway (default: no answer, like a plain device). */
  gateway?: boolean;
}

/** One response pymodbus sent (from its stdout log). */
export interface ServedResponse {
  unit: number;
  /** Function code of the request (3 or 4). */
  fc: number;
  /** Exception code, or null for a normal response. */
  exception: number | null;
  /** Registers in a normal response. */
  registers: number;
}

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'pymodbus-server.py');
const START_TIMEOUT_MS = 20_000;

/** A running (or stopped, restartable) pymodbus server on 127.0.0.1. */
export class PymodbusServer {
  readonly host = '127.0.0.1';
  /** Every response served, across restarts. */
  readonly responses: ServedResponse[] = [];
  /** When the server last began accepting connections (epoch ms, measured by a connect probe). */
  acceptedAt = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';

  private constructor(
    private readonly dir: string,
    private readonly imageFile: string,
    public port: number
  ) {}

  /**
   * Starts pymodbus serving `image` on an ephemeral port (or `port`) and resolves once it accepts
   * TCP connections.
   * @throws Error with pymodbus's stderr when it does not start within 20 s.
   */
  static async start(image: PymodbusImage, port = 0): Promise<PymodbusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'openbess-pymodbus-'));
    const file = join(dir, 'image.json');
    writeFileSync(file, JSON.stringify(image));
    const server = new PymodbusServer(dir, file, port);
    try {
      await server.launch();
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** Starts the server again on the same port (after {@link stop}). */
  async restart(): Promise<void> {
    if (this.child) throw new Error('pymodbus is still running');
    await this.launch();
  }

  /** SIGTERM (SIGKILL after 5 s) and wait for the process to exit. Client connections are dropped. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(kill);
    }
    this.child = undefined;
  }

  /** Stops the server and removes its image file. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private launch(): Promise<void> {
    this.stderr = '';
    const child = spawn(PYTHON, [SCRIPT, this.imageFile, String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-4000);
    });
    let listening: (port: number) => void = () => undefined;
    const portKnown = new Promise<number>((resolve) => (listening = resolve));
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      buffered += s;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const msg = JSON.parse(line) as { event: string; port?: number } & ServedResponse;
        if (msg.event === 'listening') listening(msg.port as number);
        else if (msg.event === 'response')
          this.responses.push({ unit: msg.unit, fc: msg.fc, exception: msg.exception, registers: msg.registers });
      }
    });
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new Error('pymodbus did not start within 20 s')), START_TIMEOUT_MS);
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${e.message}\n${this.stderr}`));
      };
      child.on('error', fail);
      child.once('exit', (code, signal) => fail(new Error(`pymodbus exited (${code ?? signal}) while starting`)));
      portKnown
        .then(async (port) => {
          this.port = port;
          await waitForAccept(this.host, port, START_TIMEOUT_MS);
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.acceptedAt = Date.now();
          resolve();
        })
        .catch(fail);
    });
  }
}

/** Resolves once a TCP connection to host:port succeeds (probing every 20 ms). */
export async function waitForAccept(host: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing accepts connections on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
