import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleBatch } from '../types';
import { encodeRecord, readRecords, type ReadResult } from './record';

/** One spool segment file. */
export interface Segment {
  seq: number;
  file: string;
  bytes: number;
  /** Records appended (this process) or found (at open). */
  records: number;
  /** Points (scalars + array elements) per site still buffered in this segment. */
  sites: Map<string, number>;
  points: number;
  /** No more appends (written by an earlier process, rolled over, or picked for replay). */
  sealed: boolean;
}

const SEGMENT_RE = /^seg-(\d{12})\.spool$/;
const segName = (seq: number) => `seg-${String(seq).padStart(12, '0')}.spool`;

/** Points per site of a batch (site = first five characters of the device id, e.g. FI006). */
export function batchSites(batch: SampleBatch): { points: number; sites: Map<string, number> } {
  const sites = new Map<string, number>();
  let points = 0;
  const add = (device: string, n: number) => {
    const site = typeof device === 'string' ? device.slice(0, 5) : '?';
    sites.set(site, (sites.get(site) ?? 0) + n);
    points += n;
  };
  for (const s of batch.samples) add(s.device, 1);
  for (const a of batch.arrays) add(a.device, Array.isArray(a.values) ? a.values.length : 0);
  return { points, sites };
}

/** Adds (sign +1) or subtracts (-1) per-site counts. */
export function mergeSites(into: Map<string, number>, from: Map<string, number>, sign: 1 | -1 = 1): void {
  for (const [k, v] of from) {
    const n = (into.get(k) ?? 0) + sign * v;
    if (n === 0) into.delete(k);
    else into.set(k, n);
  }
}

/**
 * The disk spool: append-only segment files of checksummed records (./record.ts) in one directory,
 * replayed oldest first. Appends are fsync'ed before they count as spooled; a new segment's directory
 * entry is fsync'ed too. A segment is deleted only after its rows are committed. A lock file holding
 * the owner's pid keeps two live processes off one directory; a dead owner's (SIGKILL) lock is taken
 * over.
 */
export class Spool {
  readonly segments: Segment[] = [];
  private active: { seg: Segment; fh: FileHandle } | null = null;
  private nextSeq = 1;
  private readonly lockFile: string;
  /** Torn / corrupt records found in segments of earlier processes. */
  torn = 0;
  corrupt = 0;

  /**
   * Opens (creating) the spool directory, takes the lock and indexes the segments an earlier process
   * left (reading them to count their points per site).
   *
   * @param segmentBytes - roll over to a new segment beyond this size
   * @throws Error when another live process holds the directory's lock
   */
  constructor(
    readonly dir: string,
    private readonly segmentBytes = 16 * 1024 * 1024
  ) {
    mkdirSync(dir, { recursive: true });
    this.lockFile = join(dir, 'spool.lock');
    this.takeLock();
    const files = readdirSync(dir)
      .map((f) => SEGMENT_RE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ seq: Number(m[1]), file: join(dir, m[0]) }))
      .sort((a, b) => a.seq - b.seq);
    for (const f of files) {
      const buf = readFileSync(f.file);
      const r = readRecords(buf);
      this.torn += r.torn;
      this.corrupt += r.corrupt;
      const sites = new Map<string, number>();
      let points = 0;
      for (const b of r.batches) {
        const s = batchSites(b);
        mergeSites(sites, s.sites);
        points += s.points;
      }
      this.segments.push({ ...f, bytes: buf.length, records: r.batches.length, sites, points, sealed: true });
      this.nextSeq = f.seq + 1;
    }
  }

  private takeLock(): void {
    try {
      const pid = Number(readFileSync(this.lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(`spool directory ${this.dir} is in use by process ${pid} (lock ${this.lockFile})`);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    writeFileSync(this.lockFile, `${process.pid}\n`);
  }

  /** Points in all segments. */
  get points(): number {
    return this.segments.reduce((n, s) => n + s.points, 0);
  }

  /** Bytes of all segments. */
  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /**
   * Appends batches (one record each) to the active segment and fsyncs. Resolves once they are on
   * disk. On a write error the active segment is sealed (it may end in a torn record, which the
   * reader skips) and the error is thrown: the caller keeps the batches.
   */
  async append(batches: SampleBatch[]): Promise<void> {
    if (batches.length === 0) return;
    const records = batches.map(encodeRecord);
    const bytes = records.reduce((n, r) => n + r.length, 0);
    if (this.active && this.active.seg.bytes > 0 && this.active.seg.bytes + bytes > this.segmentBytes) {
      await this.seal();
    }
    if (!this.active) await this.createSegment();
    const { seg, fh } = this.active!;
    try {
      const buf = Buffer.concat(records);
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await fh.write(buf, off, buf.length - off);
        off += bytesWritten;
      }
      await fh.datasync();
    } catch (e) {
      await this.seal().catch(() => undefined);
      throw e;
    }
    seg.bytes += bytes;
    seg.records += batches.length;
    for (const b of batches) {
      const s = batchSites(b);
      mergeSites(seg.sites, s.sites);
      seg.points += s.points;
    }
  }

  private async createSegment(): Promise<void> {
    const seq = this.nextSeq++;
    const file = join(this.dir, segName(seq));
    const fh = await open(file, 'wx');
    fsyncDir(this.dir);
    const seg: Segment = { seq, file, bytes: 0, records: 0, sites: new Map(), points: 0, sealed: false };
    this.segments.push(seg);
    this.active = { seg, fh };
  }

  /** Closes the active segment for appends (the next append starts a new one). */
  async seal(): Promise<void> {
    const a = this.active;
    if (!a) return;
    this.active = null;
    a.seg.sealed = true;
    await a.fh.close();
  }

  /** The oldest segment, sealed first when it is the active one (replay never reads a file being appended). */
  async oldest(): Promise<Segment | undefined> {
    const s = this.segments[0];
    if (s && !s.sealed) await this.seal();
    return s;
  }

  /** Reads a segment's intact records. */
  async read(seg: Segment): Promise<ReadResult> {
    return readRecords(await readFile(seg.file));
  }

  /** Deletes a fully committed segment. */
  async remove(seg: Segment): Promise<void> {
    if (this.active?.seg === seg) await this.seal();
    await unlink(seg.file).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    const i = this.segments.indexOf(seg);
    if (i >= 0) this.segments.splice(i, 1);
  }

  /** Seals the active segment and releases the lock. */
  async close(): Promise<void> {
    await this.seal();
    // drop an empty trailing segment file (created but nothing appended)
    for (const s of [...this.segments]) {
      if (s.bytes === 0) {
        rmSync(s.file, { force: true });
        this.segments.splice(this.segments.indexOf(s), 1);
      }
    }
    rmSync(this.lockFile, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** fsyncs a directory so a newly created file's entry survives a power cut (Linux). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported on this platform/filesystem: the record fsync still protects the data
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Total size of the spool files in a directory (for tests and tools). */
export function spoolFiles(dir: string): { file: string; bytes: number }[] {
  try {
    return readdirSync(dir)
      .filter((f) => SEGMENT_RE.test(f))
      .sort()
      .map((f) => ({ file: join(dir, f), bytes: statSync(join(dir, f)).size }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
