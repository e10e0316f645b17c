import { crc32 } from 'node:zlib';
import type { SampleBatch } from '../types';

/**
 * Spool record format (all integers big-endian):
 *
 * | offset | size | field                                          |
 * |--------|------|------------------------------------------------|
 * | 0      | 4    | magic `OBSP` (0x4F425350)                      |
 * | 4      | 4    | payload length n (bytes)                       |
 * | 8      | 4    | CRC-32 (zlib/IEEE 802.3) of the payload        |
 * | 12     | n    | payload: UTF-8 JSON of one batch (compact form) |
 *
 * A record cut short by a crash (torn write) is detected by its length running past the end of the
 * file; a damaged one by its CRC. The magic lets the reader resynchronize after a damaged record.
 */
export const RECORD_MAGIC = 0x4f425350;
export const HEADER_BYTES = 12;
const MAGIC_BYTES = Buffer.from([0x4f, 0x42, 0x53, 0x50]);
/** Largest payload accepted when reading (guards against a corrupt length). */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** Compact JSON form of a batch: tuples instead of objects. */
interface CompactBatch {
  v: 1;
  s: [number, string, string, number | null][];
  a: [number, string, string, (number | null)[]][];
  t: [number, string, string, string | null][];
  p: [number, string, string, string, number, string, boolean, number | null, number, number, string | null][];
}

/** JSON cannot carry NaN/±Infinity; they are spooled as these strings and restored on decode. */
const enc = (v: number | null | undefined): number | null | string =>
  typeof v !== 'number' ? null : Number.isFinite(v) ? v : String(v);
const dec = (v: unknown): number | null =>
  typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : null;

/** Encodes one batch as a spool record. */
export function encodeRecord(batch: SampleBatch): Buffer {
  const compact = {
    v: 1,
    s: batch.samples.map((x) => [x.time, x.device, x.metric, enc(x.value)]),
    a: batch.arrays.map((x) => [x.time, x.device, x.metric, x.values.map(enc)]),
    t: batch.attributes.map((x) => [x.time, x.device, x.name, x.value]),
    p: batch.polls.map((x) => [
      x.time,
      x.site,
      x.device,
      x.map,
      x.unitId,
      x.group,
      x.ok,
      enc(x.latencyMs),
      x.requests,
      x.points,
      x.error ?? null,
    ]),
  };
  const payload = Buffer.from(JSON.stringify(compact), 'utf8');
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(RECORD_MAGIC, 0);
  header.writeUInt32BE(payload.length, 4);
  header.writeUInt32BE(crc32(payload), 8);
  return Buffer.concat([header, payload]);
}

/** Decodes a payload written by {@link encodeRecord}. @throws Error when it is not a v1 batch */
export function decodePayload(payload: Buffer): SampleBatch {
  const c = JSON.parse(payload.toString('utf8')) as CompactBatch;
  if (c.v !== 1 || !Array.isArray(c.s)) throw new Error('not a v1 spool batch');
  return {
    samples: c.s.map(([time, device, metric, value]) => ({ time, device, metric, value: dec(value) })),
    arrays: c.a.map(([time, device, metric, values]) => ({ time, device, metric, values: values.map(dec) })),
    attributes: c.t.map(([time, device, name, value]) => ({ time, device, name, value })),
    polls: c.p.map(([time, site, device, map, unitId, group, ok, latencyMs, requests, points, error]) => ({
      time,
      site,
      device,
      map,
      unitId,
      group,
      ok,
      latencyMs: dec(latencyMs) ?? NaN,
      requests,
      points,
      ...(error !== null ? { error } : {}),
    })),
  };
}

/** Result of reading a segment file. */
export interface ReadResult {
  batches: SampleBatch[];
  /** Incomplete record at the end of the file (a write cut short by a crash): skipped. */
  torn: number;
  /** Records with a bad magic, length, CRC or payload: skipped (the reader resynchronizes on the next magic). */
  corrupt: number;
  /** Bytes that could not be read as records. */
  skippedBytes: number;
  /** Byte offset just past the last intact record (0 when none). */
  lastEnd: number;
}

/** Reads every intact record of a segment's bytes, skipping torn and corrupt ones. */
export function readRecords(buf: Buffer): ReadResult {
  const batches: SampleBatch[] = [];
  let torn = 0;
  let corrupt = 0;
  let skippedBytes = 0;
  let lastEnd = 0;
  let pos = 0;
  const resync = (from: number): number => {
    const next = buf.indexOf(MAGIC_BYTES, from);
    const to = next < 0 ? buf.length : next;
    skippedBytes += to - pos;
    return to;
  };
  while (pos < buf.length) {
    if (buf.length - pos < HEADER_BYTES) {
      // a header cut short: torn if it starts like a record, otherwise garbage
      const n = Math.min(MAGIC_BYTES.length, buf.length - pos);
      if (MAGIC_BYTES.subarray(0, n).equals(buf.subarray(pos, pos + n))) torn++;
      else corrupt++;
      skippedBytes += buf.length - pos;
      break;
    }
    if (buf.readUInt32BE(pos) !== RECORD_MAGIC) {
      corrupt++;
      pos = resync(pos + 1);
      continue;
    }
    const len = buf.readUInt32BE(pos + 4);
    if (len > MAX_PAYLOAD_BYTES) {
      corrupt++;
      pos = resync(pos + 1);
      continue;
    }
    if (pos + HEADER_BYTES + len > buf.length) {
      // runs past the end: the last write was cut short (or the length is damaged)
      const next = buf.indexOf(MAGIC_BYTES, pos + 1);
      if (next < 0) {
        torn++;
        skippedBytes += buf.length - pos;
        break;
      }
      corrupt++;
      pos = resync(pos + 1);
      continue;
    }
    const payload = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len);
    if (crc32(payload) !== buf.readUInt32BE(pos + 8)) {
      corrupt++;
      pos = resync(pos + 1);
      continue;
    }
    try {
      batches.push(decodePayload(payload));
      lastEnd = pos + HEADER_BYTES + len;
    } catch {
      corrupt++;
      skippedBytes += HEADER_BYTES + len;
    }
    pos += HEADER_BYTES + len;
  }
  return { batches, torn, corrupt, skippedBytes, lastEnd };
}
