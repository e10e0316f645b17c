/**
 * Work orders: summary widgets, the list filtered by status (pills), site and a search box (title, description,
 * report, devices, `#id`; searched by the API), colour-coded status badges, pagination, and the create button —
 * "New request" for viewers (they may only file REQUESTs), "New work order" for editors. Filters live in the URL
 * so a filtered view can be linked.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, FilterInput, FilterPill, LinkButton, Pagination, Select, Spinner, useStyles2 } from '@grafana/ui';
import type { WorkOrderListResponse } from '@openbess/model/src/maintenance/api';
import { OPEN_STATUSES, WORK_ORDER_STATUSES, type WorkOrderStatus } from '@openbess/model/src/maintenance/workflow';
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import { AppPage } from '../components/AppPage';
import { mayDo, useMaintenance } from '../components/MaintenanceContext';
import { PriorityBadge, StatusBadge, statusLabel } from '../components/StatusBadge';
import { formatDate, formatTime, getCommonStyles } from '../components/styles';
import { SummaryWidgets } from '../components/SummaryWidgets';
import { appUrl, ROUTES } from '../constants';
import { useApi } from '../hooks/useApi';

/** Rows per page. */
export const PAGE_SIZE = 50;

/** Status filter choices: every open status, everything, or one status. */
type StatusFilter = 'open' | 'all' | WorkOrderStatus;

function statusesOf(filter: StatusFilter): string | undefined {
  if (filter === 'all') {
    return undefined;
  }
  return filter === 'open' ? OPEN_STATUSES.join(',') : filter;
}

/** Debounces a value (search box → API query). */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

/** The Work orders page. */
export function WorkOrdersPage() {
  const styles = useStyles2(getStyles);
  const common = useStyles2(getCommonStyles);
  const { me, sites } = useMaintenance();
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') ?? 'open') as StatusFilter;
  const site = params.get('site') ?? undefined;
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const [search, setSearch] = useState(params.get('q') ?? '');
  const q = useDebounced(search.trim(), 300);

  const update = useCallback(
    (changes: Record<string, string | undefined>) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) {
            if (v === undefined || v === '') {
              next.delete(k);
            } else {
              next.set(k, v);
            }
          }
          if (!('page' in changes)) {
            next.delete('page');
          }
          return next;
        },
        { replace: true }
      ),
    [setParams]
  );
  const urlQ = params.get('q') ?? '';
  useEffect(() => {
    if (urlQ !== q) {
      update({ q });
    }
  }, [q, urlQ, update]);

  const list = useApi<WorkOrderListResponse>(
    () =>
      api.listWorkOrders({
        status: statusesOf(status),
        site,
        q: q || undefined,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        sort: 'updatedAt',
        order: 'desc',
      }),
    [status, site, q, page]
  );

  const canDraft = mayDo(me, 'workOrder.createDraft');
  const canRequest = mayDo(me, 'workOrder.createRequest');
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : 1;
  const filters: Array<{ value: StatusFilter; label: string }> = [
    { value: 'open', label: 'Open' },
    { value: 'all', label: 'All' },
    ...WORK_ORDER_STATUSES.map((s) => ({ value: s as StatusFilter, label: statusLabel(s) })),
  ];

  return (
    <AppPage
      title="Work orders"
      actions={
        (canDraft || canRequest) && (
          <LinkButton icon="plus" href={appUrl(ROUTES.newWorkOrder)}>
            {canDraft ? 'New work order' : 'New request'}
          </LinkButton>
        )
      }
    >
      <SummaryWidgets site={site} />
      <div className={styles.toolbar}>
        <div className={styles.search}>
          <FilterInput
            placeholder="Search title, text, device or #id"
            value={search}
            onChange={setSearch}
            escapeRegex={false}
            aria-label="Search work orders"
          />
        </div>
        {sites.length > 1 && (
          <Select
            aria-label="Site"
            width={24}
            value={site ?? ''}
            options={[
              { label: 'All sites', value: '' },
              ...sites.map((s) => ({ label: `${s.code} ${s.name}`, value: s.code })),
            ]}
            onChange={(o) => update({ site: o?.value || undefined })}
          />
        )}
      </div>
      <div className={styles.pills} role="group" aria-label="Filter by status">
        {filters.map((f) => (
          <FilterPill
            key={f.value}
            label={f.label}
            selected={status === f.value}
            onClick={() => update({ status: f.value === 'open' ? undefined : f.value })}
          />
        ))}
      </div>
      {list.error && (
        <Alert severity="error" title="Work orders could not be loaded">
          {list.error.message}
        </Alert>
      )}
      <div className={common.card}>
        <table className={common.table} aria-label="Work orders" aria-busy={list.loading}>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Title</th>
              <th scope="col">Site</th>
              <th scope="col">Status</th>
              <th scope="col">Priority</th>
              <th scope="col">Category</th>
              <th scope="col">Assignees</th>
              <th scope="col">Tasks</th>
              <th scope="col">Due</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((w) => {
              const overdue =
                w.dueDate && OPEN_STATUSES.includes(w.status) && w.dueDate < new Date().toISOString().slice(0, 10);
              return (
                <tr key={w.id} data-testid="work-order-row">
                  <td className={common.mono}>{w.id}</td>
                  <td>
                    <Link className={common.link} to={appUrl(`${ROUTES.workOrders}/${w.id}`)}>
                      {w.title}
                    </Link>
                    {w.devices.length > 0 && (
                      <div className={common.muted}>
                        {w.devices.slice(0, 3).join(', ')}
                        {w.devices.length > 3 ? ` +${w.devices.length - 3}` : ''}
                      </div>
                    )}
                  </td>
                  <td>{w.site}</td>
                  <td>
                    <StatusBadge status={w.status} />
                  </td>
                  <td>
                    <PriorityBadge priority={w.priority} />
                  </td>
                  <td>{w.category ?? '—'}</td>
                  <td>{w.assignees.length ? w.assignees.join(', ') : '—'}</td>
                  <td>{w.tasksTotal ? `${w.tasksDone}/${w.tasksTotal}` : '—'}</td>
                  <td className={overdue ? styles.overdue : undefined}>{formatDate(w.dueDate)}</td>
                  <td className={common.muted}>{formatTime(w.updatedAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {list.loading && !list.data && (
          <div className={styles.empty}>
            <Spinner inline /> Loading…
          </div>
        )}
        {list.data && list.data.items.length === 0 && (
          <div className={styles.empty}>No work orders match these filters.</div>
        )}
        {list.data && (
          <div className={styles.footer}>
            <span className={common.muted} data-testid="work-order-total">
              {list.data.total} work order{list.data.total === 1 ? '' : 's'}
            </span>
            {pages > 1 && (
              <Pagination currentPage={page} numberOfPages={pages} onNavigate={(p) => update({ page: String(p) })} />
            )}
          </div>
        )}
      </div>
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  toolbar: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    flexWrap: 'wrap',
  }),
  search: css({
    flex: '1 1 320px',
    maxWidth: theme.spacing(60),
  }),
  pills: css({
    display: 'flex',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
  }),
  empty: css({
    padding: theme.spacing(3),
    textAlign: 'center',
    color: theme.colors.text.secondary,
  }),
  footer: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'center',
    paddingTop: theme.spacing(1.5),
  }),
  overdue: css({
    color: theme.colors.error.text,
    fontWeight: theme.typography.fontWeightMedium,
  }),
});
