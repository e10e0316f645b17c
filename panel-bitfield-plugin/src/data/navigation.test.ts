import { locationService, setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { SimpleTemplateSrv } from '../../../plugin-config/browser/runtime/templateSrv';
import { neighbours, selectDevice, siblingDevices, variableOptions, variableValues } from './navigation';

const strings = Array.from({ length: 12 }, (_, i) => `FI006ES1BK1BS${i + 1}`);

describe('sibling navigation', () => {
  it('orders siblings naturally: BS10 comes after BS9', () => {
    const shuffled = [...strings].sort(); // lexical: BS1, BS10, BS11, BS12, BS2 …
    expect(shuffled[1]).toBe('FI006ES1BK1BS10');
    const s = siblingDevices(shuffled, []);
    expect(s).toEqual(strings);
    expect(neighbours(s, 'FI006ES1BK1BS9')).toEqual({ index: 8, prev: 'FI006ES1BK1BS8', next: 'FI006ES1BK1BS10' });
    expect(neighbours(s, 'FI006ES1BK1BS12')).toEqual({ index: 11, prev: 'FI006ES1BK1BS11' });
    expect(neighbours(s, 'nope')).toEqual({ index: -1 });
  });

  it('uses the variable options when the data holds one device that is among them', () => {
    expect(siblingDevices(['FI006ES1BK1BS3'], strings)).toEqual(strings);
    expect(siblingDevices(['other'], strings)).toEqual(['other']);
  });

  it('reads the variable through the template service (values, options, All)', () => {
    const srv = new SimpleTemplateSrv([
      { name: 'device', current: 'FI006ES1BK1BS9', options: strings },
      { name: 'many', current: ['a', 'b'], options: ['a', 'b', 'c'], multi: true },
      { name: 'all', current: '$__all', options: ['a'], includeAll: true },
    ]);
    setTemplateSrv(srv as unknown as TemplateSrv);
    const replace = (v: string) => srv.replace(v);
    expect(variableValues(replace, 'device')).toEqual(['FI006ES1BK1BS9']);
    expect(variableValues(replace, 'many')).toEqual(['a', 'b']);
    expect(variableValues(replace, 'missing')).toEqual([]);
    expect(variableOptions('device')).toEqual(strings);
    expect(variableOptions('missing')).toEqual([]);
  });

  it('changes the dashboard variable through locationService.partial (replace)', () => {
    const partial = jest.spyOn(locationService, 'partial');
    selectDevice('device', 'FI006ES1BK1BS10');
    expect(partial).toHaveBeenCalledWith({ 'var-device': 'FI006ES1BK1BS10' }, true);
    expect(locationService.getSearchObject()['var-device']).toBe('FI006ES1BK1BS10');
    partial.mockRestore();
  });
});
