import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FieldType, toDataFrame } from '@grafana/data';
import { renderPanel } from '../testing/renderPanel';

const DEFINITIONS = `registers:
  - field: status
    label: PCS status
    type: bitfield16
    bits:
      - { bit: 0, name: running, expected: 1, severity: WARNING }
      - { bit: 1, name: gridConnected, expected: 1, severity: ALARM }
      - { bit: 3, name: fault, expected: 0, severity: ALARM }
      - { bit: 4, name: derating, expected: 0, severity: WARNING }
`;

const pcsFrame = (value: number | null) =>
  toDataFrame({
    name: 'PCS1',
    fields: [
      { name: 'time', type: FieldType.time, values: [Date.UTC(2025, 0, 1)] },
      { name: 'status', type: FieldType.number, values: [value] },
    ],
  });

describe('numeric-field mode (any datasource)', () => {
  it('decodes a numeric "status" field 0x0009 with the option bits', async () => {
    const user = userEvent.setup();
    renderPanel([pcsFrame(0x0009)], { definitions: DEFINITIONS });
    expect(screen.getByTestId('bitfield-panel')).toHaveAttribute('data-source', 'numeric');
    expect(screen.getByRole('heading', { name: 'PCS1' })).toBeInTheDocument();
    const row = screen.getByTestId('register-status');
    expect(row).toHaveAttribute('data-state', 'ALARM');
    expect(within(row).getByTestId('hex')).toHaveTextContent('0x0009');
    expect(within(row).getByText('2 alarms')).toBeInTheDocument();
    await user.click(within(row).getByRole('button'));
    const table = screen.getByRole('table', { name: 'Bits of PCS status' });
    const state = (bit: number) =>
      within(table).getByTestId(`bit-${bit}`).querySelector('[data-state]')?.getAttribute('data-state');
    expect([0, 1, 3, 4].map(state)).toEqual(['OK', 'ALARM', 'ALARM', 'OK']);
  });

  it('shows no data for a null value', () => {
    renderPanel([pcsFrame(null)], { definitions: DEFINITIONS });
    expect(screen.getByTestId('register-status')).toHaveAttribute('data-state', 'NO_DATA');
  });

  it('explains what to do when the data is not a status frame and no bits are defined', () => {
    renderPanel([pcsFrame(9)]);
    expect(screen.getByText(/No status registers in the data/)).toBeInTheDocument();
  });

  it('reports invalid definitions with line and field', () => {
    renderPanel([pcsFrame(9)], { definitions: 'registers:\n  - field: status\n    bits: [ { bit: -1, name: x } ]\n' });
    expect(screen.getByRole('list', { name: 'Data problems' })).toHaveTextContent(
      'Bit definitions: line 3: registers[0].bits[0].bit: must be an integer from 0 to 15 for bitfield16 (got -1)'
    );
  });
});
