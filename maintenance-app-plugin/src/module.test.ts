import { AppPlugin } from '@grafana/data';
import { plugin } from './module';

test('module exports an AppPlugin with the root page, the configuration page and the alarm link', () => {
  expect(plugin).toBeInstanceOf(AppPlugin);
  expect(plugin.root).toBeDefined();
  expect(plugin.configPages?.map((p) => p.id)).toEqual(['configuration']);
  expect(plugin.addedLinkConfigs.map((l) => [l.title, l.targets])).toEqual([
    ['Create work order', ['grafana/alerting/instance/action']],
  ]);
  // Grafana 12 only activates links that plugin.json declares.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const declared = require('./plugin.json').extensions.addedLinks;
  expect(declared).toEqual([
    expect.objectContaining({ title: 'Create work order', targets: ['grafana/alerting/instance/action'] }),
  ]);
});
