import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { installFakeBackend } from '../testing/fakeBackend';
import { renderApp } from '../testing/renderApp';

jest.setTimeout(120_000);

describe('Devices page', () => {
  test('an editor marks a block offline with a reason; status shows per device', async () => {
    const fake = installFakeBackend({ role: 'user' });
    const user = userEvent.setup();
    renderApp('/devices?site=FI006');
    const table = await screen.findByRole('table', { name: 'Device status' });
    await waitFor(() => expect(within(table).getAllByTestId('device-row')).toHaveLength(3));
    const blockRow = within(table).getAllByTestId('device-row')[0];
    await user.click(within(blockRow).getByRole('button', { name: 'Mark offline' }));
    expect(screen.getByText('Cascades to the strings')).toBeInTheDocument();
    const form = screen.getByRole('form', { name: 'Mark offline' });
    await user.click(within(form).getByRole('button', { name: 'Mark offline' }));
    expect(await screen.findByText('A reason is required')).toBeInTheDocument();
    await user.click(screen.getByLabelText(/^Reason/));
    await user.paste('Smoke detector replacement');
    await user.click(
      within(screen.getByRole('form', { name: 'Mark offline' })).getByRole('button', { name: 'Mark offline' })
    );
    await waitFor(() => expect(fake.calls('POST', '/devices/FI006ES1BK1/status')).toHaveLength(1));
    expect(fake.calls('POST', '/devices/FI006ES1BK1/status')[0].data).toMatchObject({
      offline: true,
      reason: 'Smoke detector replacement',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await within(blockRow).findByText('Offline')).toBeInTheDocument();
    expect(within(blockRow).getByRole('button', { name: 'Mark online' })).toBeInTheDocument();
  });

  test('a viewer sees status but no actions; a cascaded mark names the block', async () => {
    const fake = installFakeBackend({ role: 'viewer' });
    fake.state.devices[1] = {
      ...fake.state.devices[1],
      offline: true,
      reason: 'Block work',
      inheritedFrom: 'FI006ES1BK1',
    };
    renderApp('/devices?site=FI006');
    expect(await screen.findByText('Offline via FI006ES1BK1')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Mark offline' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Mark online' })).not.toBeInTheDocument();
  });
});

describe('Team page', () => {
  test('everyone sees the roster; only admins get the user picker and category renaming', async () => {
    installFakeBackend({ role: 'user' });
    const { unmount } = renderApp('/team?site=FI006');
    const roster = await screen.findByRole('table', { name: 'Team members' });
    expect(await within(roster).findByText('Bob Builder')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Add team member' })).not.toBeInTheDocument();
    expect(screen.queryByText('Work-order categories')).not.toBeInTheDocument();
    unmount();

    const fake = installFakeBackend({ role: 'admin' });
    const user = userEvent.setup();
    renderApp('/team?site=FI006');
    expect(await screen.findByRole('form', { name: 'Add team member' })).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: 'Remove bob' }));
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(fake.calls('DELETE', '/team/FI006/bob')).toHaveLength(1));
    const category = await screen.findByRole('textbox', { name: 'Category Preventive' });
    await user.clear(category);
    await user.paste('Scheduled');
    await user.click(screen.getByRole('button', { name: 'Rename' }));
    await waitFor(() => expect(fake.calls('PATCH', '/categories/2')[0]?.data).toEqual({ name: 'Scheduled' }));
  });
});

describe('Notifications page', () => {
  test('lists notifications, mark one and all read; the tab badge follows', async () => {
    const fake = installFakeBackend();
    const user = userEvent.setup();
    renderApp('/notifications');
    await waitFor(() => expect(screen.getAllByTestId('notification')).toHaveLength(3));
    expect(screen.getByRole('tab', { name: 'Notifications (2 unread)' })).toBeInTheDocument();
    const first = screen.getAllByTestId('notification')[0];
    expect(within(first).getByRole('link', { name: '#1 Replace HVAC fan' })).toHaveAttribute(
      'href',
      '/a/openbess-maintenance-app/work-orders/1'
    );
    await user.click(within(first).getByRole('button', { name: 'Mark read' }));
    await waitFor(() => expect(fake.calls('POST', '/notifications/read')[0]?.data).toEqual({ ids: [1] }));
    expect(await screen.findByRole('tab', { name: 'Notifications (1 unread)' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Mark all read' }));
    await waitFor(() => expect(fake.calls('POST', '/notifications/read')[1]?.data).toEqual({ all: true }));
    expect(await screen.findByRole('tab', { name: 'Notifications' })).toBeInTheDocument();
  });

  test('the unread count is polled every 60 s', async () => {
    jest.useFakeTimers();
    try {
      const fake = installFakeBackend();
      renderApp('/notifications');
      await waitFor(() => expect(fake.calls('GET', '/notifications/unread-count')).toHaveLength(1));
      fake.state.notifications.push({ ...fake.state.notifications[0], id: 9, read: false });
      await act(async () => {
        jest.advanceTimersByTime(59_000);
      });
      expect(fake.calls('GET', '/notifications/unread-count')).toHaveLength(1);
      await act(async () => {
        jest.advanceTimersByTime(1_000);
        // Let the request's promise chain (backendSrv → apiRequest → setUnread) settle inside act.
        for (let i = 0; i < 10; i++) {
          await Promise.resolve();
        }
      });
      await waitFor(() => expect(fake.calls('GET', '/notifications/unread-count')).toHaveLength(2));
      expect(await screen.findByRole('tab', { name: 'Notifications (3 unread)' })).toBeInTheDocument();
    } finally {
      jest.useRealTimers();
    }
  });
});
