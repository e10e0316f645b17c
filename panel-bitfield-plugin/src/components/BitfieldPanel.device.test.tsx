import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { locationService, setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { SimpleTemplateSrv } from '../../../plugin-config/browser/runtime/templateSrv';
import { renderPanel } from '../testing/renderPanel';
import { CONTACTOR_STATE, STRING_EVENTS, STRING_STATUS } from '../testing/specs';
import { healthyRaw, statusFrameInput, type StatusSample } from '../testing/statusFrames';

const T = Date.UTC(2025, 5, 1, 8, 30);
const id = (n: number) => `FI006ES1BK1BS${n}`;

/** BS9: a latched fault + unknown bit 10 in the status word, an over-temperature warning, no contactor data. */
function bs9(): StatusSample[] {
  return [
    { device: id(9), register: STRING_STATUS, raw: 0x0423, time: T },
    { device: id(9), register: STRING_EVENTS, raw: 0x00000004, time: T },
    { device: id(9), register: CONTACTOR_STATE, raw: null, time: T },
  ];
}

function twelveStrings(): StatusSample[] {
  const out: StatusSample[] = [];
  for (let n = 12; n >= 1; n--) {
    for (const reg of [STRING_STATUS, STRING_EVENTS, CONTACTOR_STATE]) {
      out.push({ device: id(n), register: reg, raw: healthyRaw(reg), time: T });
    }
  }
  return out;
}

const registerRow = (name: RegExp) => screen.getByRole('button', { name });

describe('device view', () => {
  it('shows each register as a row with its hex value and worst state', () => {
    renderPanel([statusFrameInput(bs9())]);
    expect(screen.getByRole('heading', { name: id(9) })).toBeInTheDocument();
    const rows = screen.getAllByRole('listitem');
    expect(rows.map((r) => [r.getAttribute('data-testid'), r.getAttribute('data-state')])).toEqual([
      ['register-stringStatus', 'ALARM'],
      ['register-stringEvents', 'WARNING'],
      ['register-contactorState', 'NO_DATA'],
    ]);
    const status = within(rows[0]);
    expect(status.getByTestId('hex')).toHaveTextContent('0x0423');
    expect(status.getByText('String status word')).toBeInTheDocument();
    expect(status.getByText('1 alarm, 1 info bit')).toBeInTheDocument();
    expect(status.getByTitle('Alarm')).toHaveTextContent('ALARM');
    expect(within(rows[1]).getByTestId('hex')).toHaveTextContent('0x00000004');
    expect(within(rows[1]).getByTitle('Warning')).toHaveTextContent('WARNING');
    // no data: grey dash badge, described as "No data" (text, not colour alone)
    expect(within(rows[2]).getByTestId('hex')).toHaveTextContent('—');
    expect(within(rows[2]).getByTitle('No data')).toHaveTextContent('No data');
  });

  it('expands a register to its bits with value, expected value and a badge per bit', async () => {
    const user = userEvent.setup();
    renderPanel([statusFrameInput(bs9())]);
    const button = registerRow(/^String status word/);
    expect(button).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    await user.click(button);
    expect(button).toHaveAttribute('aria-expanded', 'true');
    const table = screen.getByRole('table', { name: 'Bits of String status word' });
    const bit = (n: number) => within(table).getByTestId(`bit-${n}`);
    expect(within(bit(5)).getByText('fault')).toBeInTheDocument();
    expect(within(bit(5)).getByTitle('Alarm')).toHaveAttribute('data-state', 'ALARM');
    expect(within(bit(0)).getByTitle('OK')).toHaveTextContent('OK');
    expect(
      within(bit(1))
        .getAllByRole('cell')
        .map((c) => c.textContent)
    ).toEqual(['1', 'connectedString connected to the DC bus', '1', '1', 'OK']);
    expect(within(bit(10)).getByText('unknown bit 10')).toBeInTheDocument();
    expect(within(bit(10)).getByTitle('Info')).toHaveTextContent('INFO');
    expect(
      within(screen.getByTestId('register-stringStatus')).getByText(/Raw 1059 \(0x0423\) · sampled 2025-06-01 08:30:00/)
    ).toBeInTheDocument();
    await user.click(button);
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('is keyboard operable: Enter and Space toggle a focused register row', async () => {
    const user = userEvent.setup();
    renderPanel([statusFrameInput(bs9())]);
    await user.tab();
    const first = registerRow(/^String status word/);
    expect(first).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(first).toHaveAttribute('aria-expanded', 'true');
    await user.tab();
    expect(registerRow(/^String event 1/)).toHaveFocus();
    await user.keyboard(' ');
    expect(screen.getByRole('table', { name: 'Bits of String event 1' })).toBeInTheDocument();
    expect(
      within(screen.getByRole('table', { name: 'Bits of String event 1' })).getByTestId('bit-2')
    ).toHaveTextContent('WARNING');
  });

  it('a stale register (API `stale`) shows its last known hex, "No data" for its bits and says why', async () => {
    const samples = bs9();
    samples[0] = { ...samples[0], stale: true };
    renderPanel([statusFrameInput(samples)]);
    const row = screen.getByTestId('register-stringStatus');
    expect(row).toHaveAttribute('data-state', 'NO_DATA');
    expect(within(row).getByTestId('hex')).toHaveTextContent('0x0423');
    expect(within(row).getByTestId('hex')).toHaveAttribute('title', 'Last known value (stale)');
    expect(within(row).getByText('No recent data (stale): last known value')).toBeInTheDocument();
    const button = registerRow(/^String status word, 0x0423, No data: No recent data/);
    expect(within(button).getByTitle('No data')).toHaveTextContent('—');
    await userEvent.setup().click(button);
    expect(within(row).getByText(/^Last known raw 1059 \(0x0423\) · sampled .* · stale/)).toBeInTheDocument();
    const table = screen.getByRole('table', { name: 'Bits of String status word' });
    const bits = within(table).getAllByTestId(/^bit-/);
    // the map's bits only: set bit 10 of the last known value is not reported as an unknown bit
    expect(bits.map((b) => b.getAttribute('data-testid'))).toEqual(['bit-0', 'bit-1', 'bit-2', 'bit-5', 'bit-7']);
    for (const b of bits) {
      expect(within(b).getAllByRole('cell')[2]).toHaveTextContent('—'); // value: no data
      expect(within(b).getByTitle('No data')).toHaveAttribute('data-state', 'NO_DATA');
    }
    // the fresh register next to it is unaffected
    expect(screen.getByTestId('register-stringEvents')).toHaveAttribute('data-state', 'WARNING');
  });

  it('NO_DATA as the API spells it: grey dash, "No data", never read as a problem', () => {
    renderPanel([statusFrameInput(bs9())]);
    const row = screen.getByTestId('register-contactorState');
    expect(row).toHaveAttribute('data-state', 'NO_DATA');
    expect(within(row).getByTitle('No data')).toHaveTextContent('—');
    expect(screen.queryByText(/unknown state/)).not.toBeInTheDocument();
  });

  it('"only non-OK" hides OK registers', () => {
    const samples = bs9();
    samples[1] = { ...samples[1], raw: 0 }; // events all OK
    renderPanel([statusFrameInput(samples)], { onlyNonOk: true });
    expect(screen.getAllByRole('listitem').map((r) => r.getAttribute('data-testid'))).toEqual([
      'register-stringStatus',
      'register-contactorState',
    ]);
    expect(screen.getByText(/1 OK hidden/)).toBeInTheDocument();
  });

  it('"only non-OK" hides OK bits of an expanded register and says how many', async () => {
    renderPanel([statusFrameInput(bs9())], { onlyNonOk: true });
    await userEvent.setup().click(registerRow(/^String status word/));
    const table = screen.getByRole('table', { name: 'Bits of String status word' });
    // 0x0423: bit 5 fault (ALARM) and unknown bit 10 (INFO) are shown, the four OK bits are not
    expect(
      within(table)
        .getAllByTestId(/^bit-/)
        .map((r) => r.getAttribute('data-testid'))
    ).toEqual(['bit-5', 'bit-10']);
    expect(screen.getByText('4 OK bits hidden (option “Only non-OK”).')).toBeInTheDocument();
  });
});

describe('previous/next sibling device', () => {
  afterEach(() => jest.restoreAllMocks());

  it('follows the device variable and moves to the natural next/previous sibling (BS9 → BS10)', async () => {
    const user = userEvent.setup();
    const partial = jest.spyOn(locationService, 'partial');
    const srv = new SimpleTemplateSrv([{ name: 'device', current: id(9), options: [] }]);
    renderPanel([statusFrameInput(twelveStrings())], { displayMode: 'device' }, (s) => srv.replace(s));
    expect(screen.getByRole('heading', { name: id(9) })).toBeInTheDocument();
    expect(screen.getByText('9 of 12')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: `Next device: ${id(10)}` }));
    expect(partial).toHaveBeenLastCalledWith({ 'var-device': id(10) }, true);
    await user.click(screen.getByRole('button', { name: `Previous device: ${id(8)}` }));
    expect(partial).toHaveBeenLastCalledWith({ 'var-device': id(8) }, true);
  });

  it('uses the option "Device variable" and disables Next on the last sibling', () => {
    const srv = new SimpleTemplateSrv([{ name: 'string', current: id(12), options: [] }]);
    renderPanel([statusFrameInput(twelveStrings())], { displayMode: 'device', deviceVariable: 'string' }, (s) =>
      srv.replace(s)
    );
    expect(screen.getByRole('heading', { name: id(12) })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next device (none)' })).toBeDisabled();
    expect(screen.getByRole('button', { name: `Previous device: ${id(11)}` })).toBeEnabled();
  });

  it('with one device in the data, walks the variable’s options', async () => {
    const user = userEvent.setup();
    const partial = jest.spyOn(locationService, 'partial');
    const options = [1, 2, 3, 9, 10, 11].map(id);
    const srv = new SimpleTemplateSrv([{ name: 'device', current: id(9), options }]);
    setTemplateSrv(srv as unknown as TemplateSrv);
    renderPanel([statusFrameInput(bs9())], {}, (s) => srv.replace(s));
    expect(screen.getByText('4 of 6')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: `Next device: ${id(10)}` }));
    expect(partial).toHaveBeenCalledWith({ 'var-device': id(10) }, true);
  });
});
