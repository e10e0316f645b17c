/** The ingest pipeline between poller and store: bounded memory queue, disk spool, ordered replay. */
export * from './pipeline';
export { Spool, spoolFiles, batchSites } from './spool';
export { encodeRecord, readRecords, type ReadResult } from './record';
