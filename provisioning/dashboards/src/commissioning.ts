/**
 * Commissioning (issue 3 §4): for the engineer on site — one stat per node device (grid meter, BESS controller,
 * wind, solar: whichever the site has) with its active power, unit and the time of the last value to the
 * millisecond, and a 5-minute rolling chart of every node's activePower plus the BESS activePowerSetValue.
 * Live: the queries stream (the datasource polls `latest` every second and appends).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { bess, dashboardsMenu, deviceVariable, siteVariable, single, TAG, UID } from './common';

/** Node devices of a site (model/src/deviceId.ts): meter MTn, BESS controller ESn (no block), wind WTn, solar PVn. */
export const NODE_DEVICE_REGEX = '/^[A-Z]{2}[0-9]{3}(MT|ES|WT|PV)[0-9]+( |$)/';
/** Live poll interval of the commissioning queries, seconds. */
const LIVE_SEC = 1;
/** Grafana custom unit showing a time to the millisecond. */
export const MS_TIME_UNIT = 'time:YYYY-MM-DD HH:mm:ss.SSS';

/** Builds the Commissioning dashboard. */
export function commissioning(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('Commissioning')
    .uid(UID.commissioning)
    .description('Node devices live: value, unit and last-update time to the millisecond; 5-minute rolling power chart')
    .tags([TAG, 'commissioning'])
    .time({ from: 'now-5m', to: 'now' })
    .timezone('browser')
    .liveNow(true)
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(siteVariable())
    .withVariable(
      deviceVariable('node', { label: 'Node devices', regex: NODE_DEVICE_REGEX, multi: true, hide: true }).current({
        text: ['All'],
        value: ['$__all'],
      })
    )
    .link(dashboardsMenu())
    .withPanel(
      new stat.PanelBuilder()
        .title('${node}')
        .description(
          'Latest activePower of the node device and the time of that sample (collector timestamp, to the millisecond)'
        )
        .repeat('node')
        .repeatDirection('h')
        .maxPerRow(4)
        .withTarget(
          bess('A', {
            queryType: 'latest',
            devices: ['$node'],
            metrics: ['activePower'],
            live: true,
            liveIntervalSec: LIVE_SEC,
          })
        )
        .height(5)
        .span(24) // Grafana splits the row between the repeats (at most 4 per row)
        .reduceOptions(
          new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields('/^(value|time)$/')
        )
        .textMode(common.BigValueTextMode.ValueAndName)
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.None)
        .orientation(common.VizOrientation.Vertical)
        .thresholds(single('text'))
        .overrideByName('value', [
          { id: 'unit', value: 'kwatt' },
          { id: 'decimals', value: 1 },
          { id: 'displayName', value: 'activePower' },
        ])
        .overrideByName('time', [
          { id: 'unit', value: MS_TIME_UNIT },
          { id: 'displayName', value: 'last update' },
        ])
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Active power, last 5 minutes')
        .description('activePower of every node device and the BESS activePowerSetValue (kW, + discharge/export), live')
        .withTarget(
          bess('A', {
            queryType: 'timeseries',
            series: [
              { device: '$node', metric: 'activePower' },
              { device: '${site}ES1', metric: 'activePowerSetValue' },
            ],
            live: true,
            liveIntervalSec: LIVE_SEC,
          })
        )
        .timeFrom('5m')
        .height(12)
        .span(24)
        .unit('kwatt')
        .lineWidth(2)
        .showPoints(common.VisibilityMode.Never)
        .overrideByRegexp('.*activePowerSetValue.*', [
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        ])
    )
    .build();
}
