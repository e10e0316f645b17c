import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { installFakeBackend } from '../testing/fakeBackend';
import { renderApp } from '../testing/renderApp';

describe('Work orders page', () => {
  test('summary widgets, open work orders with colour-coded status badges, create button of an editor', async () => {
    const fake = installFakeBackend({ role: 'user' });
    renderApp('/work-orders');
    const table = await screen.findByRole('table', { name: 'Work orders' });
    await waitFor(() => expect(within(table).getAllByTestId('work-order-row')).toHaveLength(2));
    // Default filter = open statuses: the CLOSED one is not listed.
    expect(within(table).queryByText('Annual thermography')).not.toBeInTheDocument();
    expect(fake.calls('GET', '/work-orders')[0].params.status).toBe('REQUEST,DRAFT,ACTIVE,IN_PROGRESS');
    expect(within(table).getByText('In progress')).toBeInTheDocument();
    expect(within(table).getByTestId('status-REQUEST')).toHaveTextContent('Request');
    expect(within(table).getByRole('link', { name: 'Replace HVAC fan' })).toHaveAttribute(
      'href',
      '/a/openbess-maintenance-app/work-orders/1'
    );
    // Summary: 1 REQUEST, ACTIVE+IN_PROGRESS = 1, availability per visible site vs target.
    expect(await screen.findByTestId('summary-open-requests')).toHaveTextContent('1');
    expect(screen.getByTestId('summary-active')).toHaveTextContent('1');
    expect(await screen.findByTestId('availability-FI006')).toHaveTextContent('99.25 %');
    expect(screen.getByTestId('availability-EE001')).toHaveTextContent('0.50 pp short');
    expect(screen.getByRole('link', { name: /New work order/ })).toHaveAttribute(
      'href',
      '/a/openbess-maintenance-app/work-orders/new'
    );
  });

  test('status pills and the search box query the API', async () => {
    const fake = installFakeBackend();
    const user = userEvent.setup();
    renderApp('/work-orders');
    await screen.findAllByTestId('work-order-row');
    await user.click(screen.getByRole('button', { name: 'Closed' }));
    await waitFor(() => expect(screen.getAllByTestId('work-order-row')).toHaveLength(1));
    expect(screen.getByText('Annual thermography')).toBeInTheDocument();
    expect(fake.calls('GET', '/work-orders').at(-1)!.params.status).toBe('CLOSED');

    await user.click(screen.getByRole('button', { name: 'All' }));
    await waitFor(() => expect(screen.getAllByTestId('work-order-row')).toHaveLength(3));
    await user.type(screen.getByPlaceholderText(/Search title/), 'fuse');
    await waitFor(() => expect(fake.calls('GET', '/work-orders').at(-1)!.params.q).toBe('fuse'));
    await waitFor(() => expect(screen.getAllByTestId('work-order-row')).toHaveLength(1));
    expect(screen.getByText('Inspect string 3 fuse')).toBeInTheDocument();
    expect(screen.getByTestId('work-order-total')).toHaveTextContent('1 work order');
  });

  test('a viewer gets "New request" (viewers may only file requests)', async () => {
    installFakeBackend({ role: 'viewer' });
    renderApp('/work-orders');
    expect(await screen.findByRole('link', { name: /New request/ })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /New work order/ })).not.toBeInTheDocument();
  });

  test('the Notifications tab shows the unread count', async () => {
    installFakeBackend();
    renderApp('/work-orders');
    expect(await screen.findByRole('tab', { name: 'Notifications (2 unread)' })).toBeInTheDocument();
  });
});
