import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { SimpleTemplateSrv, type SimpleVariable } from '../../plugin-config/browser/runtime/templateSrv';
import { expandAll, expandSeries, expandTemplate, variableNames } from './interpolate';
import { toApiQueries, toVariableApiQuery } from './queries';

/** A real (minimal) template service with the dashboard's variables, as Grafana would have them. */
function useVariables(variables: SimpleVariable[]) {
  setTemplateSrv(new SimpleTemplateSrv(variables) as unknown as TemplateSrv);
}

const SITE_MULTI: SimpleVariable = { name: 'site', current: ['FI006', 'EE001'], options: ['FI006', 'EE001', 'GB003'] };
const BLOCK_ALL: SimpleVariable = {
  name: 'block',
  current: '$__all',
  includeAll: true,
  multi: true,
  options: ['FI006ES1BK1', 'FI006ES1BK2'],
};
const STRING_ONE: SimpleVariable = { name: 'string', current: 'FI006ES1BK1BS3', options: ['FI006ES1BK1BS3'] };

test('variableNames finds every syntax once', () => {
  expect(variableNames('$site ${block} [[string]] ${site:csv} [[x:raw]] $site')).toEqual([
    'site',
    'block',
    'string',
    'x',
  ]);
});

test('multi-value variables expand into one value each, All into every option, single values stay single', () => {
  useVariables([SITE_MULTI, BLOCK_ALL, STRING_ONE]);
  expect(expandTemplate('$site')).toEqual(['FI006', 'EE001']);
  expect(expandTemplate('${block}')).toEqual(['FI006ES1BK1', 'FI006ES1BK2']);
  expect(expandTemplate('[[string]]')).toEqual(['FI006ES1BK1BS3']);
  expect(expandTemplate('FI006MT1')).toEqual(['FI006MT1']);
});

test('several multi-value variables in one field give their cartesian product', () => {
  useVariables([SITE_MULTI, { name: 'n', current: ['1', '2'], options: ['1', '2'] }]);
  expect(expandTemplate('${site}ES1BK$n')).toEqual(['FI006ES1BK1', 'FI006ES1BK2', 'EE001ES1BK1', 'EE001ES1BK2']);
});

test('scoped variables (repeated panels) win over the dashboard selection; unknown variables stay as written', () => {
  useVariables([SITE_MULTI]);
  expect(expandTemplate('${site}MT1', { site: { text: 'GB003', value: 'GB003' } })).toEqual(['GB003MT1']);
  expect(expandTemplate('$nosuch')).toEqual(['$nosuch']);
});

test('expandAll flattens lists, drops empty values and duplicates', () => {
  useVariables([SITE_MULTI, { name: 'empty', current: '', options: [] }]);
  expect(expandAll(['$site', 'FI006', '$empty'])).toEqual(['FI006', 'EE001']);
});

test('series: device and metric variables expand to every (device, metric) pair', () => {
  useVariables([BLOCK_ALL, { name: 'metric', current: ['activePower', 'stateOfCharge'], options: [] }]);
  expect(
    expandSeries([
      { device: '$block', metric: '$metric' },
      { device: 'FI006ES1BK1', metric: 'activePower' },
    ])
  ).toEqual([
    { device: 'FI006ES1BK1', metric: 'activePower' },
    { device: 'FI006ES1BK1', metric: 'stateOfCharge' },
    { device: 'FI006ES1BK2', metric: 'activePower' },
    { device: 'FI006ES1BK2', metric: 'stateOfCharge' },
  ]);
});

test('a time-series query expanding past 8 series is split into API queries of at most 8 (A, A~2)', () => {
  const strings = Array.from({ length: 10 }, (_, i) => `FI006ES1BK1BS${i + 1}`);
  useVariables([{ name: 'string', current: strings, options: strings }]);
  const queries = toApiQueries(
    { refId: 'A', queryType: 'timeseries', series: [{ device: '$string', metric: 'stateOfCharge' }] },
    undefined,
    { maxDataPoints: 500, intervalMs: 60000 }
  );
  expect(queries.map((q) => q.refId)).toEqual(['A', 'A~2']);
  const series = queries.flatMap((q) => ('series' in q ? q.series : []));
  expect(series.map((s) => s.device)).toEqual(strings);
  expect(queries[0]).toMatchObject({ queryType: 'timeseries', maxDataPoints: 500, intervalMs: 60000 });
  expect('series' in queries[0] && queries[0].series).toHaveLength(8);
});

test('latest, tree and variable queries carry interpolated lists', () => {
  useVariables([SITE_MULTI, BLOCK_ALL]);
  expect(
    toApiQueries({ refId: 'B', queryType: 'latest', site: '$site', devices: ['$block'], metrics: [] }, undefined)
  ).toEqual([{ refId: 'B', queryType: 'latest', site: ['FI006', 'EE001'], devices: ['FI006ES1BK1', 'FI006ES1BK2'] }]);
  expect(
    toApiQueries({ refId: 'T', queryType: 'tree', site: '$site' }, undefined).map((q) => [
      q.refId,
      'site' in q && q.site,
    ])
  ).toEqual([
    ['T', 'FI006'],
    ['T~2', 'EE001'],
  ]);
  expect(toVariableApiQuery({ refId: 'v', variable: 'strings', block: '$block' })).toEqual({
    refId: 'v',
    queryType: 'variable',
    variable: 'strings',
    block: ['FI006ES1BK1', 'FI006ES1BK2'],
  });
});

test('a query whose variables leave no series is refused with a message naming the query', () => {
  useVariables([{ name: 'string', current: '', options: [] }]);
  expect(() =>
    toApiQueries({ refId: 'C', queryType: 'timeseries', series: [{ device: '$string', metric: 'soc' }] }, undefined)
  ).toThrow(/query C: no series/);
});
