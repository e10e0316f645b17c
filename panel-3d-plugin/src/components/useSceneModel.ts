/**
 * Frames → scene model → layout → bars, memoised so a data refresh with the same topology reuses the layout
 * (the scene then only rewrites instance buffers) and a metric / mode toggle does not re-read the frames.
 */
import type { DataFrame } from '@grafana/data';
import { useMemo } from 'react';
import { framesToScene, type SceneData } from '../data';
import { type BarSet, buildBars } from '../scene/bars';
import { layoutSite, type SiteLayout } from '../scene/layout';
import type { FieldMapping, MetricKey, Site3DOptions, ViewMode } from '../types';

/** What the panel renders. */
export interface SceneModel {
  data: SceneData;
  layout: SiteLayout | null;
  bars: BarSet | null;
  /** Changes only when blocks or strings change. */
  topologyKey: string;
  error: string | null;
}

const MAPPING_KEYS: Array<keyof FieldMapping> = [
  'idField',
  'parentField',
  'profileField',
  'nameField',
  'blockField',
  'stringField',
  'powerField',
  'socField',
  'tempMaxField',
  'tempMinField',
  'dcVoltageField',
  'offlineField',
  'offlineReasonField',
  'timeField',
  'capacityField',
  'ratedPowerField',
  'cellVoltagesField',
  'cellTemperaturesField',
];

export function useSceneModel(
  series: readonly DataFrame[],
  options: Site3DOptions,
  metric: MetricKey,
  mode: ViewMode,
  now: number
): SceneModel {
  const mappingKey = MAPPING_KEYS.map((k) => options[k]).join('\u0000');
  const data = useMemo(
    () => framesToScene(series, options),
    // the mapping is compared by value (mappingKey): other option changes must not re-read the frames
    [series, mappingKey]
  );
  const site = data.site;
  const topologyKey = site ? site.blocks.map((b) => `${b.id}:${b.strings.map((s) => s.id).join(',')}`).join('|') : '';
  const layout = useMemo(() => (site ? layoutSite(site.blocks.map((b) => b.strings.length)) : null), [topologyKey]);
  const { expectedIntervalSeconds, staleIntervals, powerMaxKw } = options;
  return useMemo(() => {
    if (!site || !layout) return { data, layout, bars: null, topologyKey, error: null };
    try {
      const rule = { now, intervalMs: expectedIntervalSeconds * 1000, intervals: staleIntervals };
      const bars = buildBars(site, layout, metric, mode, rule, powerMaxKw);
      return { data, layout, bars, topologyKey, error: null };
    } catch (e) {
      return { data, layout, bars: null, topologyKey, error: e instanceof Error ? e.message : String(e) };
    }
  }, [data, site, layout, topologyKey, metric, mode, now, expectedIntervalSeconds, staleIntervals, powerMaxKw]);
}
