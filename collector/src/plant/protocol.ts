import type { RegisterMap, SiteConfig } from '@openbess/model';
import type { LatestBuffers } from '../store/latest-values';

/** What the plant thread starts with (structured-cloned; the buffers are shared, not copied). */
export interface PlantWorkerData {
  databaseUrl: string;
  sites: SiteConfig[];
  maps: Map<string, RegisterMap>;
  spoolDir: string;
  poolMax?: number;
  timeoutMs?: number;
  /** pino level of the service's logger (records are sent to the main thread, which logs them). */
  logLevel: string;
  latest: LatestBuffers;
  stats: SharedArrayBuffer;
}

/** Plant thread → main thread. */
export type PlantMessage =
  /** Polling started (plans valid). */
  | { type: 'started' }
  /** Plans invalid or another start error: the thread ends. */
  | { type: 'failed'; message: string }
  /** Store ready (migrations, registration, latest values loaded). */
  | { type: 'ready' }
  /** One pino record as JSON text (no time, pid or hostname: the main thread's logger adds its own). */
  | { type: 'log'; line: string }
  /** Stopped cleanly (buffered points written or spooled, pool closed): the thread ends. */
  | { type: 'stopped' };

/** Main thread → plant thread. */
export type PlantCommand = { type: 'stop' };
