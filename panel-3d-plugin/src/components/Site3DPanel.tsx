/**
 * The 3D site panel: React owns the chrome (toolbar, legend, tooltip, messages) and the state (metric, mode,
 * auto-rotate, cell view); the three.js scene lives in effects and is disposed on unmount (or when the shadow
 * option changes, which needs a new renderer). Data refreshes with the same topology only rewrite instance buffers.
 */
import type { PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { cx } from '@emotion/css';
import { useEffect, useRef, useState } from 'react';
import { fieldLinkTemplate, resolveDeviceLink } from '../links';
import type { CellMetric } from '../scene/cells';
import type { CellSummary } from '../scene/cellView';
import { effectiveMode } from '../scene/colorScales';
import { SiteScene } from '../scene/SiteScene';
import type { MetricKey, Site3DOptions, ViewMode } from '../types';
import { CellLegend, SiteLegend } from './Legend';
import { openLink } from './navigate';
import { getStyles } from './styles';
import { CellToolbar, SiteToolbar } from './Toolbar';
import { BarTooltip } from './Tooltip';
import { useSceneModel } from './useSceneModel';

type Hover = { index: number; x: number; y: number } | null;

export function Site3DPanel(props: PanelProps<Site3DOptions>) {
  const { data, options, width, height, replaceVariables, timeRange, timeZone } = props;
  const styles = useStyles2(getStyles);
  const [metric, setMetric] = useState<MetricKey>(options.metric);
  const [mode, setMode] = useState<ViewMode>(options.mode);
  const [autoRotate, setAutoRotate] = useState(options.autoRotate);
  const [cellDevice, setCellDevice] = useState<string | null>(null);
  const [cellMetric, setCellMetric] = useState<CellMetric>('voltage');
  const [cellSummary, setCellSummary] = useState<CellSummary | null>(null);
  const [hover, setHover] = useState<Hover>(null);
  const [scene, setScene] = useState<SiteScene | null>(null);
  const [sceneError, setSceneError] = useState<string | null>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);

  // the panel editor's defaults win when they change
  useEffect(() => setMetric(options.metric), [options.metric]);
  useEffect(() => setMode(options.mode), [options.mode]);
  useEffect(() => setAutoRotate(options.autoRotate), [options.autoRotate]);

  const now = (data.timeRange ?? timeRange).to.valueOf();
  const model = useSceneModel(data.series, options, metric, mode, now);
  const { bars, layout } = model;
  const site = model.data.site;

  // event handlers read the latest render through a ref (the scene is created once per renderer)
  const handlers = useRef({
    click: (_i: number) => {},
    dblclick: (_i: number) => {},
  });
  handlers.current.click = (i: number) => {
    const b = scene?.currentBars;
    if (!b || !site) return;
    const template = fieldLinkTemplate(data.series, options.idField) ?? options.linkUrl;
    if (!template) return;
    openLink(
      resolveDeviceLink(
        template,
        { id: b.ids[i], profile: b.profiles[i], site: site.site },
        options.idField,
        replaceVariables
      )
    );
  };
  handlers.current.dblclick = (i: number) => {
    const b = scene?.currentBars;
    if (b && b.profiles[i] === 'batteryString') {
      setHover(null);
      setCellDevice(b.ids[i]);
    }
  };

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let s: SiteScene;
    try {
      s = new SiteScene(
        host,
        { shadows: options.shadows },
        {
          onHover: (index, x, y) => {
            const r = rootRef.current?.getBoundingClientRect();
            setHover(index === null || !r ? null : { index, x: x - r.left, y: y - r.top });
          },
          onClick: (i) => handlers.current.click(i),
          onDoubleClick: (i) => handlers.current.dblclick(i),
        }
      );
    } catch (e) {
      setSceneError(`The 3D view cannot start: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    setSceneError(null);
    setScene(s);
    return () => {
      setScene(null);
      s.dispose();
    };
  }, [options.shadows]);

  useEffect(() => {
    if (scene && layout && site) {
      scene.setLayout(
        layout,
        site.blocks.map((b) => b.name),
        `Transformer · ${site.site}`
      );
    }
    // the layout object changes exactly when the topology does
  }, [scene, layout, site?.site]);

  useEffect(() => {
    if (scene && bars) scene.setBars(bars);
  }, [scene, bars]);

  useEffect(() => scene?.setAutoRotate(autoRotate && !cellDevice), [scene, autoRotate, cellDevice]);

  const cells = cellDevice ? model.data.cells.get(cellDevice) : undefined;
  const available = { voltage: !!cells?.voltages?.length, temperature: !!cells?.temperatures?.length };
  const shownCellMetric: CellMetric = available[cellMetric]
    ? cellMetric
    : available.voltage
      ? 'voltage'
      : 'temperature';
  const cellValues = cells ? (shownCellMetric === 'voltage' ? cells.voltages : cells.temperatures) : null;

  useEffect(() => {
    if (!scene) return;
    setCellSummary(
      cellDevice && cellValues?.length
        ? scene.showCells({ device: cellDevice, metric: shownCellMetric, values: cellValues })
        : scene.showCells(null)
    );
  }, [scene, cellDevice, cellValues, shownCellMetric]);

  useEffect(() => {
    if (!cellDevice) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setCellDevice(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [cellDevice]);

  const shownMode = effectiveMode(metric, mode);
  const message = !site
    ? `No site topology in the data: expected a frame with the fields "${options.idField}" and "${options.profileField}" (or "${options.blockField}" / "${options.stringField}"), e.g. the OpenBESS datasource's tree query.`
    : model.error;

  return (
    <div ref={rootRef} className={cx(styles.root)} style={{ width, height }} data-testid="site3d-panel">
      <div ref={hostRef} className={styles.host} />
      {cellDevice ? (
        <CellToolbar
          styles={styles}
          device={cellDevice}
          metric={shownCellMetric}
          available={available}
          onMetric={setCellMetric}
          onBack={() => setCellDevice(null)}
        />
      ) : (
        <SiteToolbar
          styles={styles}
          metric={metric}
          mode={shownMode}
          autoRotate={autoRotate}
          onMetric={setMetric}
          onMode={setMode}
          onAutoRotate={setAutoRotate}
        />
      )}
      {cellDevice && cellSummary ? (
        <CellLegend styles={styles} device={cellDevice} metric={shownCellMetric} summary={cellSummary} />
      ) : null}
      {!cellDevice && bars ? <SiteLegend styles={styles} metric={metric} mode={shownMode} range={bars.range} /> : null}
      {cellDevice && !cellValues?.length ? (
        <div className={styles.message} data-testid="site3d-message">
          No cell data for {cellDevice}. Add a query for its latest <code>{options.cellVoltagesField}</code> /{' '}
          <code>{options.cellTemperaturesField}</code> arrays. Press Escape to go back.
        </div>
      ) : null}
      {hover && bars && !cellDevice && hover.index < bars.count ? (
        <BarTooltip styles={styles} bars={bars} index={hover.index} x={hover.x} y={hover.y} timeZone={timeZone} />
      ) : null}
      {message || sceneError ? (
        <div className={styles.message} data-testid="site3d-message">
          {[sceneError, message].filter(Boolean).map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      ) : null}
      {model.data.problems.length > 0 ? (
        <div className={styles.problems} title={model.data.problems.join('\n')} data-testid="site3d-problems">
          {model.data.problems.length} data problem(s), first: {model.data.problems[0]}
        </div>
      ) : null}
    </div>
  );
}
