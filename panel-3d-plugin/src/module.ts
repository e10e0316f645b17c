/**
 * Entry of the `openbess-site3d-panel` plugin: the panel and its options. Grafana reads `plugin`; the other
 * exports serve the browser tests and the bench (they load this same built module.js) and are not an API.
 */
import { PanelPlugin } from '@grafana/data';
import { Site3DPanel } from './components/Site3DPanel';
import { framesToScene, STALE_REASON } from './data';
import { buildBars, allocBars } from './scene/bars';
import { METRIC_DEFS } from './scene/colorScales';
import { layoutSite } from './scene/layout';
import { site3dInstrumentation } from './scene/registry';
import { SiteScene } from './scene/SiteScene';
import { DEFAULT_OPTIONS, type FieldMapping, type Site3DOptions } from './types';

const FIELD_LABELS: Array<[keyof FieldMapping, string, string]> = [
  ['idField', 'Device id', 'Device id of each row (also the data link value)'],
  ['parentField', 'Parent', 'Parent device id: strings hang off their block'],
  ['profileField', 'Profile', 'bessNode / bessBlock / batteryString …'],
  ['nameField', 'Name', 'Display name'],
  ['blockField', 'Block number', 'Block number (1-based)'],
  ['stringField', 'String number', 'String number within the block (1-based)'],
  ['powerField', 'Power (kW)', 'Active power, + discharge (shown unsigned)'],
  ['socField', 'SOC (%)', 'State of charge'],
  ['tempMaxField', 'Temp max (°C)', 'Highest cell temperature'],
  ['tempMinField', 'Temp min (°C)', 'Lowest cell temperature'],
  ['dcVoltageField', 'DC voltage (V)', 'String DC voltage'],
  ['offlineField', 'Offline flag', 'true / 1 = offline'],
  ['offlineReasonField', 'Offline reason', `"${STALE_REASON}" = stale (values too old), any other = offline`],
  ['timeField', 'Time', 'Time of the values (stale detection)'],
  ['capacityField', 'Capacity (kWh)', 'Weights the SOC mean of a block'],
  ['ratedPowerField', 'Rated power (kW)', 'Top of the power scale'],
  ['cellVoltagesField', 'Cell voltages', 'Array of cell voltages (cell view)'],
  ['cellTemperaturesField', 'Cell temperatures', 'Array of cell temperatures (cell view)'],
];

export const plugin = new PanelPlugin<Site3DOptions>(Site3DPanel).setPanelOptions((builder) => {
  builder
    .addRadio({
      path: 'metric',
      name: 'Metric',
      description: 'Initial metric (the panel has toggle buttons)',
      defaultValue: DEFAULT_OPTIONS.metric,
      settings: { options: METRIC_DEFS.map((m) => ({ value: m.key, label: m.label })) },
    })
    .addRadio({
      path: 'mode',
      name: 'View',
      description: 'A bar per string, or one aggregated bar per block',
      defaultValue: DEFAULT_OPTIONS.mode,
      settings: {
        options: [
          { value: 'string', label: 'String' },
          { value: 'block', label: 'Block' },
        ],
      },
    })
    .addBooleanSwitch({ path: 'autoRotate', name: 'Auto-rotate', defaultValue: DEFAULT_OPTIONS.autoRotate })
    .addBooleanSwitch({
      path: 'shadows',
      name: 'Soft shadows',
      description: 'Soft shadows and contact ambient occlusion; turn off on slow machines',
      defaultValue: DEFAULT_OPTIONS.shadows,
    })
    .addNumberInput({
      path: 'powerMaxKw',
      name: 'Power scale max (kW)',
      description: '0 = block rating (string share of it in string view)',
      defaultValue: DEFAULT_OPTIONS.powerMaxKw,
      settings: { min: 0 },
    })
    .addTextInput({
      path: 'linkUrl',
      name: 'Link on click',
      category: ['Data link'],
      description:
        'Opened when a bar is clicked (a data link on the id field wins). ${__device}, ${__site}, ${__profile} and dashboard variables are replaced.',
      defaultValue: DEFAULT_OPTIONS.linkUrl,
    })
    .addNumberInput({
      path: 'expectedIntervalSeconds',
      name: 'Expected update interval (s)',
      category: ['Freshness'],
      defaultValue: DEFAULT_OPTIONS.expectedIntervalSeconds,
      settings: { min: 1 },
    })
    .addNumberInput({
      path: 'staleIntervals',
      name: 'Stale after (intervals)',
      category: ['Freshness'],
      description: 'Values older than this many intervals are drawn grey and hatched',
      defaultValue: DEFAULT_OPTIONS.staleIntervals,
      settings: { min: 1 },
    });
  for (const [path, name, description] of FIELD_LABELS) {
    builder.addTextInput({ path, name, description, category: ['Fields'], defaultValue: DEFAULT_OPTIONS[path] });
  }
  return builder;
});

/** For the leak test and the bench only (not an API): renderer counters of live and disposed scenes. */
export { site3dInstrumentation };

/** For the bench only (not an API): the scene and its pure builders, as bundled in this module. */
export const site3dInternals = { SiteScene, framesToScene, layoutSite, buildBars, allocBars };
