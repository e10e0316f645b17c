/**
 * Entry of the collector service's plant thread (started by ./thread.ts): runs {@link startPlant} with
 * the service's settings from `workerData` and talks to the main thread by {@link PlantMessage}s.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { startPlant, type Plant } from './plant';
import type { PlantCommand, PlantMessage, PlantWorkerData } from './protocol';

const port = parentPort;
if (!port) throw new Error('plant/worker.ts runs as a worker thread (see plant/thread.ts)');
const send = (m: PlantMessage) => port.postMessage(m);
const data = workerData as PlantWorkerData;
const logger = pino(
  { level: data.logLevel, base: null, timestamp: false },
  { write: (line: string) => send({ type: 'log', line }) }
);

let plant: Plant | null = null;
try {
  plant = startPlant({
    databaseUrl: data.databaseUrl,
    sites: data.sites,
    maps: data.maps,
    spoolDir: data.spoolDir,
    logger,
    latest: data.latest,
    stats: data.stats,
    ...(data.poolMax !== undefined ? { poolMax: data.poolMax } : {}),
    ...(data.timeoutMs !== undefined ? { timeoutMs: data.timeoutMs } : {}),
  });
} catch (e) {
  send({ type: 'failed', message: (e as Error).message });
}
if (plant) {
  const running = plant;
  send({ type: 'started' });
  void running.ready.then(() => send({ type: 'ready' }));
  port.on('message', (m: PlantCommand) => {
    if (m.type !== 'stop') return;
    void running
      .stop()
      .catch((e: unknown) => logger.error({ err: (e as Error).message }, 'plant stop failed'))
      .then(() => {
        send({ type: 'stopped' });
        port.close();
      });
  });
} else {
  port.close();
}
