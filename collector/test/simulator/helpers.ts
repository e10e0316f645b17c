import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  loadRegisterMaps,
  parseSitesConfig,
  type RegisterMap,
  type RegisterPoint,
  type SiteConfig,
} from '@openbess/model';
import type { SiteModel } from '../../src/simulator';

/** The register maps shipped in model/maps (the collector's and the simulator's single source). */
export const MAPS: Map<string, RegisterMap> = loadRegisterMaps(join(__dirname, '..', '..', '..', 'model', 'maps'));

/** A validated site config from a partial site document (defaults from the schema). */
export function site(doc: Record<string, unknown>): SiteConfig {
  const base = { name: `Test ${String(doc.code)}`, modbus: { port: 15999 }, blocks: 1, stringsPerBlock: 2 };
  return parseSitesConfig({ sites: [{ ...base, ...doc }] }, 'test-sites.yaml', MAPS)[0];
}

/** The point of a map that carries a metric. @throws Error when the map has no such metric */
export function pointOf(mapId: string, metric: string): RegisterPoint {
  const p = MAPS.get(mapId)?.points.find((x) => x.metric === metric && x.kind !== 'scaleFactor');
  if (!p) throw new Error(`map ${mapId} has no metric ${metric}`);
  return p;
}

/** Bit number of a named bit of a bitfield point (from the map, never hard-coded). */
export function bitOf(point: RegisterPoint, name: string): number {
  const b = point.bits?.find((x) => x.name === name);
  if (!b) throw new Error(`${point.name} has no bit ${name}`);
  return b.bit;
}

/** Whether bit `bit` is set in a non-negative integer. */
export const isSet = (value: number, bit: number): boolean => Math.floor(value / 2 ** bit) % 2 === 1;

/** The value the model yields for (device, metric). @throws Error when there is none */
export function valueOf(model: SiteModel, device: string, metric: string): number | number[] | string | null {
  for (const v of model.values()) if (v.device === device && v.metric === metric) return v.value;
  throw new Error(`no value for ${device} ${metric}`);
}

/** Result of one mbpoll run. */
export interface MbpollResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Register address → raw 16-bit value parsed from `-t 3:hex`/`-t 4:hex` output. */
  registers: Map<number, number>;
}

/**
 * Runs the independent Modbus client mbpoll (Debian package, /usr/bin/mbpoll) once against a TCP
 * endpoint, asynchronously (the simulator must keep serving from this process's event loop).
 * @param args - e.g. `['-a', '1', '-r', '40074', '-c', '2', '-t', '4:hex']` (0-based references are added)
 * @param writeValues - values to write (mbpoll writes when values follow the host)
 */
export function mbpoll(port: number, args: string[], timeoutS = 1, writeValues: string[] = []): Promise<MbpollResult> {
  const full = [
    '-m',
    'tcp',
    '-0',
    '-1',
    '-o',
    String(timeoutS),
    '-p',
    String(port),
    ...args,
    '127.0.0.1',
    ...writeValues,
  ];
  return new Promise((resolve) => {
    execFile('/usr/bin/mbpoll', full, { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      const registers = new Map<number, number>();
      for (const m of stdout.matchAll(/^\[(\d+)\]:\s+0x([0-9A-Fa-f]+)/gm))
        registers.set(Number(m[1]), parseInt(m[2], 16));
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, registers });
    });
  });
}

/** Raw registers of a point from an mbpoll result, in wire order. */
export function registersOf(result: MbpollResult, start: number, count: number): number[] {
  const out: number[] = [];
  for (let a = start; a < start + count; a++) {
    const v = result.registers.get(a);
    if (v === undefined) throw new Error(`mbpoll returned no register ${a}: ${result.stdout}${result.stderr}`);
    out.push(v);
  }
  return out;
}

/**
 * Sends one raw Modbus TCP read request (MBAP + PDU, built by hand) and returns the response PDU:
 * an independent check of exception codes for requests mbpoll refuses to send (more than 125 registers).
 * @returns the function code and either the register values or the exception code
 */
export function rawRead(
  port: number,
  unitId: number,
  fn: 3 | 4,
  address: number,
  quantity: number
): Promise<{ fn: number; exception?: number; registers?: number[] }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no response within 2 s'));
    }, 2000);
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => {
      const req = Buffer.alloc(12);
      req.writeUInt16BE(0x1234, 0); // transaction id
      req.writeUInt16BE(0, 2); // protocol id
      req.writeUInt16BE(6, 4); // length: unit + PDU
      req.writeUInt8(unitId, 6);
      req.writeUInt8(fn, 7);
      req.writeUInt16BE(address, 8);
      req.writeUInt16BE(quantity, 10);
      sock.write(req);
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 6) return;
      const len = buf.readUInt16BE(4);
      if (buf.length < 6 + len) return;
      clearTimeout(timer);
      sock.destroy();
      const code = buf.readUInt8(7);
      if (code & 0x80) return resolve({ fn: code, exception: buf.readUInt8(8) });
      const n = buf.readUInt8(8) / 2;
      const registers: number[] = [];
      for (let i = 0; i < n; i++) registers.push(buf.readUInt16BE(9 + 2 * i));
      resolve({ fn: code, registers });
    });
  });
}
