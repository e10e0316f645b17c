/**
 * Site Overview (issue 3 §4, issue 4 §4, issue 6 §4): one site at a glance — grid-meter P/Q/Hz, blocks online,
 * strings connected, SOC, availability; P and SOC over time on two axes; blocks and strings with inline values
 * and links to Device detail; the four status scans. Refresh 5 s; deep link `/d/openbess-site-overview?var-site=FI006`.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import {
  bess,
  dashboardsMenu,
  deviceDetailLink,
  filterRows,
  organize,
  siteVariable,
  sortBy,
  single,
  sql,
  stateColumn,
  TAG,
  targetThresholds,
  UID,
} from './common';
import { DEFAULT_AVAILABILITY_TARGET_PCT } from '../../../model/src/kpi/availability';
import { availabilityBySiteSql } from './sql';

/** A stat of the latest value of one metric of one device of `$site` (`suffix`: MT1 meter, ES1 BESS controller). */
function latestStat(title: string, suffix: string, metric: string, unit: string, opts: { decimals?: number } = {}) {
  const p = new stat.PanelBuilder()
    .title(title)
    .description(`Latest ${metric} of \${site}${suffix} (register-true: see Device detail → register provenance)`)
    .withTarget(bess('A', { queryType: 'latest', devices: [`\${site}${suffix}`], metrics: [metric] }))
    .unit(unit)
    .height(4)
    .span(4)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields('/^value$/'))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .thresholds(single('text'));
  if (opts.decimals !== undefined) p.decimals(opts.decimals);
  return p;
}

/** A scan table (issue 4 §2): one row per string or block, the status column red/amber/green. */
function scanTable(title: string, scan: 'stringStatus' | 'blockStatus' | 'missingStrings' | 'missingBlocks') {
  return new table.PanelBuilder()
    .title(title)
    .description(`Scan "${scan}" of the OpenBESS API: red alarm, amber warning, green OK`)
    .withTarget(bess('A', { queryType: 'scan', site: '$site', scan }))
    .height(9)
    .span(12)
    .withOverride(stateColumn('status'))
    .withOverride(stateColumn('blockStatus'))
    .withOverride({
      matcher: { id: 'byName', options: 'device' },
      properties: [{ id: 'links', value: [deviceDetailLink('device')] }],
    })
    .sortBy([sortBy('statusRank', true)]);
}

/** Builds the Site Overview dashboard. */
export function siteOverview(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('Site Overview')
    .uid(UID.siteOverview)
    .description('One BESS site: grid meter, BESS, blocks, strings, scans and availability. Deep link: ?var-site=FI006')
    .tags([TAG, 'site'])
    .refresh('5s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .timepicker(new dashboard.TimePickerBuilder().refreshIntervals(['5s', '10s', '30s', '1m', '5m']))
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(siteVariable())
    .link(dashboardsMenu())
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Alarms & warnings')
        .datasource({ type: 'openbess-telemetry-datasource', uid: 'openbess-api' })
        .enable(true)
        .iconColor('red')
        .target(bess('Anno', { queryType: 'events', site: '$site', minSeverity: 'WARNING' }))
    )
    .withRow(new dashboard.RowBuilder('${site} now'))
    .withPanel(latestStat('Active power P', 'MT1', 'activePower', 'kwatt', { decimals: 1 }))
    .withPanel(latestStat('Reactive power Q', 'MT1', 'reactivePower', 'kvoltampreact', { decimals: 1 }))
    .withPanel(latestStat('Frequency', 'MT1', 'frequency', 'hertz', { decimals: 3 }))
    .withPanel(latestStat('Blocks online', 'ES1', 'blocksOnline', 'none', { decimals: 0 }))
    .withPanel(latestStat('Strings connected', 'ES1', 'stringsConnected', 'none', { decimals: 0 }))
    .withPanel(
      latestStat('State of charge', 'ES1', 'stateOfCharge', 'percent', { decimals: 1 })
        .min(0)
        .max(100)
        .colorMode(common.BigValueColorMode.Value)
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Active power and SOC')
        .description(
          'Grid meter and BESS active power (kW, + discharge/export, left axis) and BESS SOC (%, right axis)'
        )
        .withTarget(
          bess('A', {
            queryType: 'timeseries',
            series: [
              { device: '${site}MT1', metric: 'activePower' },
              { device: '${site}ES1', metric: 'activePower' },
              { device: '${site}ES1', metric: 'activePowerSetValue' },
              { device: '${site}ES1', metric: 'stateOfCharge' },
            ],
          })
        )
        .height(9)
        .span(18)
        .unit('kwatt')
        .lineWidth(1)
        .fillOpacity(8)
        .axisPlacement(common.AxisPlacement.Left)
        .axisLabel('kW')
        .overrideByRegexp('.*stateOfCharge.*', [
          { id: 'custom.axisPlacement', value: common.AxisPlacement.Right },
          { id: 'unit', value: 'percent' },
          { id: 'min', value: 0 },
          { id: 'max', value: 100 },
          { id: 'custom.axisLabel', value: 'SOC %' },
          { id: 'custom.fillOpacity', value: 0 },
        ])
        .overrideByRegexp('.*activePowerSetValue.*', [
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        ])
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Availability (time-based)')
        .description(
          'Issue 6: time-based, capacity-weighted availability over the dashboard range from the maintenance app’s ' +
            'device-status history (offline periods), the formula of model/src/kpi/availability.ts computed in SQL ' +
            `through Grafana’s PostgreSQL datasource. Green at or above the ${DEFAULT_AVAILABILITY_TARGET_PCT} % contract target.`
        )
        .withTarget(sql('A', availabilityBySiteSql.replaceAll('$target', String(DEFAULT_AVAILABILITY_TARGET_PCT))))
        .height(9)
        .span(6)
        .unit('percent')
        .decimals(2)
        .reduceOptions(
          new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields('/^availability_pct$/')
        )
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Background)
        .thresholds(targetThresholds(DEFAULT_AVAILABILITY_TARGET_PCT))
        .noValue('no blocks')
    )
    .withRow(new dashboard.RowBuilder('Blocks and strings'))
    .withPanel(
      new dashboard.PanelBuilder()
        .type('openbess-site3d-panel')
        .title('${site} in 3D')
        .description(
          'Blocks as containers, strings as bars (power, SOC, temperatures, DC voltage); stale and offline strings ' +
            'hatched grey; click a string for its Device detail, double-click for its cells'
        )
        .withTarget(bess('A', { queryType: 'tree', site: '$site' }))
        .withTarget(bess('B', { queryType: 'latest', site: '$site', metrics: ['cellVoltages', 'cellTemperatures'] }))
        .height(12)
        .span(24)
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Blocks')
        .description('Site tree (tree query) with inline latest values; click a block for its Device detail')
        .withTarget(bess('A', { queryType: 'tree', site: '$site' }))
        .height(8)
        .span(24)
        .withTransformation(filterRows('profile', '^(bessNode|bessBlock)$'))
        .withTransformation(
          organize(
            [
              'name',
              'id',
              'activePower',
              'activePowerSetValue',
              'reactivePower',
              'stateOfCharge',
              'ratedPowerKw',
              'capacityKwh',
              'isOffline',
              'offlineReason',
              'time',
            ],
            {
              id: 'device',
              activePower: 'P',
              activePowerSetValue: 'P set',
              reactivePower: 'Q',
              stateOfCharge: 'SOC',
              ratedPowerKw: 'rated',
              capacityKwh: 'capacity',
              isOffline: 'offline',
              offlineReason: 'reason',
              time: 'last value',
            },
            [
              'parent',
              'profile',
              'block',
              'string',
              'frequency',
              'powerFactor',
              'minCellTemperature',
              'maxCellTemperature',
              'dcVoltage',
            ]
          )
        )
        .withOverride({
          matcher: { id: 'byName', options: 'device' },
          properties: [{ id: 'links', value: [deviceDetailLink('device')] }],
        })
        .withOverride({
          matcher: { id: 'byName', options: 'name' },
          properties: [{ id: 'links', value: [deviceDetailLink('device')] }],
        })
        .withOverride({
          matcher: { id: 'byName', options: 'SOC' },
          properties: [
            { id: 'custom.cellOptions', value: { type: 'gauge', mode: 'basic' } },
            { id: 'min', value: 0 },
            { id: 'max', value: 100 },
          ],
        })
        .withOverride({
          matcher: { id: 'byName', options: 'offline' },
          properties: [
            {
              id: 'mappings',
              value: [
                {
                  type: 'value',
                  options: {
                    true: { text: 'OFFLINE', color: 'red', index: 0 },
                    false: { text: 'online', color: 'green', index: 1 },
                  },
                },
              ],
            },
            { id: 'custom.cellOptions', value: { type: 'color-text' } },
          ],
        })
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Battery strings')
        .description('Every string with its inline latest values; click a string for its Device detail')
        .withTarget(bess('A', { queryType: 'tree', site: '$site' }))
        .height(10)
        .span(24)
        .withTransformation(filterRows('profile', '^batteryString$'))
        .withTransformation(
          organize(
            [
              'name',
              'id',
              'activePower',
              'stateOfCharge',
              'dcVoltage',
              'minCellTemperature',
              'maxCellTemperature',
              'isOffline',
              'offlineReason',
              'time',
            ],
            {
              id: 'device',
              activePower: 'P',
              stateOfCharge: 'SOC',
              dcVoltage: 'DC V',
              minCellTemperature: 'min cell °C',
              maxCellTemperature: 'max cell °C',
              isOffline: 'offline',
              offlineReason: 'reason',
              time: 'last value',
            },
            [
              'parent',
              'profile',
              'block',
              'string',
              'frequency',
              'powerFactor',
              'reactivePower',
              'activePowerSetValue',
              'ratedPowerKw',
              'capacityKwh',
            ]
          )
        )
        .withOverride({
          matcher: { id: 'byName', options: 'device' },
          properties: [{ id: 'links', value: [deviceDetailLink('device')] }],
        })
        .withOverride({
          matcher: { id: 'byName', options: 'SOC' },
          properties: [
            { id: 'custom.cellOptions', value: { type: 'gauge', mode: 'basic' } },
            { id: 'min', value: 0 },
            { id: 'max', value: 100 },
          ],
        })
        .withOverride({
          matcher: { id: 'byName', options: 'offline' },
          properties: [
            {
              id: 'mappings',
              value: [
                {
                  type: 'value',
                  options: {
                    true: { text: 'OFFLINE', color: 'red', index: 0 },
                    false: { text: 'online', color: 'green', index: 1 },
                  },
                },
              ],
            },
            { id: 'custom.cellOptions', value: { type: 'color-text' } },
          ],
        })
    )
    .withRow(new dashboard.RowBuilder('Scans'))
    .withPanel(scanTable('Battery string status', 'stringStatus'))
    .withPanel(scanTable('Block status', 'blockStatus'))
    .withPanel(scanTable('Missing data: strings', 'missingStrings'))
    .withPanel(scanTable('Missing data: blocks', 'missingBlocks'))
    .build();
}
