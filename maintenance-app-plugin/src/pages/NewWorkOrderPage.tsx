/**
 * New work order / request. Viewers may only file a REQUEST (no status choice, no planning fields beyond the
 * basics); editors choose REQUEST or DRAFT (default DRAFT); admins may assign. With `fromAlarm` (route
 * `work-orders/from-alarm?site=&device=&alarm=&eventId=&severity=&time=&message=&title=`, linked from the Faults &
 * trips dashboard) the form is a REQUEST prefilled from the alarm and is filed through
 * `POST /work-orders/from-event`, which keeps the alarm as the work order's source and answers an already open
 * work order for the same event instead of a duplicate.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import {
  Alert,
  Button,
  Field,
  Input,
  LinkButton,
  MultiSelect,
  RadioButtonGroup,
  Select,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import type { CreateWorkOrderRequest } from '@openbess/model/src/maintenance/requests';
import { PRIORITIES, type Priority } from '@openbess/model/src/maintenance/types';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import { AppPage } from '../components/AppPage';
import { mayDo, useMaintenance } from '../components/MaintenanceContext';
import { RichTextEditor } from '../components/RichTextEditor';
import { getCommonStyles } from '../components/styles';
import { appUrl, ROUTES } from '../constants';
import { useApi } from '../hooks/useApi';

const PRIORITY_OPTIONS: Array<SelectableValue<Priority>> = PRIORITIES.map((p) => ({ label: p, value: p }));

/** Work-order priority for an alarm severity (critical/major → high…); unknown severities → medium. */
export function priorityForSeverity(severity: string | null | undefined): Priority {
  switch ((severity ?? '').toLowerCase()) {
    case 'critical':
    case 'emergency':
    case 'fatal':
      return 'critical';
    case 'major':
    case 'high':
    case 'error':
    case 'alarm':
      return 'high';
    case 'minor':
    case 'low':
    case 'info':
      return 'low';
    default:
      return 'medium';
  }
}

/** Props of {@link NewWorkOrderPage}. */
export interface NewWorkOrderPageProps {
  /** Prefill a REQUEST from alarm query parameters. */
  fromAlarm?: boolean;
}

/** The create form. */
export function NewWorkOrderPage({ fromAlarm = false }: NewWorkOrderPageProps) {
  const styles = useStyles2(getStyles);
  const common = useStyles2(getCommonStyles);
  const { me, sites, categories } = useMaintenance();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const canDraft = mayDo(me, 'workOrder.createDraft');
  const canAssign = mayDo(me, 'workOrder.assign');

  const alarm = fromAlarm
    ? {
        site: params.get('site') ?? '',
        device: params.get('device') ?? undefined,
        alarm: params.get('alarm') ?? '',
        eventId: params.get('eventId') ?? undefined,
        severity: params.get('severity') ?? undefined,
        time: params.get('time') ?? undefined,
        message: params.get('message') ?? '',
      }
    : undefined;

  const [site, setSite] = useState(alarm?.site || params.get('site') || (sites.length === 1 ? sites[0].code : ''));
  const [title, setTitle] = useState(
    params.get('title') ?? (alarm?.alarm ? `${alarm.alarm}${alarm.device ? ` on ${alarm.device}` : ''}` : '')
  );
  const [status, setStatus] = useState<'REQUEST' | 'DRAFT'>(canDraft && !fromAlarm ? 'DRAFT' : 'REQUEST');
  const [priority, setPriority] = useState<Priority>(alarm ? priorityForSeverity(alarm.severity) : 'medium');
  const [categoryId, setCategoryId] = useState<number | null>(null);
  const [devices, setDevices] = useState<string[]>(params.getAll('device'));
  const [assignees, setAssignees] = useState<string[]>([]);
  const [dueDate, setDueDate] = useState('');
  const [description, setDescription] = useState('');
  const [message, setMessage] = useState(alarm?.message ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const deviceList = useApi(() => (site ? api.devices(site) : Promise.resolve([])), [site]);
  const team = useApi(() => (site && canAssign ? api.team(site) : Promise.resolve([])), [site, canAssign]);
  const alarmInvalid = fromAlarm && (!alarm?.site || !alarm.alarm);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!site) {
      setError('Choose a site');
      return;
    }
    if (!title.trim()) {
      setError('A title is required');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      if (alarm) {
        const created = await api.createFromEvent({
          site,
          alarm: alarm.alarm,
          device: alarm.device,
          eventId: alarm.eventId,
          severity: alarm.severity,
          time: alarm.time,
          message: message || undefined,
          title: title.trim(),
          priority,
        });
        navigate(appUrl(`${ROUTES.workOrders}/${created.id}`));
      } else {
        const body: CreateWorkOrderRequest = {
          site,
          title: title.trim(),
          status: canDraft ? status : 'REQUEST',
          priority,
          categoryId,
          devices,
          dueDate: dueDate || null,
          description,
          ...(canAssign && assignees.length ? { assignees } : {}),
        };
        const created = await api.createWorkOrder(body);
        navigate(appUrl(`${ROUTES.workOrders}/${created.id}`));
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const heading = fromAlarm ? 'New request from alarm' : canDraft ? 'New work order' : 'New request';
  return (
    <AppPage title={heading} pageNav={{ text: heading }}>
      <div className={styles.narrow}>
        {alarmInvalid && (
          <Alert severity="error" title="Incomplete alarm link">
            The link must carry at least site and alarm, e.g.
            work-orders/from-alarm?site=FI006&device=FI006ES1BK1&alarm=BMS_OVER_TEMP
          </Alert>
        )}
        {alarm && !alarmInvalid && (
          <Alert severity="info" title={`Alarm ${alarm.alarm}`}>
            {alarm.device ? `Device ${alarm.device} · ` : ''}site {alarm.site}
            {alarm.severity ? ` · severity ${alarm.severity}` : ''}
            {alarm.time ? ` · raised ${alarm.time}` : ''}. The request is filed for triage; if an open work order
            already exists for this alarm you are taken to it.
          </Alert>
        )}
        <form className={`${common.card} ${styles.form}`} onSubmit={onSubmit} aria-label={heading}>
          <Field label="Site" required>
            <Select
              inputId="new-wo-site"
              value={site || null}
              disabled={Boolean(alarm)}
              placeholder="Choose a site"
              options={sites.map((s) => ({ label: `${s.code} ${s.name}`, value: s.code }))}
              onChange={(o) => {
                setSite(o?.value ?? '');
                setDevices([]);
              }}
            />
          </Field>
          <Field label="Title" required>
            <Input id="new-wo-title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={200} />
          </Field>
          {canDraft && !alarm && (
            <Field label="File as" description="A request waits for triage; a draft is planned right away">
              <RadioButtonGroup
                options={[
                  { label: 'Draft', value: 'DRAFT' },
                  { label: 'Request', value: 'REQUEST' },
                ]}
                value={status}
                onChange={(v) => setStatus(v as 'REQUEST' | 'DRAFT')}
              />
            </Field>
          )}
          <Field label="Priority">
            <Select
              inputId="new-wo-priority"
              value={priority}
              options={PRIORITY_OPTIONS}
              onChange={(o) => o?.value && setPriority(o.value)}
            />
          </Field>
          {alarm ? (
            <Field label="What happened" description="Plain text; added to the request's description">
              <TextArea
                id="new-wo-message"
                rows={4}
                value={message}
                onChange={(e) => setMessage(e.currentTarget.value)}
              />
            </Field>
          ) : (
            <>
              <Field label="Category">
                <Select
                  inputId="new-wo-category"
                  isClearable
                  value={categoryId}
                  placeholder="None"
                  options={categories.map((c) => ({ label: c.name, value: c.id }))}
                  onChange={(o) => setCategoryId(o?.value ?? null)}
                />
              </Field>
              <Field label="Devices">
                <MultiSelect
                  inputId="new-wo-devices"
                  value={devices}
                  disabled={!site}
                  isLoading={deviceList.loading}
                  placeholder={site ? 'Devices concerned' : 'Choose a site first'}
                  options={(deviceList.data ?? []).map((d) => ({ label: `${d.device} · ${d.name}`, value: d.device }))}
                  onChange={(opts) => setDevices(opts.map((o) => o.value!))}
                />
              </Field>
              {canAssign && (
                <Field label="Assignees">
                  <MultiSelect
                    inputId="new-wo-assignees"
                    value={assignees}
                    disabled={!site}
                    options={(team.data ?? []).map((m) => ({
                      label: m.name ? `${m.name} (${m.login})` : m.login,
                      value: m.login,
                    }))}
                    onChange={(opts) => setAssignees(opts.map((o) => o.value!))}
                  />
                </Field>
              )}
              <Field label="Due date">
                <Input
                  id="new-wo-due"
                  type="date"
                  value={dueDate}
                  onChange={(e) => setDueDate(e.currentTarget.value)}
                />
              </Field>
              <Field label="Description">
                <RichTextEditor label="Description" value={description} onChange={setDescription} />
              </Field>
            </>
          )}
          {error && (
            <Alert severity="error" title="Not created">
              {error}
            </Alert>
          )}
          <div className={styles.buttons}>
            <Button type="submit" disabled={busy || alarmInvalid}>
              {busy ? 'Creating…' : alarm || !canDraft || status === 'REQUEST' ? 'File request' : 'Create draft'}
            </Button>
            <LinkButton variant="secondary" href={appUrl(ROUTES.workOrders)}>
              Cancel
            </LinkButton>
          </div>
        </form>
      </div>
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  narrow: css({
    maxWidth: theme.spacing(90),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
  }),
  form: css({
    width: '100%',
  }),
  buttons: css({
    display: 'flex',
    gap: theme.spacing(1),
  }),
});
