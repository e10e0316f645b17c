/**
 * createPoller wiring: every source of every device of a site (siteDevices) is polled at the site's
 * gateway with its unit id and base address, through one connection per unit (default) or one per
 * gateway.
 */
import { siteSchema, UNIT_IDS, stringBase, cellBase, type RegisterMap } from '@openbess/model';
import { createPoller, type ConnectionScope } from '../../src/poller';
import { PymodbusServer } from '../support/pymodbus';
import { fixtureMap, MemorySink, waitFor } from './helpers';

const tiny = fixtureMap('test-tiny'); // stateOfCharge (0.1 %) at address 0
const tinyB = fixtureMap('test-tiny-b'); // stateOfHealth (0.1 %) at address 0
const maps = new Map<string, RegisterMap>([
  [tiny.id, tiny],
  [tinyB.id, tinyB],
]);

const site = (port: number) =>
  siteSchema.parse({
    code: 'TS001',
    name: 'Test site',
    modbus: { host: '127.0.0.1', port },
    blocks: 1,
    stringsPerBlock: 1,
    maps: {
      bessNode: 'test-tiny',
      meterNode: 'test-tiny',
      pcs: 'test-tiny-b',
      bmsBlock: 'test-tiny',
      bmsString: 'test-tiny',
      cells: 'test-tiny-b',
      hvac: 'test-tiny',
      safety: 'test-tiny',
      windNode: 'test-tiny',
      solarNode: 'test-tiny',
    },
  });

/** A distinct raw value at every unit id / base the site's sources live at (0.1 % per count). */
const image = {
  units: {
    [UNIT_IDS.bessNode]: { holding: { '0': 101 } },
    [UNIT_IDS.meterNode]: { holding: { '0': 102 } },
    [UNIT_IDS.pcs(1)]: { holding: { '0': 111 } },
    [UNIT_IDS.bms(1)]: {
      holding: { '0': 161, [String(stringBase(1))]: 162, [String(cellBase(1))]: 163 },
    },
    [UNIT_IDS.hvac(1)]: { holding: { '0': 211 } },
    [UNIT_IDS.safety(1)]: { holding: { '0': 261 } },
  },
};

const expected = {
  TS001MT1: { stateOfCharge: 10.2 },
  TS001ES1: { stateOfCharge: 10.1 },
  TS001ES1BK1: { stateOfHealth: 11.1, stateOfCharge: 16.1 },
  TS001ES1BK1BS1: { stateOfCharge: 16.2, stateOfHealth: 16.3 },
  TS001ES1BK1HV1: { stateOfCharge: 21.1 },
  TS001ES1BK1FS1: { stateOfCharge: 26.1 },
};

describe('createPoller', () => {
  let server: PymodbusServer;

  beforeAll(async () => {
    server = await PymodbusServer.start(image);
  });

  afterAll(async () => {
    await server?.dispose();
  });

  it.each<[ConnectionScope, number]>([
    ['unit', 6],
    ['gateway', 1],
  ])('polls every source of every device (connection scope %s → %d connections)', async (scope, connections) => {
    const sink = new MemorySink();
    const poller = createPoller({ sites: [site(server.port)], maps, sink, timeoutMs: 1000, connectionScope: scope });
    try {
      poller.start();
      await waitFor(() => poller.stats().jobs.every((j) => j.pollsOk >= 1), 'a good poll of every source');
      await poller.stop();
      const latest: Record<string, Record<string, number | null>> = {};
      for (const s of sink.samples()) (latest[s.device] ??= {})[s.metric] = s.value;
      expect(latest).toEqual(expected);
      const stats = poller.stats();
      expect(stats.jobs).toHaveLength(8);
      expect(stats.connections).toHaveLength(connections);
      expect(stats.connections.every((c) => c.connects === 1 && c.disconnects === 0)).toBe(true);
      expect(stats.requestsPerCycle).toBe(8);
      expect(sink.polls().every((p) => p.ok && p.site === 'TS001')).toBe(true);
    } finally {
      await poller.stop();
    }
  });

  it('names the site, device and map when a map is not loaded', () => {
    const only = new Map([[tiny.id, tiny]]);
    expect(() => createPoller({ sites: [site(server.port)], maps: only, sink: new MemorySink() })).toThrow(
      'site TS001: device TS001ES1BK1: no register map "test-tiny-b" is loaded'
    );
  });

  it('names map, point and base when a source runs past register 65535', () => {
    const high = { ...tiny, points: tiny.points.map((p) => ({ ...p, address: 65535 })) };
    const s = site(server.port);
    expect(() =>
      createPoller({
        sites: [{ ...s, stringsPerBlock: 1 }],
        maps: new Map([...maps, [tiny.id, high]]),
        sink: new MemorySink(),
      })
    ).toThrow(/test-tiny\.yaml: point SoC at address 65535 \+ base 1000 \(unit 61\) runs past wire address 65535/);
  });
});
