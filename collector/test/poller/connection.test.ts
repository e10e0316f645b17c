/**
 * ModbusConnection over real sockets: pymodbus as the device, and a TCP server that accepts and
 * never answers as a hung device.
 */
import {
  backoffDelay,
  ModbusClosedError,
  ModbusConnection,
  ModbusConnectionError,
  ModbusExceptionError,
  ModbusTimeoutError,
} from '../../src/poller';
import { PymodbusServer } from '../support/pymodbus';
import { sleep, startSilentServer, waitFor, type SilentServer } from './helpers';

describe('ModbusConnection against pymodbus', () => {
  let server: PymodbusServer;
  let gateway: PymodbusServer;

  beforeAll(async () => {
    [server, gateway] = await Promise.all([
      PymodbusServer.start({ units: { '1': { holding: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], input: [0x1234, 0xfffe] } } }),
      PymodbusServer.start({ units: { '1': { holding: [42] } }, gateway: true }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.dispose(), gateway?.dispose()]);
  });

  it('reads holding (FC03) and input (FC04) registers', async () => {
    const conn = new ModbusConnection({ host: server.host, port: server.port, timeoutMs: 1000 });
    try {
      expect(await conn.readHoldingRegisters(1, 2, 3)).toEqual([3, 4, 5]);
      expect(await conn.readInputRegisters(1, 0, 2)).toEqual([0x1234, 0xfffe]);
      expect(conn.stats()).toMatchObject({ connects: 1, requests: 2, responses: 2, exceptions: 0 });
    } finally {
      await conn.close();
    }
  });

  it('an exception response is a typed error with its code and keeps the connection', async () => {
    const conn = new ModbusConnection({ host: server.host, port: server.port, timeoutMs: 1000 });
    try {
      await conn.read('holding', 1, 0, 1);
      const err = await conn.read('holding', 1, 5, 10).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModbusExceptionError);
      expect((err as ModbusExceptionError).code).toBe(2);
      expect((err as Error).message).toMatch(
        /Modbus exception 02 \(illegal data address\): FC03 unit 1 start 5 count 10/
      );
      expect(await conn.read('holding', 1, 9, 1)).toEqual([10]);
      expect(conn.stats()).toMatchObject({ connects: 1, disconnects: 0, exceptions: 1 });
    } finally {
      await conn.close();
    }
  });

  it('an unknown unit behind a gateway answers exception 0B', async () => {
    const conn = new ModbusConnection({ host: gateway.host, port: gateway.port, timeoutMs: 1000 });
    try {
      const err = await conn.read('holding', 9, 0, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModbusExceptionError);
      expect((err as ModbusExceptionError).code).toBe(11);
      expect((err as Error).message).toMatch(/exception 0B \(gateway target device failed to respond\)/);
      expect(await conn.read('holding', 1, 0, 1)).toEqual([42]);
    } finally {
      await conn.close();
    }
  });

  it('an unknown unit of a plain device times out; the connection is closed and reopened', async () => {
    const conn = new ModbusConnection({ host: server.host, port: server.port, timeoutMs: 300 });
    try {
      await conn.read('holding', 1, 0, 1);
      const err = await conn.read('holding', 9, 0, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModbusTimeoutError);
      expect((err as Error).message).toMatch(/timeout after 300 ms: FC03 unit 9 start 0 count 1/);
      expect(conn.connected).toBe(false);
      await sleep(150); // past the first backoff step (50–100 ms)
      expect(await conn.read('holding', 1, 0, 1)).toEqual([1]);
      expect(conn.stats()).toMatchObject({ connects: 2, disconnects: 1, timeouts: 1 });
    } finally {
      await conn.close();
    }
  });

  it('refuses requests outside the Modbus limits without sending them', async () => {
    const conn = new ModbusConnection({ host: server.host, port: server.port, timeoutMs: 1000 });
    const served = server.responses.length;
    try {
      await expect(conn.read('holding', 1, 0, 126)).rejects.toThrow(/count must be 1\.\.125/);
      await expect(conn.read('holding', 256, 0, 1)).rejects.toThrow(/unit id must be 0\.\.255/);
      await expect(conn.read('input', 1, 65500, 100)).rejects.toThrow(/past register 65535/);
      expect(conn.stats().requests).toBe(0);
      expect(server.responses.length).toBe(served);
    } finally {
      await conn.close();
    }
  });

  it('reconnects after the device restarts on the same port', async () => {
    const device = await PymodbusServer.start({ units: { '1': { holding: [7] } } });
    const conn = new ModbusConnection({ host: device.host, port: device.port, timeoutMs: 500 });
    try {
      expect(await conn.read('holding', 1, 0, 1)).toEqual([7]);
      await device.stop();
      await waitFor(() => !conn.connected, 'the connection to see the device close');
      const down = await conn.read('holding', 1, 0, 1).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(ModbusConnectionError);
      await device.restart();
      let value: number[] | undefined;
      for (let i = 0; i < 50 && !value; i++) {
        value = await conn.read('holding', 1, 0, 1).catch(() => undefined);
        if (!value) await sleep(50);
      }
      expect(value).toEqual([7]);
      expect(conn.stats().connects).toBe(2);
    } finally {
      await conn.close();
      await device.dispose();
    }
  });
});

describe('ModbusConnection against a device that never answers', () => {
  let silent: SilentServer;

  beforeAll(async () => {
    silent = await startSilentServer();
  });

  afterAll(async () => {
    await silent?.close();
  });

  it('keeps one request outstanding: concurrent reads are queued, not pipelined', async () => {
    const conn = new ModbusConnection({ host: '127.0.0.1', port: silent.port, timeoutMs: 300 });
    try {
      const results = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => conn.read('holding', 1, i, 1)));
      // 12 bytes = one Modbus TCP read request (7-byte MBAP header + 5-byte PDU)
      expect(silent.connections.map((c) => c.bytes)).toEqual([12]);
      const errors = results.map((r) => (r.status === 'rejected' ? r.reason : r.value));
      expect(errors[0]).toBeInstanceOf(ModbusTimeoutError);
      // the others fail at once during the reconnect backoff instead of queueing behind a dead device
      for (const e of errors.slice(1)) {
        expect(e).toBeInstanceOf(ModbusConnectionError);
        expect((e as Error).message).toMatch(
          /not connected, next attempt in \d+ ms \(last error: timeout after 300 ms/
        );
      }
      await waitFor(() => silent.connections[0].closed, 'the timed-out connection to be closed');
    } finally {
      await conn.close();
    }
  });

  it('close() ends an in-flight request at once and closes the socket', async () => {
    const conn = new ModbusConnection({ host: '127.0.0.1', port: silent.port, timeoutMs: 120_000 });
    const before = silent.connections.length;
    const pending = conn.read('holding', 1, 0, 1).catch((e: unknown) => e);
    await waitFor(() => silent.connections.length > before && silent.connections[before].bytes === 12, 'the request');
    // the request timeout (120 s) is beyond the test timeout: only close() can end it
    await conn.close();
    expect(await pending).toBeInstanceOf(ModbusClosedError);
    await waitFor(() => silent.connections[before].closed, 'the socket to be closed');
    await expect(conn.read('holding', 1, 0, 1)).rejects.toBeInstanceOf(ModbusClosedError);
  });

  it('a connection attempt is bounded by the timeout', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): not routed, so the SYN gets no answer.
    const conn = new ModbusConnection({ host: '192.0.2.1', port: 502, timeoutMs: 200 });
    try {
      const err = await conn.read('holding', 1, 0, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModbusConnectionError);
      expect((err as Error).message).toMatch(/connect failed: (no connection within 200 ms|connect E\w+)/);
      expect(conn.stats()).toMatchObject({ connects: 0, connectFailures: 1 });
    } finally {
      await conn.close();
    }
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, with equal jitter', () => {
    const opts = { initialMs: 100, maxMs: 10_000 };
    expect(backoffDelay(0, opts, () => 0.5)).toBe(0);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, opts, () => 0))).toEqual([50, 100, 200, 400]);
    expect(backoffDelay(1, opts, () => 0.999)).toBeLessThan(100);
    expect(backoffDelay(30, opts, () => 0)).toBe(5000);
    expect(backoffDelay(30, opts, () => 0.999)).toBeLessThan(10_000);
    expect(backoffDelay(1000, opts, () => 0.999)).toBeLessThan(10_000);
  });
});
