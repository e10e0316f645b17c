import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { installFakeBackend } from '../testing/fakeBackend';
import { renderApp } from '../testing/renderApp';
import { priorityForSeverity } from './NewWorkOrderPage';

jest.setTimeout(120_000);

describe('New work order form', () => {
  test('a viewer files a REQUEST (no status choice)', async () => {
    const fake = installFakeBackend({ role: 'viewer' });
    const user = userEvent.setup();
    renderApp('/work-orders/new?site=FI006');
    await screen.findByRole('heading', { name: 'New request' });
    expect(screen.queryByRole('radio', { name: 'Draft' })).not.toBeInTheDocument();
    await user.click(screen.getByLabelText(/^Title/));
    await user.paste('Door of container 2 does not lock');
    await user.click(screen.getByRole('button', { name: 'File request' }));
    await waitFor(() => expect(fake.calls('POST', '/work-orders')).toHaveLength(1));
    expect(fake.calls('POST', '/work-orders')[0].data).toMatchObject({
      site: 'FI006',
      title: 'Door of container 2 does not lock',
      status: 'REQUEST',
      priority: 'medium',
      devices: [],
      dueDate: null,
    });
    expect(fake.calls('POST', '/work-orders')[0].data).not.toHaveProperty('assignees');
    // Navigated to the new work order.
    expect(await screen.findByRole('heading', { name: /#100 Door of container 2/ })).toBeInTheDocument();
  });

  test('an editor creates a DRAFT by default, can file a REQUEST instead', async () => {
    const fake = installFakeBackend({ role: 'user' });
    const user = userEvent.setup();
    renderApp('/work-orders/new?site=FI006');
    await screen.findByRole('heading', { name: 'New work order' });
    expect(screen.getByRole('radio', { name: 'Draft' })).toBeChecked();
    await user.click(screen.getByLabelText(/^Title/));
    await user.paste('Replace string 2 contactor');
    await user.click(screen.getByRole('button', { name: 'Create draft' }));
    await waitFor(() => expect(fake.calls('POST', '/work-orders')).toHaveLength(1));
    expect(fake.calls('POST', '/work-orders')[0].data).toMatchObject({
      status: 'DRAFT',
      title: 'Replace string 2 contactor',
    });
  });

  test('from an alarm: a REQUEST prefilled with site, device and alarm, filed through from-event', async () => {
    const fake = installFakeBackend({ role: 'viewer' });
    const user = userEvent.setup();
    renderApp(
      '/work-orders/from-alarm?site=FI006&device=FI006ES1BK1BS1&alarm=BMS_OVER_TEMP&severity=critical&eventId=ev-7&message=Cell%2042%20at%2058%20%C2%B0C'
    );
    await screen.findByRole('heading', { name: 'New request from alarm' });
    expect(screen.getByLabelText(/^Title/)).toHaveValue('BMS_OVER_TEMP on FI006ES1BK1BS1');
    expect(screen.getByLabelText(/What happened/)).toHaveValue('Cell 42 at 58 °C');
    expect(screen.getByText(/Device FI006ES1BK1BS1/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'File request' }));
    await waitFor(() => expect(fake.calls('POST', '/work-orders/from-event')).toHaveLength(1));
    expect(fake.calls('POST', '/work-orders/from-event')[0].data).toEqual({
      site: 'FI006',
      alarm: 'BMS_OVER_TEMP',
      device: 'FI006ES1BK1BS1',
      eventId: 'ev-7',
      severity: 'critical',
      message: 'Cell 42 at 58 °C',
      title: 'BMS_OVER_TEMP on FI006ES1BK1BS1',
      priority: 'critical',
    });
    expect(await screen.findByRole('heading', { name: /BMS_OVER_TEMP on FI006ES1BK1BS1/ })).toBeInTheDocument();
  });

  test('an alarm link without site or alarm is refused with an explanation', async () => {
    installFakeBackend({ role: 'viewer' });
    renderApp('/work-orders/from-alarm?device=FI006ES1BK1');
    expect(await screen.findByText('Incomplete alarm link')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'File request' })).toBeDisabled();
  });

  test('alarm severities map to priorities', () => {
    expect(priorityForSeverity('CRITICAL')).toBe('critical');
    expect(priorityForSeverity('major')).toBe('high');
    expect(priorityForSeverity('minor')).toBe('low');
    expect(priorityForSeverity('warning')).toBe('medium');
    expect(priorityForSeverity(undefined)).toBe('medium');
  });
});
