import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPanel } from '../testing/renderPanel';
import { CONTACTOR_STATE, STRING_EVENTS, STRING_STATUS } from '../testing/specs';
import { healthyRaw, statusFrameInput, type StatusSample } from '../testing/statusFrames';

const T = Date.UTC(2025, 5, 1, 8, 30);
const id = (n: number) => `FI006ES1BK1BS${n}`;
const REGISTERS = [STRING_STATUS, STRING_EVENTS, CONTACTOR_STATE];

/** 12 strings, all healthy except BS3 (fault latched) and BS11 (over-temperature warning), BS7 silent contactor. */
function site(): StatusSample[] {
  const out: StatusSample[] = [];
  for (let n = 1; n <= 12; n++) {
    for (const reg of REGISTERS) {
      let raw: number | null = healthyRaw(reg);
      if (n === 3 && reg === STRING_STATUS) {
        raw = 0x0023;
      }
      if (n === 11 && reg === STRING_EVENTS) {
        raw = 0x00000004;
      }
      if (n === 7 && reg === CONTACTOR_STATE) {
        raw = null;
      }
      out.push({ device: id(n), register: reg, raw, time: T });
    }
  }
  return out;
}

const cellState = (device: string, col: number) =>
  within(screen.getByTestId(`grid-row-${device}`))
    .getAllByRole('gridcell')
    [col].getAttribute('data-state');

describe('device grid', () => {
  it('shows devices (natural order) × registers with the worst state per cell', () => {
    renderPanel([statusFrameInput(site())]);
    const grid = screen.getByRole('grid', { name: 'Status registers by device' });
    expect(
      within(grid)
        .getAllByRole('columnheader')
        .map((h) => h.textContent)
    ).toEqual(['Device', 'String status word', 'String event 1', 'Contactor status']);
    expect(
      within(grid)
        .getAllByRole('rowheader')
        .map((h) => h.textContent)
    ).toEqual(Array.from({ length: 12 }, (_, i) => id(i + 1)));
    expect([cellState(id(3), 0), cellState(id(3), 1), cellState(id(3), 2)]).toEqual(['ALARM', 'OK', 'OK']);
    expect(cellState(id(11), 1)).toBe('WARNING');
    expect(cellState(id(7), 2)).toBe('NO_DATA');
    expect(screen.getByTestId(`grid-row-${id(3)}`)).toHaveAttribute('data-state', 'ALARM');
    const alarmCell = within(screen.getByTestId(`grid-row-${id(3)}`)).getAllByRole('gridcell')[0];
    // text and icon, not colour alone: the cell says ALARM and the value; row/column headers give the context
    expect(alarmCell).toHaveTextContent('ALARM0x0023');
    expect(within(screen.getByTestId(`grid-row-${id(7)}`)).getAllByRole('gridcell')[2]).toHaveTextContent('No data');
    expect(screen.getByRole('status')).toHaveTextContent(
      '12 devices × 3 registers · 1 ALARM · 1 WARNING · 10 OK · 1 with missing registers'
    );
  });

  it('a stale string (comms loss, API `stale`): every cell "—" with the last known hex, the row no data', () => {
    const samples = site().map((x) =>
      x.device === id(5) ? { ...x, raw: x.register === STRING_STATUS ? 0x0103 : x.raw, stale: true } : x
    );
    renderPanel([statusFrameInput(samples)]);
    const row = screen.getByTestId(`grid-row-${id(5)}`);
    expect(row).toHaveAttribute('data-state', 'NO_DATA');
    const cells = within(row).getAllByRole('gridcell');
    expect(cells.map((c) => c.getAttribute('data-state'))).toEqual(['NO_DATA', 'NO_DATA', 'NO_DATA']);
    expect(cells[0]).toHaveTextContent('—No recent data (stale)0x0103');
    expect(within(cells[0]).getByTitle('Last known value (stale)')).toHaveTextContent('0x0103');
    expect(screen.getByRole('status')).toHaveTextContent('1 no data');
  });

  it('"only non-OK" keeps the devices with an alarm, warning or missing data', () => {
    renderPanel([statusFrameInput(site())], { onlyNonOk: true });
    expect(screen.getAllByRole('rowheader').map((h) => h.textContent)).toEqual([id(3), id(7), id(11)]);
    expect(screen.getByRole('status')).toHaveTextContent('9 all-OK devices hidden');
  });

  it('"only non-OK" with every device OK says so', () => {
    const healthy = site().map((s) => ({ ...s, raw: healthyRaw(s.register) }));
    renderPanel([statusFrameInput(healthy)], { onlyNonOk: true });
    expect(screen.queryByRole('grid')).not.toBeInTheDocument();
    expect(screen.getByText('All 12 devices OK.')).toBeInTheDocument();
  });

  it('click on a cell expands that device under its row with the register’s bits open; again collapses', async () => {
    const user = userEvent.setup();
    renderPanel([statusFrameInput(site())]);
    const cell = within(screen.getByTestId(`grid-row-${id(3)}`)).getAllByRole('gridcell')[0];
    await user.click(cell);
    expect(cell).toHaveAttribute('aria-expanded', 'true');
    const bits = screen.getByRole('table', { name: 'Bits of String status word' });
    expect(within(bits).getByTestId('bit-5')).toHaveTextContent('fault');
    expect(within(bits).getByTestId('bit-5')).toHaveTextContent('ALARM');
    // the device's other registers are listed (collapsed) under the row
    expect(screen.getByRole('button', { name: /^String event 1, 0x00000000, OK/ })).toHaveAttribute(
      'aria-expanded',
      'false'
    );
    await user.click(cell);
    expect(cell).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('table', { name: /Bits of/ })).not.toBeInTheDocument();
  });

  it('arrow keys move between cells (roving tabindex) and Enter/Space expand', async () => {
    const user = userEvent.setup();
    renderPanel([statusFrameInput(site())]);
    await user.tab();
    const row = (n: number) => within(screen.getByTestId(`grid-row-${id(n)}`));
    expect(row(1).getByRole('rowheader')).toHaveFocus();
    await user.keyboard('{ArrowRight}');
    expect(row(1).getAllByRole('gridcell')[0]).toHaveFocus();
    await user.keyboard('{ArrowDown}{ArrowDown}');
    const target = row(3).getAllByRole('gridcell')[0];
    expect(target).toHaveFocus();
    expect(target).toHaveAttribute('tabindex', '0');
    expect(row(1).getAllByRole('gridcell')[0]).not.toHaveAttribute('tabindex');
    await user.keyboard('{Enter}');
    expect(target).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('table', { name: 'Bits of String status word' })).toBeInTheDocument();
    await user.keyboard('{End}');
    expect(row(3).getAllByRole('gridcell')[2]).toHaveFocus();
    await user.keyboard('{ArrowRight}'); // stays at the edge
    expect(row(3).getAllByRole('gridcell')[2]).toHaveFocus();
    await user.keyboard('{Home}');
    expect(row(3).getByRole('rowheader')).toHaveFocus();
    await user.keyboard(' ');
    expect(row(3).getByRole('rowheader')).toHaveAttribute('aria-expanded', 'false');
    await user.keyboard('{Control>}{End}{/Control}');
    expect(row(12).getAllByRole('gridcell')[2]).toHaveFocus();
    await user.keyboard('{PageUp}');
    expect(row(2).getAllByRole('gridcell')[2]).toHaveFocus();
  });

  it('renders only the rows in view for a large site, and keyboard moves bring rows in', async () => {
    const user = userEvent.setup();
    const many: StatusSample[] = [];
    for (let n = 1; n <= 240; n++) {
      many.push({
        device: `D${n}`,
        register: STRING_STATUS,
        raw: n === 240 ? 0x0023 : healthyRaw(STRING_STATUS),
        time: T,
      });
    }
    renderPanel([statusFrameInput(many)]); // panel height 600 px
    const grid = screen.getByRole('grid');
    expect(grid).toHaveAttribute('aria-rowcount', '241');
    const headers = () => screen.getAllByRole('rowheader').map((h) => h.textContent);
    expect(headers().length).toBeLessThan(40);
    expect(headers()[0]).toBe('D1');
    await user.tab();
    await user.keyboard('{Control>}{End}{/Control}');
    const last = within(screen.getByTestId('grid-row-D240')).getAllByRole('gridcell')[0];
    expect(last).toHaveFocus();
    expect(last).toHaveTextContent('ALARM0x0023');
    expect(screen.getByTestId('grid-row-D240')).toHaveAttribute('aria-rowindex', '241');
    expect(headers()).not.toContain('D1');
    await user.keyboard('{Control>}{Home}{/Control}');
    expect(within(screen.getByTestId('grid-row-D1')).getByRole('rowheader')).toHaveFocus();
  });
});
