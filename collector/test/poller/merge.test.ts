/**
 * Read merging and scheduling against pymodbus (which enforces the Modbus limits: > 125 registers →
 * exception 03, registers it does not have → exception 02): the requests the server sees are exactly
 * the plan; a device that rejects gap-filled reads gets a plan without gap fill; a poll that takes
 * longer than its interval makes the next tick an overrun (a gap), never an overlapping poll.
 */
import { Poller, type PollTarget } from '../../src/poller';
import { PymodbusServer, type PymodbusImage } from '../support/pymodbus';
import { fixtureMap, MemorySink, registers, samplesOnlyWithOkPolls, waitFor } from './helpers';

const map = fixtureMap('test-merge');

/** Hand-placed values: register = its own address, frequency 50.125 (float32 0x42488000). */
const points: [number, number[]][] = [
  [0, [0]],
  [40, [40]],
  [90, [90]],
  [123, [0x0000, 0x007b]], // int32 123
  [126, [126]],
  [180, [180]],
  [200, [0x4248, 0x8000]],
  [251, [251]],
  [302, [302]],
  [305, [305]],
];
const inputPoints: [number, number[]][] = [
  [0, [7]],
  [300, [300]],
];
const expected = {
  activePower: 0,
  activePowerL1: 40,
  activePowerL2: 90,
  activePowerL3: 123,
  reactivePower: 126,
  apparentPower: 180,
  frequency: 50.125,
  voltageL1N: 251,
  voltageL2N: 302,
  voltageL3N: 305,
  heatSinkTemperature: 7,
  cabinetTemperature: 300,
};
/** Telegraf max_insert with fill 50 and the 125-register limit, worked out by hand from the map. */
const PLANNED = [
  { fc: 3, start: 0, count: 125 }, // 0..124: holes 39, 49, 32 bridged; WphC (int32 @123) ends exactly at 125
  { fc: 3, start: 126, count: 1 }, // VAr would make the read 127 registers
  { fc: 3, start: 180, count: 123 }, // hole 53 before VA; then holes 18, 49, 49 bridged
  { fc: 3, start: 305, count: 1 }, // PhVphC would make it 126
  { fc: 4, start: 0, count: 1 },
  { fc: 4, start: 300, count: 1 }, // hole 299
];

async function run(image: PymodbusImage, until: (sink: MemorySink) => boolean) {
  const server = await PymodbusServer.start(image);
  const sink = new MemorySink();
  const target: PollTarget = {
    site: 'TS001',
    device: 'DEV',
    host: server.host,
    port: server.port,
    source: { map: map.id, unitId: 5, base: 0 },
    map,
  };
  const poller = new Poller([target], { sink, timeoutMs: 2000 });
  try {
    poller.start();
    await waitFor(() => until(sink), 'the polls the test needs', 20_000);
    await poller.stop();
    return { sink, stats: poller.stats(), served: server.responses, plan: poller.plans()[0] };
  } finally {
    await poller.stop();
    await server.dispose();
  }
}

describe('read merging', () => {
  it('sends exactly the planned requests (≤ 125 registers, gaps ≤ 50 bridged) and pymodbus rejects none', async () => {
    const { sink, stats, served, plan } = await run(
      { units: { '5': { holding: registers(306, points), input: registers(301, inputPoints) } } },
      (s) => s.polls().filter((p) => p.ok).length >= 3
    );
    expect(plan.requests.map((r) => ({ fc: r.fn === 'holding' ? 3 : 4, start: r.start, count: r.count }))).toEqual(
      PLANNED
    );
    const oks = sink.polls().filter((p) => p.ok);
    expect(sink.polls().filter((p) => !p.ok)).toEqual([]);
    for (const p of oks) expect(p).toMatchObject({ requests: 6, points: 12 });
    // what the server saw, poll after poll: the plan, in order, nothing rejected
    const perPoll = PLANNED.map((r) => ({ unit: 5, fc: r.fc, exception: null, registers: r.count }));
    expect(served.slice(0, 6 * oks.length)).toEqual(oks.flatMap(() => perPoll));
    expect(served.length - 6 * oks.length).toBeLessThan(6); // at most one poll cut by stop()
    expect(served.every((r) => r.exception === null && r.registers <= 125)).toBe(true);
    expect(stats.jobs[0]).toMatchObject({ requestsPerPoll: 6, minimumRequests: 5 });
    expect(Object.fromEntries(sink.firstOk('DEV', 'fast')!.samples.map((s) => [s.metric, s.value]))).toEqual(expected);
  });

  it('a device that rejects gap-filled reads (exception 02) is re-planned without gap fill', async () => {
    // sparse image: only the registers of points exist, reading a hole is exception 02
    const sparse = (pieces: [number, number[]][]) => Object.fromEntries(pieces.map(([a, w]) => [String(a), w]));
    const { sink, stats } = await run(
      { units: { '5': { holding: sparse(points), input: sparse(inputPoints) } } },
      (s) => s.polls().filter((p) => p.ok).length >= 2
    );
    const polls = sink.polls();
    expect(polls[0]).toMatchObject({ ok: false, requests: 1 });
    expect(polls[0].error).toMatch(/^Modbus exception 02 .*FC03 unit 5 start 0 count 125$/);
    // one request per point now (WphC is two registers, still one read)
    for (const p of polls.slice(1)) expect(p).toMatchObject({ ok: true, requests: 12, points: 12 });
    expect(stats.jobs[0].requestsPerPoll).toBe(12);
    expect(Object.fromEntries(sink.firstOk('DEV', 'fast')!.samples.map((s) => [s.metric, s.value]))).toEqual(expected);
  });
});

describe('scheduling', () => {
  it('a poll longer than its interval never overlaps: the next tick is an overrun, a gap with a record', async () => {
    // every answer 120 ms late: a poll of 6 requests takes > 700 ms, the interval is 500 ms
    const { sink, stats, served } = await run(
      { units: { '5': { holding: registers(306, points), input: registers(301, inputPoints), delayMs: 120 } } },
      (s) => s.polls().filter((p) => p.ok).length >= 3 && s.polls().filter((p) => !p.ok).length >= 2
    );
    // an overrun is recorded at its tick, before the slow poll it waited for completes: sort by tick
    const polls = sink.polls().sort((a, b) => a.time - b.time);
    const times = polls.map((p) => p.time);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(500);
    const overruns = polls.filter((p) => !p.ok);
    for (const p of overruns) {
      expect(p).toMatchObject({ requests: 0, points: 0, error: 'overrun: the previous poll was still running' });
    }
    // an overrun tick follows every poll (each takes more than one and less than two intervals)
    for (let i = 0; i + 1 < polls.length; i++) if (polls[i].ok) expect(polls[i + 1].ok).toBe(false);
    expect(samplesOnlyWithOkPolls(sink.batches)).toBe(true);
    expect(stats.jobs[0]).toMatchObject({ overruns: overruns.length, pollsFailed: overruns.length });
    // one outstanding request at a time: the server answered every request of every poll, in order
    expect(served.every((r) => r.exception === null)).toBe(true);
    expect(served.length).toBeGreaterThanOrEqual(6 * polls.filter((p) => p.ok).length);
  });
});
