/** Checklist of a work order: tick tasks done, add and delete them (`task.manage`); read-only for viewers. */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Checkbox, IconButton, Input, useStyles2 } from '@grafana/ui';
import type { Task } from '@openbess/model/src/maintenance/types';
import { useState } from 'react';
import { api } from '../api/client';
import { useApi } from '../hooks/useApi';
import { mayDo, useMaintenance } from './MaintenanceContext';
import { formatTime, getCommonStyles } from './styles';

/** Props of {@link TaskList}. */
export interface TaskListProps {
  workOrderId: number;
  /** Called after every change (the page refreshes history and the list counts). */
  onChanged?: () => void;
}

/** The tasks checklist. */
export function TaskList({ workOrderId, onChanged }: TaskListProps) {
  const styles = useStyles2(getStyles);
  const common = useStyles2(getCommonStyles);
  const { me } = useMaintenance();
  const canManage = mayDo(me, 'task.manage');
  const tasks = useApi<Task[]>(() => api.tasks(workOrderId), [workOrderId]);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      await tasks.reload();
      onChanged?.();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const items = [...(tasks.data ?? [])].sort((a, b) => a.position - b.position || a.id - b.id);
  const done = items.filter((t) => t.done).length;

  return (
    <section className={common.card} aria-labelledby="wo-tasks-title">
      <h3 id="wo-tasks-title" className={common.sectionTitle}>
        Tasks{' '}
        {items.length > 0 && (
          <span className={common.muted}>
            ({done}/{items.length} done)
          </span>
        )}
      </h3>
      {error && (
        <Alert severity="error" title="Task not saved" onRemove={() => setError(undefined)}>
          {error}
        </Alert>
      )}
      {tasks.error && (
        <Alert severity="error" title="Tasks could not be loaded">
          {tasks.error.message}
        </Alert>
      )}
      <ul className={styles.list} aria-label="Tasks">
        {items.map((t) => (
          <li key={t.id} className={styles.item}>
            <Checkbox
              value={t.done}
              disabled={!canManage || busy}
              label={t.title}
              aria-label={t.title}
              onChange={() => run(() => api.updateTask(workOrderId, t.id, { done: !t.done }))}
            />
            {t.done && t.doneBy && (
              <span className={common.muted}>
                {t.doneBy}, {formatTime(t.doneAt)}
              </span>
            )}
            {canManage && (
              <IconButton
                className={styles.delete}
                name="trash-alt"
                size="sm"
                aria-label={`Delete task ${t.title}`}
                tooltip="Delete task"
                disabled={busy}
                onClick={() => run(() => api.deleteTask(workOrderId, t.id))}
              />
            )}
          </li>
        ))}
        {items.length === 0 && !tasks.loading && <li className={common.muted}>No tasks yet.</li>}
      </ul>
      {canManage && (
        <form
          className={styles.add}
          aria-label="Add task"
          onSubmit={(e) => {
            e.preventDefault();
            const value = title.trim();
            if (value) {
              void run(async () => {
                await api.addTask(workOrderId, value);
                setTitle('');
              });
            }
          }}
        >
          <Input
            aria-label="New task"
            placeholder="Add a task, e.g. Replace fan filter"
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
          />
          <Button type="submit" icon="plus" variant="secondary" disabled={busy || !title.trim()}>
            Add
          </Button>
        </form>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
  }),
  item: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 0),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  delete: css({
    marginLeft: 'auto',
  }),
  add: css({
    display: 'flex',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1.5),
  }),
});
