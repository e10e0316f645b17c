import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { loadRegisterMap, type RegisterMap } from '@openbess/model';
import type { ArraySample, AttributeSample, PollRecord, Sample, SampleBatch, SampleSink } from '../../src/types';

/** Test fixture maps (collector/test/fixtures/maps). */
export function fixtureMap(id: string): RegisterMap {
  return loadRegisterMap(join(__dirname, '..', 'fixtures', 'maps', `${id}.yaml`));
}

/** An in-memory {@link SampleSink} (a test double of our own interface) that keeps every batch. */
export class MemorySink implements SampleSink {
  readonly batches: SampleBatch[] = [];

  push(batch: SampleBatch): void {
    this.batches.push(batch);
  }

  polls(device?: string): PollRecord[] {
    return this.batches.flatMap((b) => b.polls).filter((p) => device === undefined || p.device === device);
  }

  samples(device?: string): Sample[] {
    return this.batches.flatMap((b) => b.samples).filter((s) => device === undefined || s.device === device);
  }

  arrays(device?: string): ArraySample[] {
    return this.batches.flatMap((b) => b.arrays).filter((s) => device === undefined || s.device === device);
  }

  attributes(device?: string): AttributeSample[] {
    return this.batches.flatMap((b) => b.attributes).filter((s) => device === undefined || s.device === device);
  }

  /** The batch of the first successful poll of a device's group. */
  firstOk(device: string, group: string): SampleBatch | undefined {
    return this.batches.find((b) => b.polls.some((p) => p.device === device && p.group === group && p.ok));
  }
}

/** Resolves when `predicate` holds (checked every 20 ms); rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Builds a sequential register table from `[address, words]` pieces (unlisted registers are 0). */
export function registers(length: number, pieces: [number, number[]][]): number[] {
  const out = new Array<number>(length).fill(0);
  for (const [address, words] of pieces) words.forEach((w, i) => (out[address + i] = w));
  return out;
}

/** Every sample/array/attribute of a batch list belongs to a successful poll of the same device, group time. */
export function samplesOnlyWithOkPolls(batches: SampleBatch[]): boolean {
  return batches.every((b) => {
    const okTimes = new Set(b.polls.filter((p) => p.ok).map((p) => `${p.device}@${p.time}`));
    const items = [...b.samples, ...b.arrays, ...b.attributes];
    return items.every((s) => okTimes.has(`${s.device}@${s.time}`));
  });
}

/** One connection accepted by a {@link SilentServer}. */
export interface SilentConnection {
  bytes: number;
  closed: boolean;
}

/** A TCP server that accepts connections and never answers (a hung device). Real sockets. */
export interface SilentServer {
  port: number;
  connections: SilentConnection[];
  close(): Promise<void>;
}

/** Starts a {@link SilentServer} on an ephemeral port of 127.0.0.1. */
export async function startSilentServer(): Promise<SilentServer> {
  const connections: SilentConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const c: SilentConnection = { bytes: 0, closed: false };
    connections.push(c);
    sockets.add(socket);
    socket.on('data', (d) => (c.bytes += d.length));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      c.closed = true;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
