/**
 * Work order detail, two columns: info (site, category, priority, devices, assignees, due date, status and the
 * workflow buttons) on the left; description and report (rich text), tasks, comments and files on the right,
 * history below. Every edit carries the loaded `version`; a 409 (someone else saved first, or the workflow
 * moved on) shows a clear message and reloads the current state — nothing is overwritten silently.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, LinkButton, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { WorkOrderResponse } from '@openbess/model/src/maintenance/api';
import type { UpdateWorkOrderRequest } from '@openbess/model/src/maintenance/requests';
import type { WorkOrderStatus } from '@openbess/model/src/maintenance/workflow';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { api } from '../api/client';
import { ApiError } from '../api/http';
import { AppPage } from '../components/AppPage';
import { AttachmentList } from '../components/AttachmentList';
import { CommentThread } from '../components/CommentThread';
import { HistoryList } from '../components/HistoryList';
import { mayDo, useMaintenance } from '../components/MaintenanceContext';
import { RichTextEditor, isEmptyHtml } from '../components/RichTextEditor';
import { StatusBadge } from '../components/StatusBadge';
import { getCommonStyles } from '../components/styles';
import { TaskList } from '../components/TaskList';
import { WorkOrderInfo, type SaveResult } from '../components/WorkOrderInfo';
import { appUrl, ROUTES } from '../constants';
import { useApi } from '../hooks/useApi';

/** Message shown when a save hits 409. */
export const CONFLICT_MESSAGE =
  'Someone else changed this work order after you opened it. The current version has been loaded — check it and apply your change again.';

/** The Work order detail page (route `work-orders/:id`). */
export function WorkOrderDetailPage() {
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const styles = useStyles2(getStyles);
  const common = useStyles2(getCommonStyles);
  const { me } = useMaintenance();
  const wo = useApi<WorkOrderResponse>(() => api.workOrder(id), [id]);
  const [current, setCurrent] = useState<WorkOrderResponse>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [conflict, setConflict] = useState(false);
  const [description, setDescription] = useState<string>();
  const [report, setReport] = useState<string>();

  useEffect(() => {
    if (wo.data) {
      setCurrent(wo.data);
      setDescription(undefined);
      setReport(undefined);
    }
  }, [wo.data]);

  const handle = async (action: (w: WorkOrderResponse) => Promise<WorkOrderResponse>): Promise<SaveResult> => {
    if (!current) {
      return 'error';
    }
    setBusy(true);
    setError(undefined);
    setConflict(false);
    try {
      setCurrent(await action(current));
      return 'saved';
    } catch (e) {
      if (e instanceof ApiError && e.isConflict) {
        setConflict(true);
        setError(e.message);
        await wo.reload();
        return 'conflict';
      }
      setError((e as Error).message);
      return 'error';
    } finally {
      setBusy(false);
    }
  };

  const save = async (changes: Omit<UpdateWorkOrderRequest, 'version'>): Promise<SaveResult> => {
    if (Object.keys(changes).length === 0) {
      return 'saved';
    }
    const result = await handle((w) => api.updateWorkOrder(w.id, { ...changes, version: w.version }));
    if (result === 'saved' && changes.description !== undefined) {
      setDescription(undefined);
    }
    if (result === 'saved' && changes.report !== undefined) {
      setReport(undefined);
    }
    return result;
  };
  const transition = async (to: WorkOrderStatus) => {
    await handle((w) => api.transition(w.id, to, w.version));
  };

  if (!Number.isInteger(id) || id <= 0) {
    return (
      <AppPage title="Work order">
        <Alert severity="error" title="Not a work order id">
          {String(idParam)}
        </Alert>
      </AppPage>
    );
  }
  if (wo.error && !current) {
    return (
      <AppPage title={`Work order #${id}`}>
        <Alert severity="error" title="Work order could not be loaded">
          {wo.error.message}
        </Alert>
        <LinkButton variant="secondary" icon="arrow-left" href={appUrl(ROUTES.workOrders)}>
          Back to work orders
        </LinkButton>
      </AppPage>
    );
  }
  if (!current) {
    return <LoadingPlaceholder text="Loading work order…" />;
  }

  const canEdit = mayDo(me, 'workOrder.edit');
  const refresh = () => void wo.reload();
  return (
    <AppPage
      title={`#${current.id} ${current.title}`}
      pageNav={{ text: `#${current.id} ${current.title}` }}
      actions={
        <>
          <StatusBadge status={current.status} />
          <LinkButton variant="secondary" icon="arrow-left" href={appUrl(ROUTES.workOrders)}>
            Work orders
          </LinkButton>
        </>
      }
    >
      {error && (
        <Alert
          severity={conflict ? 'warning' : 'error'}
          title={conflict ? 'Changed by someone else' : 'Not saved'}
          onRemove={() => setError(undefined)}
        >
          {conflict ? `${CONFLICT_MESSAGE} (${error})` : error}
        </Alert>
      )}
      <div className={styles.columns}>
        <div className={styles.info}>
          <WorkOrderInfo workOrder={current} busy={busy} onSave={save} onTransition={transition} />
        </div>
        <div className={styles.main}>
          <section className={common.card} aria-labelledby="wo-description-title">
            <h3 id="wo-description-title" className={common.sectionTitle}>
              Description
            </h3>
            {(canEdit || !isEmptyHtml(current.description)) && (
              <RichTextEditor
                label="Description"
                readOnly={!canEdit}
                value={description ?? current.description}
                placeholder="What is wrong, where, what must be done"
                onChange={setDescription}
              />
            )}
            {canEdit && description !== undefined && description !== current.description && (
              <div className={styles.saveRow}>
                <Button size="sm" disabled={busy} onClick={() => void save({ description })}>
                  Save description
                </Button>
                <Button size="sm" variant="secondary" onClick={() => setDescription(undefined)}>
                  Discard
                </Button>
              </div>
            )}
            {!canEdit && isEmptyHtml(current.description) && <div className={common.muted}>No description.</div>}
          </section>
          <section className={common.card} aria-labelledby="wo-report-title">
            <h3 id="wo-report-title" className={common.sectionTitle}>
              Report
            </h3>
            {(canEdit || !isEmptyHtml(current.report)) && (
              <RichTextEditor
                label="Report"
                readOnly={!canEdit}
                value={report ?? current.report}
                placeholder="What was found and done, parts used, follow-up"
                onChange={setReport}
              />
            )}
            {canEdit && report !== undefined && report !== current.report && (
              <div className={styles.saveRow}>
                <Button size="sm" disabled={busy} onClick={() => void save({ report })}>
                  Save report
                </Button>
                <Button size="sm" variant="secondary" onClick={() => setReport(undefined)}>
                  Discard
                </Button>
              </div>
            )}
            {!canEdit && isEmptyHtml(current.report) && <div className={common.muted}>No report yet.</div>}
          </section>
          <TaskList workOrderId={current.id} onChanged={refresh} />
          <CommentThread workOrderId={current.id} site={current.site} onChanged={refresh} />
          <AttachmentList workOrderId={current.id} onChanged={refresh} />
          <HistoryList workOrderId={current.id} version={current.version} />
        </div>
      </div>
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(280px, 360px) minmax(0, 1fr)',
    gap: theme.spacing(2),
    alignItems: 'start',
    [theme.breakpoints.down('md')]: {
      gridTemplateColumns: 'minmax(0, 1fr)',
    },
  }),
  info: css({
    position: 'sticky',
    top: theme.spacing(1),
  }),
  main: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
    minWidth: 0,
  }),
  saveRow: css({
    display: 'flex',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  }),
});
