import type { DataFrame } from '@grafana/data';
import { fieldLinkTemplate, isInternalUrl, resolveDeviceLink } from './links';
import { DEFAULT_OPTIONS } from './types';

const target = { id: 'FI006ES1BK1BS3', profile: 'batteryString', site: 'FI006' };

describe('device links', () => {
  it('fills the device variable into the default link', () => {
    expect(resolveDeviceLink(DEFAULT_OPTIONS.linkUrl, target)).toBe(
      '/d/openbess-device-detail/device-detail?var-site=FI006&var-device=FI006ES1BK1BS3'
    );
  });

  it('understands the field data link forms and encodes the value', () => {
    const t = { ...target, id: 'A B&C' };
    expect(
      resolveDeviceLink('/d/x?var-device=${__value.raw}&a=${__data.fields.id}&b=${__value.text:percentencode}', t)
    ).toBe('/d/x?var-device=A%20B%26C&a=A%20B%26C&b=A%20B%26C');
  });

  it('passes the result through Grafana interpolation with the device as scoped variable', () => {
    const calls: unknown[] = [];
    const url = resolveDeviceLink('/d/x?var-device=${__device}&${__url_time_range}', target, 'id', (s, scoped) => {
      calls.push(scoped);
      return s.replace('${__url_time_range}', 'from=now-1h&to=now');
    });
    expect(url).toBe('/d/x?var-device=FI006ES1BK1BS3&from=now-1h&to=now');
    expect(calls[0]).toEqual({
      __device: { text: target.id, value: target.id },
      __site: { text: 'FI006', value: 'FI006' },
    });
  });

  it('prefers a data link configured on the id field', () => {
    const frame = {
      length: 1,
      fields: [
        {
          name: 'id',
          type: 'string',
          values: ['x'],
          config: { links: [{ title: 'Device', url: '/d/dev?var-device=${__value.raw}' }] },
        },
      ],
    } as unknown as DataFrame;
    expect(fieldLinkTemplate([frame], 'id')).toBe('/d/dev?var-device=${__value.raw}');
    expect(fieldLinkTemplate([frame], 'device')).toBeNull();
  });

  it('tells internal from external URLs', () => {
    expect(isInternalUrl('/d/x', 'http://grafana:3000')).toBe(true);
    expect(isInternalUrl('http://grafana:3000/d/x', 'http://grafana:3000')).toBe(true);
    expect(isInternalUrl('https://example.com/d/x', 'http://grafana:3000')).toBe(false);
    expect(isInternalUrl('//evil.example/x', 'http://grafana:3000')).toBe(false);
  });
});
