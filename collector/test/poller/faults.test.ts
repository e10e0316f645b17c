/**
 * Faults seen by the poller over real sockets: a device that goes away and comes back on the same
 * port, a device that accepts and never answers, exception responses. Every tick yields a
 * PollRecord; failed ticks carry no samples (a gap, never a stale value).
 */
import { Poller, type PollTarget } from '../../src/poller';
import type { PollRecord } from '../../src/types';
import { PymodbusServer } from '../support/pymodbus';
import {
  fixtureMap,
  MemorySink,
  registers,
  samplesOnlyWithOkPolls,
  sleep,
  startSilentServer,
  waitFor,
} from './helpers';

const map = fixtureMap('test-swapped'); // one poll group, 500 ms, one 74-register read
const INTERVAL = 500;
const TIMEOUT = 300;

const target = (port: number, unitId: number, device = 'DEV'): PollTarget => ({
  site: 'TS001',
  device,
  host: '127.0.0.1',
  port,
  source: { map: map.id, unitId, base: 0 },
  map,
});

/** Record times of one device are one per tick: strictly increasing by exactly one interval. */
function expectOneRecordPerTick(polls: PollRecord[]): void {
  const times = polls.map((p) => p.time).sort((a, b) => a - b);
  for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(INTERVAL);
}

describe('poller faults', () => {
  it('a device outage is a gap with failed PollRecords; polling resumes within one interval of the restart', async () => {
    const server = await PymodbusServer.start({ units: { '2': { holding: registers(74, [[0, [0x0a00]]]) } } });
    const sink = new MemorySink();
    const poller = new Poller([target(server.port, 2)], { sink, timeoutMs: TIMEOUT });
    try {
      poller.start();
      await waitFor(() => sink.polls().filter((p) => p.ok).length >= 2, 'two good polls');
      await server.stop();
      const stoppedAt = Date.now();
      await waitFor(() => sink.polls().filter((p) => !p.ok && p.time > stoppedAt).length >= 3, 'failed polls');
      await server.restart();
      const acceptedAt = server.acceptedAt;
      await waitFor(() => sink.polls().some((p) => p.ok && p.time > stoppedAt), 'polling to resume');
      await waitFor(() => sink.polls().filter((p) => p.ok && p.time > stoppedAt).length >= 2, 'a second good poll');
      await poller.stop();

      const polls = sink.polls();
      expectOneRecordPerTick(polls);
      const outage = polls.filter((p) => p.time > stoppedAt && p.time < acceptedAt);
      expect(outage.length).toBeGreaterThanOrEqual(3);
      for (const p of outage) {
        expect(p.ok).toBe(false);
        expect(p.points).toBe(0);
        expect(p.error).toMatch(/connect failed: connect ECONNREFUSED|not connected, next attempt|connection lost/);
      }
      // the gap: no value at all for the failed ticks
      const sampleTimes = new Set(sink.samples().map((s) => s.time));
      for (const p of outage) expect(sampleTimes.has(p.time)).toBe(false);
      expect(samplesOnlyWithOkPolls(sink.batches)).toBe(true);
      const firstOk = polls.find((p) => p.ok && p.time > stoppedAt) as PollRecord;
      expect(firstOk.time).toBeLessThanOrEqual(acceptedAt + INTERVAL + TIMEOUT);
      expect(sink.samples().find((s) => s.time === firstOk.time && s.metric === 'activePower')?.value).toBe(10);

      const [job] = poller.stats().jobs;
      expect(job.pollsFailed).toBe(polls.filter((p) => !p.ok).length);
      expect(job.pollsOk).toBe(polls.filter((p) => p.ok).length);
      expect(job.lastOkAt).toBe(polls.filter((p) => p.ok).at(-1)?.time);
      expect(poller.stats().connections[0].disconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await poller.stop();
      await server.dispose();
    }
  });

  it('a device that never answers: timeouts, no samples, and stop() ends the request in flight', async () => {
    const silent = await startSilentServer();
    const sink = new MemorySink();
    const poller = new Poller([target(silent.port, 2)], { sink, timeoutMs: TIMEOUT });
    try {
      poller.start();
      await waitFor(() => sink.polls().length >= 2, 'two failed polls');
      // stop while a request is outstanding on an open connection
      await waitFor(() => silent.connections.some((c) => c.bytes > 0 && !c.closed), 'a request in flight');
      await poller.stop();
      expect(poller.running).toBe(false);
      const recorded = sink.polls().length;
      await waitFor(() => silent.connections.every((c) => c.closed), 'every socket to be closed');
      await sleep(INTERVAL + 100);
      expect(sink.polls().length).toBe(recorded); // nothing after stop()

      const polls = sink.polls();
      expectOneRecordPerTick(polls);
      expect(sink.samples()).toEqual([]);
      expect(polls.some((p) => /timeout after 300 ms: FC03 unit 2 start 0 count 74/.test(p.error ?? ''))).toBe(true);
      for (const p of polls) {
        expect(p.ok).toBe(false);
        expect(p.error).toMatch(/timeout after 300 ms|not connected, next attempt/);
      }
    } finally {
      await poller.stop();
      await silent.close();
    }
  });

  it('exception responses fail the poll with the exception code in the error', async () => {
    // unit 2 serves only 10 registers (the map needs 74: exception 02); unit 9 does not exist behind
    // this gateway (exception 0B)
    const server = await PymodbusServer.start({ units: { '2': { holding: registers(10, []) } }, gateway: true });
    const sink = new MemorySink();
    const poller = new Poller([target(server.port, 2, 'DEV-SHORT'), target(server.port, 9, 'DEV-MISSING')], {
      sink,
      timeoutMs: TIMEOUT,
    });
    try {
      poller.start();
      await waitFor(
        () => sink.polls('DEV-SHORT').length >= 3 && sink.polls('DEV-MISSING').length >= 3,
        'three polls of each device'
      );
      await poller.stop();
      for (const p of sink.polls('DEV-SHORT')) {
        expect(p).toMatchObject({ ok: false, points: 0 });
        expect(p.error).toMatch(/^Modbus exception 02 \(illegal data address\): FC03 unit 2 start \d+ count \d+$/);
      }
      for (const p of sink.polls('DEV-MISSING')) {
        expect(p).toMatchObject({ ok: false, points: 0, requests: 1 });
        expect(p.error).toBe(
          'Modbus exception 0B (gateway target device failed to respond): FC03 unit 9 start 0 count 74'
        );
      }
      expect(sink.samples()).toEqual([]);
      // exceptions are answers: the connections stayed up
      for (const c of poller.stats().connections) expect(c.disconnects).toBe(0);
    } finally {
      await poller.stop();
      await server.dispose();
    }
  });
});
