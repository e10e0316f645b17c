import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PollRecord } from '../types';
import { BinaryCopyWriter } from './copy-binary';
import { stripNul } from './copy-text';
import type { QualityDelta, ResolvedRows } from './rows';

/** SQL building blocks of the writer: COPY streams and the data-quality upsert. */

export const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const intOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** Streams binary COPY data produced by `rows` (which calls the writer per row) into `sql`. */
async function copyBinary$(
  client: PoolClient,
  sql: string,
  rows: (w: BinaryCopyWriter) => Generator<void>
): Promise<void> {
  function* chunks(): Generator<Buffer> {
    const w = new BinaryCopyWriter();
    for (const _ of rows(w)) yield* w.take();
    yield* w.end();
  }
  const stream = client.query(copyFrom(`${sql} (FORMAT binary)`));
  stream.on('error', () => undefined);
  await pipeline(Readable.from(chunks()), stream);
}

/** Rows between two checks for completed chunks (keeps the stream flowing without per-row overhead). */
const ROWS_PER_YIELD = 256;

/** COPYs the scalar rows into `table` (time, series_id, value) in binary format. */
export async function copyScalars(client: PoolClient, table: string, rows: ResolvedRows): Promise<void> {
  const { series, time, value } = rows.scalars;
  if (series.length === 0) return;
  await copyBinary$(client, `COPY ${table} (time, series_id, value) FROM STDIN`, function* (w) {
    for (let i = 0; i < series.length; i++) {
      w.row(3);
      w.timestamptz(time[i]);
      w.int4(series[i]);
      w.float8(value[i]);
      if (i % ROWS_PER_YIELD === ROWS_PER_YIELD - 1) yield;
    }
  });
}

/** COPYs the array rows into `table` (time, series_id, value real[]) in binary format. */
export async function copyArrays(client: PoolClient, table: string, rows: ResolvedRows): Promise<void> {
  const { series, time, values } = rows.arrays;
  if (series.length === 0) return;
  await copyBinary$(client, `COPY ${table} (time, series_id, value) FROM STDIN`, function* (w) {
    for (let i = 0; i < series.length; i++) {
      w.row(3);
      w.timestamptz(time[i]);
      w.int4(series[i]);
      w.realArray(values[i]);
      yield;
    }
  });
}

/**
 * COPYs the poll records into `table` (poll_log's columns) in binary format. Text fields drop NUL
 * characters; a non-finite latency and non-integer counts are NULL.
 */
export async function copyPolls(client: PoolClient, table: string, rows: ResolvedRows): Promise<void> {
  const p = rows.polls;
  if (p.length === 0) return;
  await copyBinary$(
    client,
    `COPY ${table} (time, site, device, map, unit_id, poll_group, ok, latency_ms, requests, points, error) FROM STDIN`,
    function* (w) {
      for (let i = 0; i < p.length; i++) {
        const x = p[i];
        w.row(11);
        w.timestamptz(x.time);
        w.text(x.site);
        w.text(x.device);
        w.text(x.map);
        w.int4OrNull(x.unitId);
        w.text(x.group);
        w.bool(x.ok);
        w.float4(x.latencyMs);
        w.int4OrNull(x.requests);
        w.int4OrNull(x.points);
        w.text(x.error);
        if (i % ROWS_PER_YIELD === ROWS_PER_YIELD - 1) yield;
      }
    }
  );
}

interface PollRow {
  time: Date;
  site: string;
  device: string;
  map: string;
  unit_id: number;
  poll_group: string;
  ok: boolean;
  latency_ms: number | null;
  error: string | null;
}

export function pollFromRow(r: Record<string, unknown>): PollRecord {
  const x = r as unknown as PollRow;
  return {
    time: x.time.getTime(),
    site: x.site,
    device: x.device,
    map: x.map,
    unitId: x.unit_id,
    group: x.poll_group,
    ok: x.ok,
    latencyMs: x.latency_ms ?? Number.NaN,
    requests: 0,
    points: 0,
    ...(x.error !== null ? { error: x.error } : {}),
  };
}

export async function upsertQuality(client: PoolClient, deltas: QualityDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const ts = (v: number | null) => (v === null ? null : new Date(v).toISOString());
  await client.query(
    `INSERT INTO device_quality (device, map, poll_group, site, unit_id, polls_ok, polls_failed, last_ok_at,
                                 last_error_at, last_error, last_latency_ms, last_poll_at, updated_at)
     SELECT dv, mp, gr, st, ui, ok, fl, lo, le, er, lat, lp, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[],
                   $8::timestamptz[], $9::timestamptz[], $10::text[], $11::real[], $12::timestamptz[])
            AS d(dv, mp, gr, st, ui, ok, fl, lo, le, er, lat, lp)
     ON CONFLICT (device, map, poll_group) DO UPDATE SET
       site = EXCLUDED.site,
       unit_id = EXCLUDED.unit_id,
       polls_ok = device_quality.polls_ok + EXCLUDED.polls_ok,
       polls_failed = device_quality.polls_failed + EXCLUDED.polls_failed,
       last_ok_at = GREATEST(device_quality.last_ok_at, EXCLUDED.last_ok_at),
       last_error = CASE WHEN EXCLUDED.last_error_at IS NOT NULL
                          AND (device_quality.last_error_at IS NULL OR EXCLUDED.last_error_at >= device_quality.last_error_at)
                         THEN EXCLUDED.last_error ELSE device_quality.last_error END,
       last_error_at = GREATEST(device_quality.last_error_at, EXCLUDED.last_error_at),
       last_latency_ms = CASE WHEN device_quality.last_poll_at IS NULL OR EXCLUDED.last_poll_at >= device_quality.last_poll_at
                              THEN EXCLUDED.last_latency_ms ELSE device_quality.last_latency_ms END,
       last_poll_at = GREATEST(device_quality.last_poll_at, EXCLUDED.last_poll_at),
       updated_at = now()`,
    [
      deltas.map((d) => d.device),
      deltas.map((d) => d.map),
      deltas.map((d) => d.group),
      deltas.map((d) => d.site),
      deltas.map((d) => d.unitId),
      deltas.map((d) => d.ok),
      deltas.map((d) => d.failed),
      deltas.map((d) => ts(d.lastOkAt)),
      deltas.map((d) => ts(d.lastErrorAt)),
      deltas.map((d) => (d.lastError === null ? null : stripNul(d.lastError))),
      deltas.map((d) => d.lastLatencyMs),
      deltas.map((d) => ts(d.lastPollAt)),
    ]
  );
}
