import type { SiteStats } from '../api/routes/health';

/** Float64 slots per site: lastPollAt (NaN = never), pointsWritten, pointsBuffered. */
const SLOTS = 3;

/**
 * Per-site counters of the plant thread (poller and ingest) in shared memory, for the API thread of the
 * same process (`GET /api/health`, the latest route's response cache): the plant thread publishes, the
 * API thread reads without a message round trip. Each counter is one float64 slot; the three of a
 * site are published together but read independently (they are independent counters).
 */
export class SiteStatsBoard {
  private readonly slots: Float64Array;
  private readonly index: Map<string, number>;

  /** The shared memory: pass it with the site list to the other thread. */
  readonly buffer: SharedArrayBuffer;

  /**
   * @param sites - site codes, in an order both threads share
   * @param buffer - the other thread's board memory (default: new, every site never polled and at zero)
   * @throws Error when `buffer` has no room for every site
   */
  constructor(
    readonly sites: readonly string[],
    buffer?: SharedArrayBuffer
  ) {
    const bytes = sites.length * SLOTS * 8;
    if (buffer && buffer.byteLength < bytes)
      throw new Error(`stats board: ${buffer.byteLength} bytes for ${sites.length} sites (needs ${bytes})`);
    this.buffer = buffer ?? new SharedArrayBuffer(Math.max(8, bytes));
    this.slots = new Float64Array(this.buffer);
    this.index = new Map(sites.map((s, i) => [s, i * SLOTS]));
    if (!buffer) for (let i = 0; i < sites.length; i++) this.slots[i * SLOTS] = NaN;
  }

  /** Publishes a site's counters (ignored for a site not on the board). */
  publish(site: string, stats: SiteStats): void {
    const at = this.index.get(site);
    if (at === undefined) return;
    this.slots[at] = stats.lastPollAt ?? NaN;
    this.slots[at + 1] = stats.pointsWritten;
    this.slots[at + 2] = stats.pointsBuffered;
  }

  /** A site's counters as last published (zeros and null for a site never published or not on the board). */
  read(site: string): SiteStats {
    const at = this.index.get(site);
    if (at === undefined) return { lastPollAt: null, pointsWritten: 0, pointsBuffered: 0 };
    const last = this.slots[at];
    return {
      lastPollAt: Number.isNaN(last) ? null : last,
      pointsWritten: this.slots[at + 1],
      pointsBuffered: this.slots[at + 2],
    };
  }
}
