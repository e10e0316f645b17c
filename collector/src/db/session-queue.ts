import type { PGlite } from '@electric-sql/pglite';

/**
 * The query queue `@electric-sql/pglite-socket` 0.2.17 uses to multiplex its connections onto PGlite's
 * single backend (its `QueryQueueManager`, not exported): one entry per frontend protocol message.
 */
interface QueueEntry {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (e: unknown) => void;
  onData: (data: Uint8Array) => void;
}

/** Frontend message types after which another connection may take the backend (when no transaction is open). */
const SYNC = 0x53; // 'S' — ends an extended-protocol cycle (Parse/Bind/Describe/Execute … Sync)
const QUERY = 0x51; // 'Q' — simple query
const TERMINATE = 0x58; // 'X'

/** A startup message (length, protocol 3.0) has no type byte. */
const isStartup = (m: Uint8Array): boolean =>
  m.length >= 8 && ((m[4] << 24) | (m[5] << 16) | (m[6] << 8) | m[7]) === 196608;

/**
 * A drop-in replacement for pglite-socket's query queue that keeps one connection's **protocol cycle**
 * together. pglite-socket 0.2.17 switches connections after any message unless a transaction is open,
 * so one connection's Parse/Bind can land between another's Parse and Execute: the unnamed prepared
 * statement and portal are shared by the single backend, and a query returns the rows of another
 * connection's query (reproduced here: 134 of 204 reads wrong with one writer and three readers).
 *
 * This queue hands the backend to one connection from its first message until a Sync or simple Query
 * has been processed with no transaction open (or the connection goes away, its open transaction
 * rolled back); other connections' messages wait in arrival order.
 */
export class SessionQueue {
  private queue: QueueEntry[] = [];
  private processing = false;
  /** Connection that owns the backend until its cycle/transaction ends; null = free. */
  private owner: number | null = null;

  constructor(private readonly db: PGlite) {}

  /** Queues one protocol message of a connection; resolves with the bytes answered. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, resolve, reject, onData });
      void this.process();
    });
  }

  private next(): QueueEntry | undefined {
    if (this.owner === null) return this.queue.shift();
    const i = this.queue.findIndex((e) => e.handlerId === this.owner);
    return i === -1 ? undefined : this.queue.splice(i, 1)[0];
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let e = this.next(); e; e = this.next()) {
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(e!.message, {
              onRawData: (d: Uint8Array) => {
                bytes += d.length;
                e!.onData(d);
              },
            })
          );
        } catch (err) {
          e.reject(err);
          // the backend state of this cycle is unknown: let the connection's next message decide
          this.owner = this.db.isInTransaction() ? e.handlerId : null;
          continue;
        }
        const type = e.message[0];
        const cycleEnds = type === SYNC || type === QUERY || type === TERMINATE || isStartup(e.message);
        this.owner = cycleEnds && !this.db.isInTransaction() ? null : e.handlerId;
        e.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** A connection went away: drop its queued messages and release the backend if it held it. */
  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((e) => {
      if (e.handlerId !== handlerId) return true;
      e.reject(new Error('Handler disconnected'));
      return false;
    });
  }

  /** Rolls back the open transaction of a connection that went away, then serves the others. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    await this.process();
  }
}

/**
 * Installs {@link SessionQueue} in a pglite-socket server (before `start()`).
 * @throws Error when the server has no `queryQueue` to replace (a pglite-socket version this was not written for)
 */
export function installSessionQueue(server: object, db: PGlite): void {
  const s = server as { queryQueue?: unknown };
  if (!s.queryQueue || typeof (s.queryQueue as { enqueue?: unknown }).enqueue !== 'function')
    throw new Error('pglite-socket: no queryQueue to replace (written for @electric-sql/pglite-socket 0.2.17)');
  s.queryQueue = new SessionQueue(db);
}
