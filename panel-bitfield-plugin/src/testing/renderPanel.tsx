/** jsdom test helper: renders the panel with the props Grafana gives a panel. */
import { render } from '@testing-library/react';
import {
  EventBusSrv,
  getDefaultTimeRange,
  LoadingState,
  toDataFrame,
  type DataFrame,
  type PanelProps,
} from '@grafana/data';
import { BitfieldPanel } from '../components/BitfieldPanel';
import { DEFAULT_OPTIONS, type BitfieldOptions } from '../types';
import type { FrameInput } from './statusFrames';

export function panelProps(
  frames: Array<FrameInput | DataFrame>,
  options: Partial<BitfieldOptions> = {},
  replaceVariables: (s: string) => string = (s) => s
): PanelProps<BitfieldOptions> {
  const timeRange = getDefaultTimeRange();
  return {
    id: 1,
    data: { state: LoadingState.Done, series: frames.map((f) => toDataFrame(f)), timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options },
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: 900,
    height: 600,
    renderCounter: 0,
    title: 'Status',
    eventBus: new EventBusSrv(),
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    replaceVariables: (s: string) => replaceVariables(s),
    onChangeTimeRange: () => {},
  };
}

export function renderPanel(...args: Parameters<typeof panelProps>) {
  return render(<BitfieldPanel {...panelProps(...args)} />);
}
