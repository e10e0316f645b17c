/** @jest-environment node */
import { formatVariableValue, SimpleTemplateSrv } from '../browser/runtime/templateSrv';

const srv = new SimpleTemplateSrv([
  { name: 'site', current: ['FI006', 'EE001'], options: [{ text: 'Demo', value: 'FI006' }, 'EE001', 'GB003'] },
  { name: 'block', current: '$__all', includeAll: true, multi: true, options: ['B1', 'B2'] },
  { name: 'any', current: '$__all', includeAll: true, allValue: '.*', options: ['x', 'y'] },
  { name: 'one', current: "it's", options: [] },
]);

test('all syntaxes interpolate; multi-value defaults to glob; unknown variables stay', () => {
  expect(srv.replace('$site|${site}|[[site]]|$nope')).toBe('{FI006,EE001}|{FI006,EE001}|{FI006,EE001}|$nope');
  expect(srv.replace('${site:csv} ${site:pipe} ${site:json} [[site:regex]]')).toBe(
    'FI006,EE001 FI006|EE001 ["FI006","EE001"] (FI006|EE001)'
  );
  expect(srv.replace('${site:text}')).toBe('Demo + EE001');
  expect(srv.replace('${one:sqlstring} ${one:singlequote}')).toBe("'it''s' 'it\\'s'");
  expect(srv.replace('${site:queryparam}')).toBe('var-site=FI006&var-site=EE001');
});

test('All expands to every option; a custom all value is used as is', () => {
  expect(srv.replace('${block:csv}')).toBe('B1,B2');
  expect(srv.replace('$any')).toBe('.*');
  expect(srv.replace('${any:text}')).toBe('All');
});

test('scoped variables win, format functions get the value list, containsTemplate knows variables', () => {
  expect(srv.replace('$site', { site: { text: 'GB003', value: 'GB003' } })).toBe('GB003');
  expect(srv.replace('$block', undefined, (v: unknown) => `<${(v as string[]).length}>`)).toBe('<2>');
  expect(srv.containsTemplate('x $site')).toBe(true);
  expect(srv.containsTemplate('x $nope')).toBe(false);
  expect(srv.getVariables().map((v) => [v.name, v.multi])).toEqual([
    ['site', true],
    ['block', true],
    ['any', false],
    ['one', false],
  ]);
});

test('$__from/$__to follow the time range', () => {
  srv.updateTimeRange({ from: 1000, to: 2000 });
  expect(srv.replace('$__from-$__to')).toBe('1000-2000');
  expect(formatVariableValue('5000', 'date:seconds')).toBe('5');
});
