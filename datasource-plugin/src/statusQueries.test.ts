import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { queryRequestSchema } from '@openbess/model/src/api/query';
import { SimpleTemplateSrv } from '../../plugin-config/browser/runtime/templateSrv';
import { isRunnable, toApiQueries } from './queries';

/** Issue 4 query types (status, scan, events, faults) as the plugin sends them, validated by the API's own schema. */
beforeEach(() => {
  setTemplateSrv(
    new SimpleTemplateSrv([
      { name: 'site', current: ['FI006', 'EE001'], options: ['FI006', 'EE001'], multi: true },
      { name: 'device', current: 'FI006ES1BK1BS1', options: ['FI006ES1BK1BS1'] },
      { name: 'block', current: 'FI006ES1BK2', options: ['FI006ES1BK2'] },
    ]) as unknown as TemplateSrv
  );
});

const valid = (queries: unknown[]) =>
  queryRequestSchema.parse({ from: 1_700_000_000_000, to: 1_700_000_600_000, queries });

test('status: devices as given, or one query per site (or block) with the profile', () => {
  const byDevice = toApiQueries(
    { refId: 'A', queryType: 'status', devices: ['$device'], registers: ['stringEvents'] },
    {}
  );
  expect(byDevice).toEqual([
    expect.objectContaining({
      refId: 'A',
      queryType: 'status',
      devices: ['FI006ES1BK1BS1'],
      registers: ['stringEvents'],
    }),
  ]);
  const bySite = toApiQueries({ refId: 'A', queryType: 'status', site: '$site', profile: 'batteryString' }, {});
  expect(bySite.map((q) => [q.refId, (q as { site?: string }).site])).toEqual([
    ['A', 'FI006'],
    ['A~2', 'EE001'],
  ]);
  const byBlock = toApiQueries({ refId: 'A', queryType: 'status', block: '$block', profile: 'batteryString' }, {});
  expect(byBlock).toEqual([expect.objectContaining({ block: 'FI006ES1BK2', profile: 'batteryString' })]);
  for (const group of [byDevice, bySite, byBlock]) expect(valid(group).queries.length).toBe(group.length);
  expect(() => toApiQueries({ refId: 'A', queryType: 'status', site: '$site' }, {})).toThrow(/profile/);
  expect(isRunnable({ refId: 'A', queryType: 'status', site: 'FI006' })).toBe(false);
  expect(isRunnable({ refId: 'A', queryType: 'status', site: 'FI006', profile: 'batteryString' })).toBe(true);
});

test('scan, events and faults pass their options through unchanged', () => {
  const scan = toApiQueries({ refId: 'S', queryType: 'scan', site: '$site', scan: 'missingStrings' }, {});
  expect(scan).toEqual([
    expect.objectContaining({ queryType: 'scan', site: ['FI006', 'EE001'], scan: 'missingStrings' }),
  ]);
  const events = toApiQueries(
    {
      refId: 'E',
      queryType: 'events',
      site: '$site',
      format: 'table',
      active: true,
      minSeverity: 'WARNING',
      limit: 50,
    },
    {}
  );
  expect(events).toEqual([
    expect.objectContaining({
      format: 'table',
      active: true,
      minSeverity: 'WARNING',
      limit: 50,
      site: ['FI006', 'EE001'],
    }),
  ]);
  const faults = toApiQueries({ refId: 'F', queryType: 'faults', devices: ['$device'], view: 'mttrByBit' }, {});
  expect(faults).toEqual([
    expect.objectContaining({ queryType: 'faults', devices: ['FI006ES1BK1BS1'], view: 'mttrByBit' }),
  ]);
  expect(valid([...scan, ...events, ...faults]).queries.map((q) => q.queryType)).toEqual(['scan', 'events', 'faults']);
  expect(isRunnable({ refId: 'S', queryType: 'scan', site: 'FI006' })).toBe(false);
});
