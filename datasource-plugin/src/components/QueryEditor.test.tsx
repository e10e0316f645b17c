import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { SimpleTemplateSrv } from '../../../plugin-config/browser/runtime/templateSrv';
import type { BessDataSource } from '../datasource';
import {
  createDatasource,
  installFakeBackend,
  variableFrame,
  type ApiQueryBody,
  type FakeBackend,
} from '../test-utils';
import type { BessQuery } from '../types';
import { QueryEditor } from './QueryEditor';

const SITES: Array<[string, string]> = [
  ['FI006 – Demo site', 'FI006'],
  ['EE001 – Tallinn', 'EE001'],
];
const DEVICES: Record<string, Array<[string, string]>> = {
  FI006: [
    ['FI006MT1 (Grid meter)', 'FI006MT1'],
    ['FI006ES1BK1 (Block 1)', 'FI006ES1BK1'],
  ],
};
const METRICS: Array<[string, string]> = [
  ['activePower (kW)', 'activePower'],
  ['reactivePower (kVAr)', 'reactivePower'],
  ['stateOfCharge (%)', 'stateOfCharge'],
  ['frequency (Hz)', 'frequency'],
  ['dcVoltage (V)', 'dcVoltage'],
  ['dcCurrent (A)', 'dcCurrent'],
  ['minCellVoltage (V)', 'minCellVoltage'],
  ['maxCellVoltage (V)', 'maxCellVoltage'],
  ['maxCellTemperature (°C)', 'maxCellTemperature'],
];

/** The API's `variable` answers for the pickers. */
function answer(q: ApiQueryBody) {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  if (q.variable === 'sites') return { status: 200, frames: [variableFrame(q.refId, SITES)] };
  if (q.variable === 'devices')
    return {
      status: 200,
      frames: [
        variableFrame(
          q.refId,
          list(q.site).flatMap((s) => DEVICES[s] ?? [])
        ),
      ],
    };
  if (q.variable === 'metrics') return { status: 200, frames: [variableFrame(q.refId, METRICS)] };
  return { status: 400, error: 'unexpected' };
}

function Host({
  datasource,
  initial,
  seen,
  runs,
}: {
  datasource: BessDataSource;
  initial: BessQuery;
  seen: BessQuery[];
  runs: { n: number };
}) {
  const [query, setQuery] = useState(initial);
  return (
    <QueryEditor
      datasource={datasource}
      query={query}
      onChange={(q) => {
        seen.push(q);
        setQuery(q);
      }}
      onRunQuery={() => runs.n++}
    />
  );
}

/** Opens a react-select by its input and clicks the option with this label. */
async function pick(inputLabel: string, option: string) {
  await userEvent.click(screen.getByLabelText(inputLabel));
  await userEvent.click(await screen.findByText(option));
}

let backend: FakeBackend;
beforeEach(() => {
  backend = installFakeBackend(answer);
  setTemplateSrv(
    new SimpleTemplateSrv([
      { name: 'string', current: ['FI006ES1BK1BS1', 'FI006ES1BK1BS2'], options: [] },
    ]) as unknown as TemplateSrv
  );
});

const variableQueries = () =>
  backend.requests
    .flatMap((r) => (r.data as { queries: ApiQueryBody[] }).queries)
    .filter((q) => q.queryType === 'variable');

test('site → device → metrics pickers load from the API and build series', async () => {
  const seen: BessQuery[] = [];
  const runs = { n: 0 };
  render(<Host datasource={createDatasource()} initial={{ refId: 'A' }} seen={seen} runs={runs} />);

  await pick('Site', 'FI006 – Demo site');
  expect(seen[seen.length - 1].site).toBe('FI006');
  await pick('Device', 'FI006ES1BK1 (Block 1)');
  await pick('Metrics', 'activePower (kW)');
  await pick('Metrics', 'stateOfCharge (%)');

  const last = seen[seen.length - 1];
  expect(last.series).toEqual([
    { device: 'FI006ES1BK1', metric: 'activePower' },
    { device: 'FI006ES1BK1', metric: 'stateOfCharge' },
  ]);
  expect(runs.n).toBeGreaterThanOrEqual(3);
  expect(screen.getAllByTestId('openbess-series-chip')).toHaveLength(2);
  // The pickers asked the API for sites, the devices of FI006 and the metrics of the chosen device.
  expect(variableQueries()).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ variable: 'sites' }),
      expect.objectContaining({ variable: 'devices', site: ['FI006'] }),
      expect.objectContaining({ variable: 'metrics', device: ['FI006ES1BK1'] }),
    ])
  );
  expect(
    backend.requests.every((r) => r.url === '/api/datasources/proxy/uid/bess/api/query' && r.method === 'POST')
  ).toBe(true);
});

test('template variables are offered in the pickers and multi-value ones are sent expanded', async () => {
  const seen: BessQuery[] = [];
  render(<Host datasource={createDatasource()} initial={{ refId: 'A', site: 'FI006' }} seen={seen} runs={{ n: 0 }} />);
  await pick('Device', '$string');
  await pick('Metrics', 'maxCellTemperature (°C)');
  expect(seen[seen.length - 1].series).toEqual([{ device: '$string', metric: 'maxCellTemperature' }]);
  await waitFor(() =>
    expect(variableQueries()).toContainEqual(
      expect.objectContaining({ variable: 'metrics', device: ['FI006ES1BK1BS1', 'FI006ES1BK1BS2'] })
    )
  );
});

test('at most 8 series: the 9th metric is not added and the editor says why; chips remove series', async () => {
  const seen: BessQuery[] = [];
  const initial: BessQuery = {
    refId: 'A',
    site: 'FI006',
    series: METRICS.slice(0, 7).map(([, metric]) => ({ device: 'FI006MT1', metric })),
  };
  render(<Host datasource={createDatasource()} initial={initial} seen={seen} runs={{ n: 0 }} />);
  await pick('Device', 'FI006ES1BK1 (Block 1)');
  await pick('Metrics', 'frequency (Hz)');
  expect(seen[seen.length - 1].series).toHaveLength(8);
  expect(screen.getByText(/At most 8 series per query/)).toBeInTheDocument();
  await pick('Metrics', 'dcVoltage (V)');
  expect(seen[seen.length - 1].series).toHaveLength(8);
  expect(seen[seen.length - 1].series).not.toContainEqual({ device: 'FI006ES1BK1', metric: 'dcVoltage' });

  await userEvent.click(screen.getByRole('button', { name: 'Remove FI006MT1 activePower' }));
  const after = seen[seen.length - 1].series!;
  expect(after).toHaveLength(7);
  expect(after).not.toContainEqual({ device: 'FI006MT1', metric: 'activePower' });
  expect(within(screen.getByLabelText('Selected series')).getByText('Series 7/8')).toBeInTheDocument();
});

test('live mode switch and interval are saved on the query', async () => {
  const seen: BessQuery[] = [];
  render(<Host datasource={createDatasource()} initial={{ refId: 'A', site: 'FI006' }} seen={seen} runs={{ n: 0 }} />);
  await userEvent.click(screen.getByLabelText('Live'));
  expect(seen[seen.length - 1].live).toBe(true);
  const interval = screen.getByLabelText('Every (s)');
  await userEvent.clear(interval);
  await userEvent.type(interval, '10');
  expect(seen[seen.length - 1]).toMatchObject({ live: true, liveIntervalSec: 10 });
});
