import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { SimpleTemplateSrv } from '../../../plugin-config/browser/runtime/templateSrv';
import { createDatasource, installFakeBackend, variableFrame } from '../test-utils';
import type { BessQuery } from '../types';
import { QueryEditor } from './QueryEditor';

/** The query editor for the issue 4 query types: status, scan, faults and the events format. */
function Host({ initial, seen }: { initial: BessQuery; seen: BessQuery[] }) {
  const [query, setQuery] = useState(initial);
  return (
    <QueryEditor
      datasource={createDatasource()}
      query={query}
      onChange={(q) => {
        seen.push(q);
        setQuery(q);
      }}
      onRunQuery={() => undefined}
    />
  );
}

beforeEach(() => {
  setTemplateSrv(new SimpleTemplateSrv([]) as unknown as TemplateSrv);
  installFakeBackend((q) => ({ status: 200, frames: [variableFrame(q.refId, [['FI006', 'FI006']])] }));
});

test('scan: the four scans are offered and the chosen one is saved', async () => {
  const seen: BessQuery[] = [];
  render(<Host initial={{ refId: 'A', site: 'FI006' }} seen={seen} />);
  await userEvent.click(screen.getByLabelText('Scan'));
  for (const label of ['String status', 'Block status', 'Missing strings', 'Missing blocks'])
    expect(screen.getByLabelText(label)).toBeInTheDocument();
  await userEvent.click(screen.getByLabelText('Missing strings'));
  expect(seen[seen.length - 1]).toMatchObject({ queryType: 'scan', scan: 'missingStrings' });
});

test('faults: the view is chosen; events: the format', async () => {
  const seen: BessQuery[] = [];
  render(<Host initial={{ refId: 'A', site: 'FI006' }} seen={seen} />);
  await userEvent.click(screen.getByLabelText('Faults'));
  await userEvent.click(screen.getByLabelText('MTTR by bit'));
  expect(seen[seen.length - 1]).toMatchObject({ queryType: 'faults', view: 'mttrByBit' });
  await userEvent.click(screen.getByLabelText('Events'));
  await userEvent.click(screen.getByLabelText('Table'));
  expect(seen[seen.length - 1]).toMatchObject({ queryType: 'events', format: 'table' });
});

test('status: devices and a profile can be set', async () => {
  render(<Host initial={{ refId: 'A', site: 'FI006', queryType: 'status' }} seen={[]} />);
  expect(screen.getByLabelText('Devices')).toBeInTheDocument();
  expect(screen.getByLabelText('Profile')).toBeInTheDocument();
});
