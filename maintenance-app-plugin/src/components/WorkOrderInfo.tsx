/**
 * Info column of a work order: site, category, priority, devices, assignees, due date, status and the workflow
 * buttons the API says this user may take now (`allowedTransitions`). Editors switch to an edit form (fields
 * sent with the loaded `version`; a stale one is answered 409 and handled by the page); only admins
 * (`workOrder.assign`) get the assignee picker.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { Button, Field, Input, MultiSelect, Select, Stack, useStyles2 } from '@grafana/ui';
import type { WorkOrderResponse } from '@openbess/model/src/maintenance/api';
import type { UpdateWorkOrderRequest } from '@openbess/model/src/maintenance/requests';
import { PRIORITIES, type Priority } from '@openbess/model/src/maintenance/types';
import type { WorkOrderStatus } from '@openbess/model/src/maintenance/workflow';
import { useState } from 'react';
import { api } from '../api/client';
import { useApi } from '../hooks/useApi';
import { mayDo, useMaintenance } from './MaintenanceContext';
import { PriorityBadge, StatusBadge } from './StatusBadge';
import { formatDate, formatTime, getCommonStyles } from './styles';

/** Outcome of a save: stored, refused as stale (409; the page reloaded the current version) or failed. */
export type SaveResult = 'saved' | 'conflict' | 'error';

/** Props of {@link WorkOrderInfo}. */
export interface WorkOrderInfoProps {
  workOrder: WorkOrderResponse;
  /** Saves changed fields (the page adds `version` and handles 409). */
  onSave: (changes: Omit<UpdateWorkOrderRequest, 'version'>) => Promise<SaveResult>;
  onTransition: (to: WorkOrderStatus) => Promise<void>;
  busy: boolean;
}

const PRIORITY_OPTIONS: Array<SelectableValue<Priority>> = PRIORITIES.map((p) => ({ label: p, value: p }));

/** The info column (read view + edit form). */
export function WorkOrderInfo({ workOrder: w, onSave, onTransition, busy }: WorkOrderInfoProps) {
  const styles = useStyles2(getStyles);
  const common = useStyles2(getCommonStyles);
  const { me, categories, sites } = useMaintenance();
  const [editing, setEditing] = useState(false);
  const canEdit = mayDo(me, 'workOrder.edit');
  const canAssign = mayDo(me, 'workOrder.assign');
  const siteName = sites.find((s) => s.code === w.site)?.name;

  return (
    <section className={common.card} aria-labelledby="wo-info-title">
      <div className={styles.head}>
        <h3 id="wo-info-title" className={common.sectionTitle}>
          Details
        </h3>
        {canEdit && !editing && (
          <Button size="sm" variant="secondary" icon="pen" onClick={() => setEditing(true)}>
            Edit
          </Button>
        )}
      </div>
      {editing ? (
        <InfoForm
          workOrder={w}
          canAssign={canAssign}
          busy={busy}
          onCancel={() => setEditing(false)}
          onSave={async (changes) => {
            // After a 409 the form closes so the reloaded values show; other errors keep the user's input.
            if ((await onSave(changes)) !== 'error') {
              setEditing(false);
            }
          }}
          categories={categories}
        />
      ) : (
        <dl className={styles.list}>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={w.status} />
          </dd>
          <dt>Site</dt>
          <dd>
            {w.site}
            {siteName ? ` · ${siteName}` : ''}
          </dd>
          <dt>Category</dt>
          <dd>{w.category ?? '—'}</dd>
          <dt>Priority</dt>
          <dd>
            <PriorityBadge priority={w.priority} />
          </dd>
          <dt>Devices</dt>
          <dd>
            {w.devices.length
              ? w.devices.map((d) => (
                  <div key={d} className={common.mono}>
                    {d}
                  </div>
                ))
              : '—'}
          </dd>
          <dt>Assignees</dt>
          <dd>{w.assignees.length ? w.assignees.join(', ') : '—'}</dd>
          <dt>Due date</dt>
          <dd>{formatDate(w.dueDate)}</dd>
          {w.source?.alarm && (
            <>
              <dt>From alarm</dt>
              <dd>
                {w.source.alarm}
                {w.source.device ? ` on ${w.source.device}` : ''}
                {w.source.time ? <div className={common.muted}>{formatTime(w.source.time)}</div> : null}
              </dd>
            </>
          )}
          <dt>Created</dt>
          <dd>
            {w.createdBy} <span className={common.muted}>{formatTime(w.createdAt)}</span>
          </dd>
          <dt>Updated</dt>
          <dd>
            {w.updatedBy} <span className={common.muted}>{formatTime(w.updatedAt)}</span>
          </dd>
        </dl>
      )}
      {w.allowedTransitions.length > 0 && !editing && (
        <div className={styles.transitions} role="group" aria-label="Workflow">
          {w.allowedTransitions.map((t, i) => (
            <Button
              key={t.to}
              size="sm"
              disabled={busy}
              variant={t.to === 'CANCELLED' ? 'destructive' : i === 0 ? 'primary' : 'secondary'}
              fill={t.to === 'CANCELLED' ? 'outline' : 'solid'}
              tooltip={`${t.rationale} → ${t.to}`}
              onClick={() => onTransition(t.to)}
            >
              {t.label}
            </Button>
          ))}
        </div>
      )}
    </section>
  );
}

interface InfoFormProps {
  workOrder: WorkOrderResponse;
  canAssign: boolean;
  busy: boolean;
  categories: Array<{ id: number; name: string }>;
  onCancel: () => void;
  onSave: (changes: Omit<UpdateWorkOrderRequest, 'version'>) => void;
}

function InfoForm({ workOrder: w, canAssign, busy, categories, onCancel, onSave }: InfoFormProps) {
  const [title, setTitle] = useState(w.title);
  const [categoryId, setCategoryId] = useState<number | null>(w.categoryId);
  const [priority, setPriority] = useState<Priority>(w.priority);
  const [devices, setDevices] = useState<string[]>(w.devices);
  const [assignees, setAssignees] = useState<string[]>(w.assignees);
  const [dueDate, setDueDate] = useState(w.dueDate ?? '');
  const deviceList = useApi(() => api.devices(w.site), [w.site]);
  const team = useApi(() => (canAssign ? api.team(w.site) : Promise.resolve([])), [w.site, canAssign]);

  const submit = () => {
    const changes: Omit<UpdateWorkOrderRequest, 'version'> = {};
    if (title.trim() !== w.title) {
      changes.title = title.trim();
    }
    if (categoryId !== w.categoryId) {
      changes.categoryId = categoryId;
    }
    if (priority !== w.priority) {
      changes.priority = priority;
    }
    if (devices.join() !== w.devices.join()) {
      changes.devices = devices;
    }
    if (canAssign && assignees.join() !== w.assignees.join()) {
      changes.assignees = assignees;
    }
    if ((dueDate || null) !== w.dueDate) {
      changes.dueDate = dueDate || null;
    }
    onSave(changes);
  };

  return (
    <form
      aria-label="Edit details"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Field label="Title" invalid={!title.trim()} error="A title is required">
        <Input id="wo-edit-title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
      </Field>
      <Field label="Category">
        <Select
          inputId="wo-edit-category"
          isClearable
          value={categoryId}
          options={categories.map((c) => ({ label: c.name, value: c.id }))}
          onChange={(o) => setCategoryId(o?.value ?? null)}
        />
      </Field>
      <Field label="Priority">
        <Select
          inputId="wo-edit-priority"
          value={priority}
          options={PRIORITY_OPTIONS}
          onChange={(o) => o?.value && setPriority(o.value)}
        />
      </Field>
      <Field label="Devices">
        <MultiSelect
          inputId="wo-edit-devices"
          value={devices}
          isLoading={deviceList.loading}
          options={(deviceList.data ?? []).map((d) => ({ label: `${d.device} · ${d.name}`, value: d.device }))}
          onChange={(opts) => setDevices(opts.map((o) => o.value!))}
        />
      </Field>
      {canAssign && (
        <Field label="Assignees" description="Members of the site's maintenance team">
          <MultiSelect
            inputId="wo-edit-assignees"
            value={assignees}
            isLoading={team.loading}
            options={(team.data ?? []).map((m) => ({
              label: m.name ? `${m.name} (${m.login})` : m.login,
              value: m.login,
            }))}
            onChange={(opts) => setAssignees(opts.map((o) => o.value!))}
          />
        </Field>
      )}
      <Field label="Due date">
        <Input id="wo-edit-due" type="date" value={dueDate} onChange={(e) => setDueDate(e.currentTarget.value)} />
      </Field>
      <Stack gap={1}>
        <Button type="submit" disabled={busy || !title.trim()}>
          Save
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </Stack>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  head: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'flex-start',
  }),
  list: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(1),
    margin: 0,
    dt: {
      color: theme.colors.text.secondary,
      fontSize: theme.typography.bodySmall.fontSize,
      paddingTop: 2,
    },
    dd: { margin: 0, minWidth: 0, overflowWrap: 'anywhere' },
  }),
  transitions: css({
    display: 'flex',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
    marginTop: theme.spacing(2),
    paddingTop: theme.spacing(2),
    borderTop: `1px solid ${theme.colors.border.weak}`,
  }),
});
