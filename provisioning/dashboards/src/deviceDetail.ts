/**
 * Device detail (issue 3 §4, issue 4 §4): one device of one site — telemetry of the metrics picked, latest values,
 * register provenance (which map, unit id, address, type and scale each number comes from), its status registers
 * bit by bit (bitfield panel) and its events. Deep link `/d/openbess-device-detail?var-site=FI006&var-device=…`.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import {
  bess,
  dashboardsMenu,
  deviceVariable,
  OPENBESS_DS,
  organize,
  siteVariable,
  sortBy,
  stateColumn,
  TAG,
  UID,
} from './common';

/** Builds the Device detail dashboard. */
export function deviceDetail(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('Device detail')
    .uid(UID.deviceDetail)
    .description('One device: telemetry, latest values, register provenance, status bits and events')
    .tags([TAG, 'device'])
    .refresh('10s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(siteVariable())
    .withVariable(deviceVariable('device', { label: 'Device' }))
    .withVariable(
      new dashboard.QueryVariableBuilder('metric')
        .label('Metrics')
        .description('Metrics of the device to chart (the API lists the device’s scalar series)')
        .datasource(OPENBESS_DS)
        .query({ refId: 'metric', variable: 'metrics', device: '$device' })
        .definition('metrics of $device')
        .refresh(dashboard.VariableRefresh.OnDashboardLoad)
        .multi(true)
        .includeAll(false)
        .current({ text: ['activePower'], value: ['activePower'] })
    )
    .link(dashboardsMenu())
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Events of $device')
        .datasource(OPENBESS_DS)
        .enable(true)
        .iconColor('orange')
        .target(bess('Anno', { queryType: 'events', devices: ['$device'] }))
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('${device}: telemetry')
        .description(
          'Picked metrics of the device (power on the left axis, SOC/Hz/V/°C on the right, from the API’s field config)'
        )
        .withTarget(bess('A', { queryType: 'timeseries', series: [{ device: '$device', metric: '$metric' }] }))
        .height(10)
        .span(16)
        .lineWidth(1)
        .fillOpacity(5)
        .spanNulls(false)
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Latest values')
        .description('Every scalar series of the device with its value and timestamp')
        .withTarget(bess('A', { queryType: 'latest', devices: ['$device'] }))
        .height(10)
        .span(8)
        .withTransformation(organize(['metric', 'value', 'unit', 'time'], {}, ['site', 'device']))
        .withOverride({
          matcher: { id: 'byName', options: 'time' },
          properties: [{ id: 'unit', value: 'time:YYYY-MM-DD HH:mm:ss.SSS' }],
        })
    )
    .withPanel(
      new dashboard.PanelBuilder()
        .type('openbess-bitfield-panel')
        .title('${device}: status registers')
        .description('Each status register with its hex value, expandable to its bits against their expected values')
        .withTarget(bess('A', { queryType: 'status', devices: ['$device'] }))
        .height(12)
        .span(12)
        .options({
          displayMode: 'device',
          onlyNonOk: false,
          showNavigation: true,
          deviceVariable: 'device',
          deviceField: 'device',
          definitions: '',
        })
    )
    .withPanel(
      new table.PanelBuilder()
        .title('${device}: events')
        .description('Bit transitions away from the expected value (raised → cleared) overlapping the time range')
        .withTarget(bess('A', { queryType: 'events', devices: ['$device'], format: 'table' }))
        .height(12)
        .span(12)
        .withOverride(stateColumn('severity'))
        .sortBy([sortBy('raisedAt', true)])
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Register provenance')
        .description(
          'Register-true: for every metric of the device, the register map, Modbus unit id, address, function, ' +
            'data type, scale / SunSpec scale factor and sign its value is decoded from (catalog query)'
        )
        .withTarget(bess('A', { queryType: 'catalog', device: '$device' }))
        .height(12)
        .span(24)
        .cellHeight(common.TableCellHeight.Sm)
        .filterable(true)
    )
    .build();
}
