import { alarmRequestPath, alarmWorkOrderLink } from './extensions';

test('an alert instance with site/device/alertname labels links to the prefilled REQUEST', () => {
  const path = alarmRequestPath({
    instance: {
      labels: { site: 'FI006', device: 'FI006ES1BK1BS3', alertname: 'BMS_OVER_TEMP', severity: 'critical' },
      annotations: { summary: 'Max cell 58 °C' },
      activeAt: '2026-11-23T10:15:00Z',
    },
  })!;
  const url = new URL(path, 'http://grafana');
  expect(url.pathname).toBe('/a/openbess-maintenance-app/work-orders/from-alarm');
  expect(Object.fromEntries(url.searchParams)).toEqual({
    site: 'FI006',
    device: 'FI006ES1BK1BS3',
    alarm: 'BMS_OVER_TEMP',
    severity: 'critical',
    time: '2026-11-23T10:15:00.000Z',
    message: 'Max cell 58 °C',
  });
});

test('no (valid) site label: the link is hidden', () => {
  expect(alarmRequestPath({ instance: { labels: { alertname: 'x' } } })).toBeUndefined();
  expect(alarmRequestPath({ instance: { labels: { site: 'fi006; drop' } } })).toBeUndefined();
  expect(alarmRequestPath(undefined)).toBeUndefined();
  expect(alarmWorkOrderLink.configure!(undefined)).toBeUndefined();
  expect(alarmWorkOrderLink.configure!({ labels: { site: 'EE001' } })).toEqual({
    path: '/a/openbess-maintenance-app/work-orders/from-alarm?site=EE001&alarm=alert',
  });
});
