import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { installFakeBackend } from '../testing/fakeBackend';
import { renderApp } from '../testing/renderApp';
import { CONFLICT_MESSAGE } from './WorkOrderDetailPage';

// Whole pages with real @grafana/ui and TipTap in jsdom: slow on a loaded 2-core machine.
jest.setTimeout(120_000);

/** Reads a Blob in jsdom (which lacks Blob.text()). */
function blobText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

describe('Work order detail page', () => {
  test('two columns: info with the allowed transitions, description, tasks, comments, files', async () => {
    installFakeBackend({ role: 'user' });
    renderApp('/work-orders/1');
    expect(await screen.findByRole('heading', { name: '#1 Replace HVAC fan' })).toBeInTheDocument();
    const info = screen.getByRole('region', { name: 'Details' });
    expect(within(info).getByText('In progress')).toBeInTheDocument();
    expect(within(info).getByText('bob')).toBeInTheDocument();
    // IN_PROGRESS → DONE / ACTIVE / CANCELLED for a user.
    const workflow = within(info).getByRole('group', { name: 'Workflow' });
    expect(
      within(workflow)
        .getAllByRole('button')
        .map((b) => b.textContent)
    ).toEqual(['Mark done', 'Pause', 'Abort']);
    expect(await screen.findByRole('textbox', { name: 'Description' })).toHaveTextContent('Fan noisy');
    expect(await screen.findByRole('checkbox', { name: 'Isolate HVAC' })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Swap fan' })).not.toBeChecked();
    const comments = screen.getByRole('list', { name: 'Comments' });
    expect(await within(comments).findByText('@ada')).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: /fan\.jpg/ })).toHaveAttribute(
      'href',
      '/api/plugin-proxy/openbess-maintenance-app/maintenance/work-orders/1/attachments/1'
    );
  });

  test('a transition button posts the transition with the loaded version', async () => {
    const fake = installFakeBackend({ role: 'user' });
    const user = userEvent.setup();
    renderApp('/work-orders/1');
    await user.click(await screen.findByRole('button', { name: 'Mark done' }));
    await waitFor(() => expect(fake.calls('POST', '/work-orders/1/transitions')).toHaveLength(1));
    expect(fake.calls('POST', '/work-orders/1/transitions')[0].data).toEqual({ to: 'DONE', version: 1 });
    // DONE → Close / Reopen.
    expect(await screen.findByRole('button', { name: 'Close' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reopen' })).toBeInTheDocument();
  });

  test('a stale save (409) says so and reloads the current version', async () => {
    const fake = installFakeBackend({ role: 'user' });
    const user = userEvent.setup();
    renderApp('/work-orders/1');
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    const title = screen.getByLabelText('Title');
    await user.clear(title);
    await user.paste('Replace HVAC fan and filter');
    fake.state.conflictNext = true;
    const gets = fake.calls('GET', '/work-orders/1').length;
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/Someone else changed this work order/)).toHaveTextContent(CONFLICT_MESSAGE);
    await waitFor(() => expect(fake.calls('GET', '/work-orders/1').length).toBe(gets + 1));
    expect(fake.calls('PATCH', '/work-orders/1')[0].data).toEqual({ title: 'Replace HVAC fan and filter', version: 1 });
    expect(await screen.findByRole('heading', { name: '#1 Replace HVAC fan (edited elsewhere)' })).toBeInTheDocument();

    // Saving again on the reloaded version succeeds.
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    await user.clear(screen.getByLabelText('Title'));
    await user.paste('Fan and filter');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('heading', { name: '#1 Fan and filter' })).toBeInTheDocument();
    expect(fake.calls('PATCH', '/work-orders/1')[1].data).toEqual({ title: 'Fan and filter', version: 2 });
  });

  test('tasks: add and tick', async () => {
    const fake = installFakeBackend({ role: 'partner-maintenance', login: 'bob' });
    const user = userEvent.setup();
    renderApp('/work-orders/1');
    await user.click(await screen.findByRole('checkbox', { name: 'Swap fan' }));
    await waitFor(() => expect(fake.calls('PATCH', '/work-orders/1/tasks/2')[0]?.data).toEqual({ done: true }));
    await user.click(screen.getByRole('textbox', { name: 'New task' }));
    await user.paste('Test run 30 min');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('checkbox', { name: 'Test run 30 min' })).not.toBeChecked();
    expect(fake.calls('POST', '/work-orders/1/tasks')[0].data).toEqual({ title: 'Test run 30 min' });
  });

  test('comments: @ offers users, the comment is posted with its mentions', async () => {
    const fake = installFakeBackend({ role: 'user' });
    const user = userEvent.setup();
    renderApp('/work-orders/1');
    const box = await screen.findByRole('textbox', { name: 'Comment' });
    await user.type(box, 'Please check @ca');
    const listbox = await screen.findByRole('listbox', { name: 'Mention suggestions' });
    expect(within(listbox).getByText('@carla')).toBeInTheDocument();
    await user.keyboard('{Enter}');
    expect(box).toHaveValue('Please check @carla ');
    await user.type(box, 'today');
    await user.click(screen.getByRole('button', { name: 'Comment' }));
    await waitFor(() => expect(fake.calls('POST', '/work-orders/1/comments')).toHaveLength(1));
    expect(fake.calls('POST', '/work-orders/1/comments')[0].data).toEqual({
      body: 'Please check @carla today',
      mentions: ['carla'],
    });
    expect(await screen.findByText(/today/)).toBeInTheDocument();
  });

  test('files: upload sends multipart through backendSrv; only own files can be deleted by a user', async () => {
    const fake = installFakeBackend({ role: 'user', login: 'ada' });
    const user = userEvent.setup();
    renderApp('/work-orders/1');
    const files = await screen.findByRole('table', { name: 'Files' });
    expect(within(files).getByRole('button', { name: 'Delete fan.jpg' })).toBeInTheDocument();
    expect(within(files).queryByRole('button', { name: 'Delete quote.pdf' })).not.toBeInTheDocument();

    const file = new File(['hello'], 'notes "v1".txt', { type: 'text/plain' });
    await user.upload(screen.getByLabelText('Choose files to upload'), file);
    await waitFor(() => expect(fake.calls('POST', '/work-orders/1/attachments')).toHaveLength(1));
    const upload = fake.calls('POST', '/work-orders/1/attachments')[0];
    expect(upload.headers['Content-Type']).toMatch(/^multipart\/form-data; boundary=/);
    const body = await blobText(upload.data as Blob);
    expect(body).toContain('Content-Disposition: form-data; name="file"; filename="notes %22v1%22.txt"');
    expect(body).toContain('\r\n\r\nhello\r\n');
    expect(await screen.findByRole('link', { name: /upload\.txt/ })).toBeInTheDocument();
  });

  test('a viewer sees the work order read-only: no edit, workflow, task, comment or upload controls', async () => {
    installFakeBackend({ role: 'viewer' });
    renderApp('/work-orders/1');
    await screen.findByRole('heading', { name: '#1 Replace HVAC fan' });
    await screen.findByRole('checkbox', { name: 'Swap fan' });
    expect(screen.queryByRole('button', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('group', { name: 'Workflow' })).not.toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Swap fan' })).toBeDisabled();
    expect(screen.queryByRole('textbox', { name: 'New task' })).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'Comment' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Upload/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('toolbar', { name: 'Description formatting' })).not.toBeInTheDocument();
  });
});
