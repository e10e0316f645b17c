/**
 * Team: the maintenance roster of each site. Admins add members with a user picker (Grafana's users through the
 * API's `/users`, or any login typed in), set their team role and company, remove them, and rename work-order
 * categories. Everyone else sees the roster.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, ConfirmButton, Field, Icon, Input, Select, useStyles2 } from '@grafana/ui';
import type { TeamMember, UserSummary } from '@openbess/model/src/maintenance/types';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import { AppPage } from '../components/AppPage';
import { mayDo, useMaintenance } from '../components/MaintenanceContext';
import { SitePicker } from '../components/SitePicker';
import { formatTime, getCommonStyles } from '../components/styles';
import { useApi } from '../hooks/useApi';

/** The Team page. */
export function TeamPage() {
  const common = useStyles2(getCommonStyles);
  const { me, sites } = useMaintenance();
  const [params, setParams] = useSearchParams();
  const site = params.get('site') ?? sites[0]?.code ?? '';
  const team = useApi<TeamMember[]>(() => (site ? api.team(site) : Promise.resolve([])), [site]);
  const canManage = mayDo(me, 'team.manage');
  const [error, setError] = useState<string>();

  const remove = async (m: TeamMember) => {
    setError(undefined);
    try {
      await api.removeTeamMember(m.site, m.login);
      await team.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <AppPage title="Team">
      <div className={common.row}>
        <SitePicker value={site} onChange={(s) => setParams({ site: s }, { replace: true })} />
      </div>
      {(error || team.error) && (
        <Alert severity="error" title="Team" onRemove={error ? () => setError(undefined) : undefined}>
          {error ?? team.error?.message}
        </Alert>
      )}
      <div className={common.card}>
        <h3 className={common.sectionTitle}>Maintenance team of {site}</h3>
        <table className={common.table} aria-label="Team members">
          <thead>
            <tr>
              <th scope="col">Login</th>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Team role</th>
              <th scope="col">Company</th>
              <th scope="col">Added</th>
              {canManage && <th scope="col">Remove</th>}
            </tr>
          </thead>
          <tbody>
            {(team.data ?? []).map((m) => (
              <tr key={m.login} data-testid="team-row">
                <td>
                  <Icon name="user" size="sm" /> {m.login}
                </td>
                <td>{m.name ?? '—'}</td>
                <td>{m.email ?? '—'}</td>
                <td>{m.teamRole ?? '—'}</td>
                <td>{m.company ?? '—'}</td>
                <td className={common.muted}>
                  {m.addedBy}, {formatTime(m.addedAt)}
                </td>
                {canManage && (
                  <td>
                    <ConfirmButton
                      size="sm"
                      confirmText="Remove"
                      confirmVariant="destructive"
                      onConfirm={() => void remove(m)}
                    >
                      <Button
                        size="sm"
                        variant="secondary"
                        fill="text"
                        icon="trash-alt"
                        aria-label={`Remove ${m.login}`}
                      />
                    </ConfirmButton>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {team.data?.length === 0 && <div className={common.muted}>No team members yet.</div>}
      </div>
      {canManage && site && <AddMember site={site} members={team.data ?? []} onAdded={() => void team.reload()} />}
      {mayDo(me, 'category.manage') && <Categories />}
    </AppPage>
  );
}

function AddMember({ site, members, onAdded }: { site: string; members: TeamMember[]; onAdded: () => void }) {
  const common = useStyles2(getCommonStyles);
  const styles = useStyles2(getStyles);
  const users = useApi<UserSummary[]>(() => api.users(site).then((r) => r.items), [site]);
  const [login, setLogin] = useState<string>();
  const [teamRole, setTeamRole] = useState('');
  const [company, setCompany] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const taken = new Set(members.map((m) => m.login));
  const chosen = users.data?.find((u) => u.login === login);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!login) {
      setError('Pick a user');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.addTeamMember({
        site,
        login,
        ...(chosen?.name ? { name: chosen.name } : {}),
        ...(chosen?.email ? { email: chosen.email } : {}),
        ...(teamRole.trim() ? { teamRole: teamRole.trim() } : {}),
        ...(company.trim() ? { company: company.trim() } : {}),
      });
      setLogin(undefined);
      setTeamRole('');
      setCompany('');
      onAdded();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={common.card} onSubmit={submit} aria-label="Add team member">
      <h3 className={common.sectionTitle}>Add a member to {site}</h3>
      <div className={styles.formRow}>
        <Field label="User" description="Grafana users; type a login to add someone not listed">
          <Select
            inputId="team-user"
            width={36}
            isLoading={users.loading}
            value={login ?? null}
            allowCustomValue
            placeholder="Search users"
            options={(users.data ?? [])
              .filter((u) => !taken.has(u.login))
              .map((u) => ({
                label: u.name ? `${u.name} (${u.login})` : u.login,
                value: u.login,
                description: [u.email, u.role].filter(Boolean).join(' · ') || undefined,
              }))}
            onChange={(o) => setLogin(o?.value ?? undefined)}
          />
        </Field>
        <Field label="Team role">
          <Input
            id="team-role"
            width={24}
            placeholder="technician"
            value={teamRole}
            onChange={(e) => setTeamRole(e.currentTarget.value)}
          />
        </Field>
        <Field label="Company">
          <Input
            id="team-company"
            width={24}
            placeholder="for partners"
            value={company}
            onChange={(e) => setCompany(e.currentTarget.value)}
          />
        </Field>
      </div>
      {error && (
        <Alert severity="error" title="Not added">
          {error}
        </Alert>
      )}
      <Button type="submit" icon="plus" disabled={busy || !login}>
        Add member
      </Button>
    </form>
  );
}

function Categories() {
  const common = useStyles2(getCommonStyles);
  const styles = useStyles2(getStyles);
  const { categories, reloadCategories } = useMaintenance();
  const [names, setNames] = useState<Record<number, string>>({});
  const [added, setAdded] = useState('');
  const [error, setError] = useState<string>();

  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      await reloadCategories();
      setNames({});
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section className={common.card} aria-labelledby="categories-title">
      <h3 id="categories-title" className={common.sectionTitle}>
        Work-order categories
      </h3>
      {error && (
        <Alert severity="error" title="Category not saved" onRemove={() => setError(undefined)}>
          {error}
        </Alert>
      )}
      <ul className={styles.categories}>
        {categories.map((c) => {
          const value = names[c.id] ?? c.name;
          return (
            <li key={c.id} className={common.row}>
              <Input
                aria-label={`Category ${c.name}`}
                width={32}
                value={value}
                onChange={(e) => setNames({ ...names, [c.id]: e.currentTarget.value })}
              />
              {value.trim() && value !== c.name && (
                <Button size="sm" onClick={() => void run(() => api.renameCategory(c.id, value.trim()))}>
                  Rename
                </Button>
              )}
            </li>
          );
        })}
      </ul>
      <form
        className={common.row}
        aria-label="Add category"
        onSubmit={(e) => {
          e.preventDefault();
          if (added.trim()) {
            void run(async () => {
              await api.createCategory(added.trim());
              setAdded('');
            });
          }
        }}
      >
        <Input
          aria-label="New category"
          width={32}
          placeholder="New category"
          value={added}
          onChange={(e) => setAdded(e.currentTarget.value)}
        />
        <Button type="submit" variant="secondary" icon="plus" disabled={!added.trim()}>
          Add category
        </Button>
      </form>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  formRow: css({
    display: 'flex',
    gap: theme.spacing(2),
    flexWrap: 'wrap',
  }),
  categories: css({
    listStyle: 'none',
    padding: 0,
    margin: theme.spacing(0, 0, 1.5),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
});
