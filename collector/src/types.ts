/**
 * Contracts between the collector's parts: the poller produces samples and poll records, the
 * ingest pipeline buffers/spools them and the store writes them. Times are epoch milliseconds (UTC).
 */

/** One scalar value read from a register point. `value` null = not implemented (sentinel) or no data. */
export interface Sample {
  time: number;
  device: string;
  metric: string;
  value: number | null;
}

/** One array value (e.g. 416 cell voltages of a string), stored as one `real[]` row. */
export interface ArraySample {
  time: number;
  device: string;
  metric: string;
  values: (number | null)[];
}

/** A text/nameplate attribute (serial number, firmware, ratings given as strings). */
export interface AttributeSample {
  time: number;
  device: string;
  name: string;
  value: string | null;
}

/**
 * The outcome of one poll of one device source (one map at one unit id/base) for one poll group:
 * the data-quality record. A failed poll writes no samples (a gap, never a stale value).
 */
export interface PollRecord {
  time: number;
  site: string;
  device: string;
  map: string;
  unitId: number;
  group: string;
  ok: boolean;
  /** Wall time from first request sent to last response, ms. */
  latencyMs: number;
  /** Modbus requests issued for this poll. */
  requests: number;
  /** Points (scalar values + array elements) decoded. */
  points: number;
  error?: string;
}

/** What one poll cycle hands to the ingest pipeline. */
export interface SampleBatch {
  samples: Sample[];
  arrays: ArraySample[];
  attributes: AttributeSample[];
  polls: PollRecord[];
}

/** Receives batches from the poller. Implementations must not throw; they buffer when the database is down. */
export interface SampleSink {
  push(batch: SampleBatch): void;
}
