/**
 * Faults & trips (issue 4 §4): status-bit events of the selected sites — the timeline of faults with their
 * durations, MTTR (mean time to repair = mean duration of cleared events) per device and per bit, top offenders,
 * and what is active now. From the OpenBESS datasource's `faults` and `events` query types.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import type { BessTarget } from './common';
import {
  bess,
  dashboardsMenu,
  deviceDetailLink,
  workOrderFromEventLink,
  OPENBESS_DS,
  siteVariable,
  single,
  sortBy,
  stateColumn,
  TAG,
  UID,
} from './common';

/** A table of one `faults` view. */
function faultsTable(
  title: string,
  description: string,
  view: 'timeline' | 'mttrByDevice' | 'mttrByBit' | 'topOffenders'
) {
  const target: BessTarget = { queryType: 'faults', site: '$site', view, minSeverity: 'WARNING' };
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .withTarget(bess('A', target))
    .withOverride(stateColumn('severity'))
    .withOverride({
      matcher: { id: 'byName', options: 'device' },
      properties: [{ id: 'links', value: [deviceDetailLink('device', '${__data.fields.site}')] }],
    })
    .withOverride({
      matcher: { id: 'byRegexp', options: '^(mttrS|maxS|downtimeS|durationS)$' },
      properties: [{ id: 'unit', value: 's' }],
    })
    .withOverride({
      matcher: { id: 'byName', options: 'events' },
      properties: [{ id: 'custom.cellOptions', value: { type: 'gauge', mode: 'lcd' } }],
    })
    .filterable(true);
}

/** Builds the Faults & trips dashboard. */
export function faults(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('Faults & trips')
    .uid(UID.faults)
    .description('Status-bit events: timeline with durations, MTTR by device and by bit, top offenders, active now')
    .tags([TAG, 'faults'])
    .refresh('1m')
    .time({ from: 'now-7d', to: 'now' })
    .timezone('browser')
    .readonly()
    .withVariable(siteVariable({ multi: true }).current({ text: ['All'], value: ['$__all'] }))
    .link(dashboardsMenu())
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Faults')
        .datasource(OPENBESS_DS)
        .enable(true)
        .iconColor('red')
        .target(bess('Anno', { queryType: 'events', site: '$site', minSeverity: 'WARNING' }))
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Active now')
        .description('Events still open (raised, not cleared), warnings and alarms')
        .withTarget(
          bess('A', { queryType: 'events', site: '$site', format: 'table', active: true, minSeverity: 'WARNING' })
        )
        .height(5)
        .span(4)
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['count']).fields('/^id$/'))
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Background)
        .noValue('0')
        .thresholds(
          new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
            { value: null, color: 'green' },
            { value: 1, color: 'red' },
          ])
        )
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Active events')
        .withTarget(
          bess('A', { queryType: 'events', site: '$site', format: 'table', active: true, minSeverity: 'WARNING' })
        )
        .height(5)
        .span(20)
        .withOverride(stateColumn('severity'))
        .withOverride({
          matcher: { id: 'byName', options: 'device' },
          properties: [
            {
              id: 'links',
              value: [deviceDetailLink('device', '${__data.fields.site}'), workOrderFromEventLink()],
            },
          ],
        })
        .sortBy([sortBy('raisedAt', true)])
    )
    .withPanel(
      faultsTable(
        'Timeline',
        'Every fault raised in the range, newest first, with its duration (open ones until now)',
        'timeline'
      )
        .height(10)
        .span(24)
        .sortBy([sortBy('time', true)])
    )
    .withPanel(
      faultsTable(
        'MTTR by device',
        'Mean time to repair per device: mean duration of its cleared events',
        'mttrByDevice'
      )
        .height(9)
        .span(12)
        .sortBy([sortBy('mttrS', true)])
    )
    .withPanel(
      faultsTable('MTTR by bit', 'Mean time to repair per status bit (register, bit) over all devices', 'mttrByBit')
        .height(9)
        .span(12)
        .sortBy([sortBy('mttrS', true)])
    )
    .withPanel(
      faultsTable('Top offenders', 'Devices with the most events in the range', 'topOffenders')
        .height(9)
        .span(24)
        .sortBy([sortBy('events', true)])
        .thresholds(single('red'))
    )
    .build();
}
