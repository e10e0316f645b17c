/**
 * Dashboard packs (DEVELOPERS.md): the asset owner "ENKA" (portfolio of its sites), the PCS vendor "TMEIC" (PCS
 * temperatures, DC link and alarms across the sites whose blocks use the TMEIC map) and the combined revenue/SLA
 * view. Site lists come from the OpenBESS datasource's `variable` query, which lists only the sites the Grafana
 * user is granted (ENKA's people are granted ENKA's sites in the API's access file); the SQL panels are
 * restricted to those sites by `$site`.
 */
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DEFAULT_AVAILABILITY_TARGET_PCT } from '../../../model/src/kpi/availability';
import {
  bess,
  dashboardsMenu,
  note,
  POSTGRES_DS,
  siteVariable,
  single,
  sql,
  stateColumn,
  TAG,
  targetThresholds,
  UID,
} from './common';
import {
  availabilityBySiteSql,
  dailyRevenueSql,
  energyBySiteSql,
  PCS_TEMPERATURES,
  revenueSlaSql,
  tmeicAlarmCountsSql,
  tmeicAlarmsSql,
  tmeicLatestSql,
  tmeicMetricSeriesSql,
  tmeicSitesSql,
} from './sql';

/** Flat energy price choices, EUR/MWh (OpenBESS holds no market prices). */
const PRICES = ['40', '60', '80', '100', '120', '150', '200'];
/** Contract availability targets offered, percent. */
const TARGETS = ['95', '97', String(DEFAULT_AVAILABILITY_TARGET_PCT), '99', '99.5'];

/** `$price`: a fixed list (a custom variable, not free text: its value goes into SQL). */
const priceVariable = () =>
  new dashboard.CustomVariableBuilder('price')
    .label('Price EUR/MWh')
    .description('Flat energy price applied to net discharged energy (OpenBESS holds no market prices)')
    .values(PRICES.join(','))
    .current({ text: '80', value: '80' })
    .allowCustomValue(false);

/** `$target`: contract availability target, percent (default 98 %, model/src/kpi/availability.ts). */
const targetVariable = () =>
  new dashboard.CustomVariableBuilder('target')
    .label('Availability target %')
    .values(TARGETS.join(','))
    .current({ text: String(DEFAULT_AVAILABILITY_TARGET_PCT), value: String(DEFAULT_AVAILABILITY_TARGET_PCT) })
    .allowCustomValue(false);

const portfolioSites = () => siteVariable({ multi: true }).current({ text: ['All'], value: ['$__all'] });

const ENERGY_NOTE =
  'Energy: left Riemann sum of the BESS controller activePower (each sample holds until the next, at most ' +
  '5 min). Revenue: net discharged energy × the flat price. Availability: time-based, capacity-weighted ' +
  '(model/src/kpi/availability.ts, IEC 61400-26-1 / IEEE 762 equivalent derating) from the maintenance ' +
  'app’s device-status history.';

/** Builds the ENKA asset-owner portfolio dashboard. */
export function enkaPortfolio(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('ENKA portfolio')
    .uid(UID.enkaPortfolio)
    .description('Asset owner ENKA: energy, availability, SOC and revenue of its sites')
    .tags([TAG, 'enka', 'portfolio'])
    .refresh('5m')
    .time({ from: 'now-7d', to: 'now' })
    .timezone('browser')
    .readonly()
    .withVariable(portfolioSites())
    .withVariable(priceVariable())
    .withVariable(targetVariable())
    .link(dashboardsMenu())
    .withPanel(note('How these figures are computed', ENERGY_NOTE, 3))
    .withPanel(
      new stat.PanelBuilder()
        .title('Energy discharged')
        .withTarget(sql('A', energyBySiteSql()))
        .height(5)
        .span(6)
        .unit('kwatth')
        .decimals(0)
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['sum']).fields('/^discharged_kwh$/'))
        .graphMode(common.BigValueGraphMode.None)
        .thresholds(single('blue'))
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Energy charged')
        .withTarget(sql('A', energyBySiteSql()))
        .height(5)
        .span(6)
        .unit('kwatth')
        .decimals(0)
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['sum']).fields('/^charged_kwh$/'))
        .graphMode(common.BigValueGraphMode.None)
        .thresholds(single('purple'))
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Net revenue at $price EUR/MWh')
        .withTarget(sql('A', revenueSlaSql))
        .height(5)
        .span(6)
        .unit('currencyEUR')
        .decimals(0)
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['sum']).fields('/^revenue_eur$/'))
        .graphMode(common.BigValueGraphMode.None)
        .thresholds(single('green'))
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Lowest site availability')
        .withTarget(sql('A', revenueSlaSql))
        .height(5)
        .span(6)
        .unit('percent')
        .decimals(2)
        .reduceOptions(
          new common.ReduceDataOptionsBuilder().values(false).calcs(['min']).fields('/^availability_pct$/')
        )
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Background)
        .thresholds(targetThresholds(DEFAULT_AVAILABILITY_TARGET_PCT))
    )
    .withPanel(
      revenueSlaTable('Sites', 8, 'Per site: energy, net revenue, availability against the target').withOverride({
        matcher: { id: 'byName', options: 'site' },
        properties: [
          {
            id: 'links',
            value: [
              {
                title: 'Site Overview ${__value.raw}',
                url: `/d/${UID.siteOverview}/site-overview?var-site=\${__value.raw}&\${__url_time_range}`,
              },
            ],
          },
        ],
      })
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('State of charge')
        .description('BESS controller SOC of every selected site')
        .withTarget(bess('A', { queryType: 'timeseries', series: [{ device: '${site}ES1', metric: 'stateOfCharge' }] }))
        .height(9)
        .span(12)
        .unit('percent')
        .min(0)
        .max(100)
        .lineWidth(1)
    )
    .withPanel(
      new barchart.PanelBuilder()
        .title('Daily net revenue at $price EUR/MWh')
        .withTarget(sql('A', dailyRevenueSql, 'time_series'))
        .height(9)
        .span(12)
        .unit('currencyEUR')
        .xTickLabelRotation(-45)
        .stacking(common.StackingMode.Normal)
    )
    .build();
}

/** Builds the TMEIC PCS vendor dashboard. */
export function tmeicPcs(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('TMEIC PCS fleet')
    .uid(UID.tmeicPcs)
    .description('PCS vendor TMEIC: PCS temperatures, DC link and alarms of every block with the TMEIC register map')
    .tags([TAG, 'tmeic', 'pcs'])
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .timezone('browser')
    .readonly()
    .withVariable(
      siteVariable({ name: 'allowed', multi: true, hide: true }).current({ text: ['All'], value: ['$__all'] })
    )
    .withVariable(
      new dashboard.QueryVariableBuilder('site')
        .label('TMEIC sites')
        .description('Sites you may see whose blocks are polled through the TMEIC PCS map (model/maps/pcs-tmeic.yaml)')
        .datasource(POSTGRES_DS)
        .query(tmeicSitesSql)
        .definition(tmeicSitesSql)
        .refresh(dashboard.VariableRefresh.OnDashboardLoad)
        .multi(true)
        .includeAll(true)
        .allowCustomValue(false)
        .current({ text: ['All'], value: ['$__all'] })
    )
    .link(dashboardsMenu())
    .withPanel(
      new table.PanelBuilder()
        .title('PCS now')
        .description('Latest PCS temperatures and DC link per block (latest values of the TMEIC-mapped series)')
        .withTarget(sql('A', tmeicLatestSql))
        .height(8)
        .span(24)
        .withOverride({
          matcher: { id: 'byRegexp', options: '.*_c$' },
          properties: [
            { id: 'unit', value: 'celsius' },
            { id: 'custom.cellOptions', value: { type: 'color-text' } },
          ],
        })
        .withOverride({ matcher: { id: 'byName', options: 'dc_link_v' }, properties: [{ id: 'unit', value: 'volt' }] })
        .withOverride({ matcher: { id: 'byName', options: 'dc_link_a' }, properties: [{ id: 'unit', value: 'amp' }] })
        .withOverride({
          matcher: { id: 'byName', options: 'time' },
          properties: [{ id: 'unit', value: 'dateTimeAsIso' }],
        })
        .thresholds(
          new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
            { value: null, color: 'green' },
            { value: 70, color: 'orange' },
            { value: 90, color: 'red' },
          ])
        )
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('PCS temperatures (max per interval)')
        .description(`${PCS_TEMPERATURES.join(', ')} of every TMEIC PCS`)
        .withTarget(sql('A', tmeicMetricSeriesSql(PCS_TEMPERATURES), 'time_series'))
        .height(10)
        .span(12)
        .unit('celsius')
        .lineWidth(1)
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('DC-link voltage (mean per interval)')
        .withTarget(sql('A', tmeicMetricSeriesSql(['dcLinkVoltage'], 'avg'), 'time_series'))
        .height(10)
        .span(12)
        .unit('volt')
        .lineWidth(1)
    )
    .withPanel(
      new barchart.PanelBuilder()
        .title('PCS alarms and warnings per site')
        .withTarget(sql('A', tmeicAlarmCountsSql))
        .height(8)
        .span(8)
        .xField('site')
        .stacking(common.StackingMode.Normal)
        .overrideByName('alarms', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }])
        .overrideByName('warnings', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'orange' } }])
    )
    .withPanel(
      new table.PanelBuilder()
        .title('PCS alarms')
        .description('Events of TMEIC PCS status registers overlapping the range, newest first')
        .withTarget(sql('A', tmeicAlarmsSql))
        .height(8)
        .span(16)
        .withOverride(stateColumn('severity'))
        .withOverride({ matcher: { id: 'byName', options: 'duration_s' }, properties: [{ id: 'unit', value: 's' }] })
    )
    .build();
}

/** Builds the combined revenue / SLA dashboard. */
export function revenueSla(): dashboard.Dashboard {
  return new dashboard.DashboardBuilder('Revenue & SLA')
    .uid(UID.revenueSla)
    .description(
      'Every site you may see: energy, net revenue at a flat price, availability against the contract target'
    )
    .tags([TAG, 'revenue', 'sla'])
    .refresh('5m')
    .time({ from: 'now-7d', to: 'now' })
    .timezone('browser')
    .readonly()
    .withVariable(portfolioSites())
    .withVariable(priceVariable())
    .withVariable(targetVariable())
    .link(dashboardsMenu())
    .withPanel(note('How these figures are computed', ENERGY_NOTE, 3))
    .withPanel(revenueSlaTable('Revenue and SLA by site', 9))
    .withPanel(
      new barchart.PanelBuilder()
        .title('Availability vs target')
        .withTarget(sql('A', availabilityBySiteSql))
        .height(9)
        .span(12)
        .xField('site')
        .unit('percent')
        .min(90)
        .max(100)
        .thresholds(
          new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
            { value: null, color: 'red' },
            { value: 98, color: 'green' },
          ])
        )
        .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds))
        .overrideByName('meets_target', [{ id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: false } }])
        .overrideByName('downtime_h', [{ id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: false } }])
        .overrideByName('target_pct', [{ id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: false } }])
    )
    .withPanel(
      new barchart.PanelBuilder()
        .title('Daily net revenue at $price EUR/MWh')
        .withTarget(sql('A', dailyRevenueSql, 'time_series'))
        .height(9)
        .span(12)
        .unit('currencyEUR')
        .xTickLabelRotation(-45)
        .stacking(common.StackingMode.Normal)
    )
    .build();
}

/**
 * The per-site revenue/SLA table ({@link revenueSlaSql}) with its column units (MWh, EUR, %) and the
 * SLA column coloured MET green / MISSED red — on the ENKA and the revenue/SLA dashboards.
 */
function revenueSlaTable(title: string, height: number, description?: string): table.PanelBuilder {
  const b = new table.PanelBuilder().title(title);
  if (description !== undefined) b.description(description);
  return b
    .withTarget(sql('A', revenueSlaSql))
    .height(height)
    .span(24)
    .withOverride({
      matcher: { id: 'byRegexp', options: '.*_mwh$' },
      properties: [
        { id: 'unit', value: 'mwatth' },
        { id: 'decimals', value: 1 },
      ],
    })
    .withOverride({
      matcher: { id: 'byName', options: 'revenue_eur' },
      properties: [
        { id: 'unit', value: 'currencyEUR' },
        { id: 'decimals', value: 0 },
      ],
    })
    .withOverride({
      matcher: { id: 'byRegexp', options: '.*_pct$' },
      properties: [
        { id: 'unit', value: 'percent' },
        { id: 'decimals', value: 2 },
      ],
    })
    .withOverride({
      matcher: { id: 'byName', options: 'sla' },
      properties: [
        {
          id: 'mappings',
          value: [
            { type: 'value', options: { MET: { color: 'green', index: 0 }, MISSED: { color: 'red', index: 1 } } },
          ],
        },
        { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } },
      ],
    });
}
