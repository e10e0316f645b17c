import { dateTime, EventBusSrv, LoadingState, toDataFrame, type PanelProps } from '@grafana/data';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { siteFrames } from '../../test/fixtures/siteFrames';
import { DEFAULT_OPTIONS, type Site3DOptions } from '../types';
import { Site3DPanel } from './Site3DPanel';

const NOW = Date.UTC(2026, 0, 1, 12);

function props(series = siteFrames({ blocks: 2, strings: 12, now: NOW, faults: true }).map((f) => toDataFrame(f))) {
  const range = { from: dateTime(NOW - 3600_000), to: dateTime(NOW), raw: { from: 'now-1h', to: 'now' } };
  return {
    id: 1,
    data: { state: LoadingState.Done, series, timeRange: range },
    timeRange: range,
    timeZone: 'utc',
    options: DEFAULT_OPTIONS,
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: 800,
    height: 400,
    renderCounter: 0,
    title: 'Site',
    eventBus: new EventBusSrv(),
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    replaceVariables: (s: string) => s,
    onChangeTimeRange: () => {},
  } as unknown as PanelProps<Site3DOptions>;
}

/** Renders and lets @grafana/ui's icons (react-inlinesvg) settle inside act(). */
async function renderPanel(p: PanelProps<Site3DOptions>) {
  await act(async () => {
    render(<Site3DPanel {...p} />);
    await new Promise((r) => setTimeout(r, 20));
  });
}

describe('Site3DPanel chrome (jsdom: no WebGL)', () => {
  it('says WebGL is missing instead of crashing, and still shows toolbar and legend', async () => {
    await renderPanel(props());
    expect(screen.getByTestId('site3d-message')).toHaveTextContent('WebGL 2 is not available in this browser');
    expect(screen.getByTestId('site3d-legend')).toHaveTextContent('Power (kW) · per string');
    // string share of the 2400 kW block rating
    expect(screen.getByTestId('site3d-legend-max')).toHaveTextContent('200 kW');
  });

  it('switches metric and mode, and DC voltage forces string view', async () => {
    await renderPanel(props());
    fireEvent.click(screen.getByRole('radio', { name: 'Block' }));
    expect(screen.getByTestId('site3d-legend')).toHaveTextContent('Power (kW) · per block');
    expect(screen.getByTestId('site3d-legend-max')).toHaveTextContent('2400 kW');
    fireEvent.click(screen.getByRole('radio', { name: 'SOC' }));
    expect(screen.getByTestId('site3d-legend')).toHaveTextContent('SOC (%) · per block');
    expect(screen.getByTestId('site3d-legend-min')).toHaveTextContent('0.0 %');
    expect(screen.getByTestId('site3d-legend-max')).toHaveTextContent('100.0 %');
    fireEvent.click(screen.getByRole('radio', { name: 'DC voltage' }));
    expect(screen.getByTestId('site3d-legend')).toHaveTextContent('DC voltage (V) · per string');
    expect(screen.getByTestId('site3d-legend-min')).toHaveTextContent('1000 V');
    expect(screen.getByRole('radio', { name: 'Block' })).toBeDisabled();
    expect(screen.getByRole('radio', { name: 'String' })).toBeChecked();
    // back to a block-capable metric: the chosen Block mode returns
    fireEvent.click(screen.getByRole('radio', { name: 'Temp max' }));
    expect(screen.getByTestId('site3d-legend')).toHaveTextContent('Temp max (°C) · per block');
  });

  it('toggles auto-rotate', async () => {
    await renderPanel(props());
    const button = screen.getByRole('button', { name: /Rotate/ });
    expect(button).toHaveAttribute('aria-pressed', 'false');
    fireEvent.click(button);
    expect(button).toHaveAttribute('aria-pressed', 'true');
  });

  it('explains which fields it needs when the data has no site tree', async () => {
    await renderPanel(props([toDataFrame({ fields: [{ name: 'value', values: [1, 2] }] })]));
    expect(
      screen
        .getAllByTestId('site3d-message')
        .map((e) => e.textContent)
        .join(' ')
    ).toContain('expected a frame with the fields "id" and "profile"');
    expect(screen.queryByTestId('site3d-legend')).toBeNull();
  });

  it('lists rows it could not place', async () => {
    const bad = toDataFrame({
      fields: [
        { name: 'id', values: ['B1', 'S9'] },
        { name: 'profile', values: ['bessBlock', 'batteryString'] },
        { name: 'block', values: [1, null] },
      ],
    });
    await renderPanel(props([bad]));
    expect(screen.getByTestId('site3d-problems')).toHaveTextContent(
      '2 data problem(s), first: frame 0 row 2: string S9 has no string number, placed last'
    );
  });
});
