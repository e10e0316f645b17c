import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import pino from 'pino';
import { parseSitesConfig } from '@openbess/model';
import { SiteStatsBoard } from '../../src/plant/stats-board';
import { startPlantThread } from '../../src/plant/thread';
import { createLatestBuffers, LatestReader } from '../../src/store/latest-values';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { freePort, shippedMaps, waitFor } from '../e2e/helpers';
import { startSimulator, type Simulator } from '../../src/simulator';

/**
 * The collector service's plant thread (plant/thread.ts): a real worker thread polling a simulator
 * over Modbus TCP into the real PostgreSQL; the main thread sees its work only through the shared
 * latest values, the stats board and forwarded log records.
 */
jest.setTimeout(60_000);

const maps = shippedMaps();
let db: TestDatabase;
let sim: Simulator;
let spoolDir: string;

beforeAll(async () => {
  db = await createTestDatabase('openbess_plant_thread');
  spoolDir = mkdtempSync(join(tmpdir(), 'openbess-plant-'));
});

afterAll(async () => {
  await sim?.stop();
  await db?.drop();
  rmSync(spoolDir, { recursive: true, force: true });
});

/** A pino logger whose records are kept as objects. */
function capturingLogger() {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), records };
}

const config = (port: number) =>
  parseSitesConfig(
    { sites: [{ code: 'EE001', name: 'thread', modbus: { host: '127.0.0.1', port }, blocks: 1, stringsPerBlock: 2 }] },
    'thread.yaml',
    maps
  );

it('polls into the database; the main thread reads values, counters and log records', async () => {
  const sites = config(await freePort());
  sim = await startSimulator({ sites, maps });
  const { logger, records } = capturingLogger();
  const latest = createLatestBuffers();
  const board = new SiteStatsBoard(['EE001']);
  const plant = await startPlantThread({
    databaseUrl: db.url,
    sites,
    maps,
    spoolDir,
    logger,
    latest,
    stats: board.buffer,
  });
  try {
    await plant.ready;
    const reader = new LatestReader(latest);
    await expect(reader.ready()).resolves.toBe(true);
    await waitFor('points committed', async () => board.read('EE001').pointsWritten > 0, 30_000);
    expect(board.read('EE001').lastPollAt).toBeGreaterThan(Date.now() - 30_000);
    // the value the reader holds for the BESS controller's frequency is the stored one
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client
      .query<{ id: number }>(`SELECT id FROM series WHERE device = 'EE001ES1' AND metric = 'frequency'`)
      .finally(() => client.end());
    const id = rows[0].id;
    await waitFor('frequency in memory', async () => !Number.isNaN(reader.timeAt(id)), 10_000);
    expect(reader.valueAt(id)).toBeGreaterThan(49);
    expect(reader.valueAt(id)).toBeLessThan(51);
    expect(records.some((r) => r.thread === 'plant' && r.msg === 'poller started')).toBe(true);
    expect(plant.restarts()).toBe(0);
  } finally {
    await plant.stop();
  }
  // stopped cleanly: the last counters were published and nothing is left in memory
  expect(board.read('EE001').pointsBuffered).toBe(0);
});

it('a plant that cannot start (no map for a device) rejects with the plan error; nothing keeps running', async () => {
  const sites = config(await freePort());
  const incomplete = new Map([...maps].filter(([id]) => !id.startsWith('cells')));
  const { logger } = capturingLogger();
  await expect(
    startPlantThread({
      databaseUrl: db.url,
      sites,
      maps: incomplete,
      spoolDir,
      logger,
      latest: createLatestBuffers(),
      stats: new SiteStatsBoard(['EE001']).buffer,
    })
  ).rejects.toThrow(/site EE001: device EE001ES1BK1BS1: no register map "cells/);
});
