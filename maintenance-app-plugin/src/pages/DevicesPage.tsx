/**
 * Devices: manual online/offline status of every device of a site (blocks, strings, PCS, meters…). Editors mark a
 * device offline with a reason and time (or back online); the API cascades a block's mark to its strings — shown
 * here as "offline via <block>" — and keeps the history, which opens per device.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Field, Input, Modal, useStyles2 } from '@grafana/ui';
import type { DeviceStatus, DeviceStatusChange } from '@openbess/model/src/maintenance/types';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import { AppPage } from '../components/AppPage';
import { mayDo, useMaintenance } from '../components/MaintenanceContext';
import { SitePicker } from '../components/SitePicker';
import { formatTime, getCommonStyles } from '../components/styles';
import { useApi } from '../hooks/useApi';

/** `datetime-local` value of a Date (local time, minutes). */
function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The Devices page. */
export function DevicesPage() {
  const common = useStyles2(getCommonStyles);
  const styles = useStyles2(getStyles);
  const { me, sites } = useMaintenance();
  const [params, setParams] = useSearchParams();
  const site = params.get('site') ?? sites[0]?.code ?? '';
  const devices = useApi<DeviceStatus[]>(() => (site ? api.devices(site) : Promise.resolve([])), [site]);
  const canSet = mayDo(me, 'deviceStatus.set');
  const [marking, setMarking] = useState<DeviceStatus>();
  const [historyOf, setHistoryOf] = useState<DeviceStatus>();
  const [error, setError] = useState<string>();
  const [filter, setFilter] = useState('');

  const setOnline = async (d: DeviceStatus) => {
    setError(undefined);
    try {
      await api.setDeviceStatus(d.device, { offline: false });
      await devices.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const list = (devices.data ?? []).filter(
    (d) => !filter || `${d.device} ${d.name} ${d.profile}`.toLowerCase().includes(filter.toLowerCase())
  );
  const offline = (devices.data ?? []).filter((d) => d.offline).length;

  return (
    <AppPage title="Devices">
      <div className={common.row}>
        <SitePicker value={site} onChange={(s) => setParams({ site: s }, { replace: true })} />
        <Input
          aria-label="Filter devices"
          width={32}
          prefix={<span aria-hidden>⌕</span>}
          placeholder="Filter by id, name or type"
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
        />
        {devices.data && (
          <span className={common.muted}>
            {devices.data.length} devices · {offline} offline
          </span>
        )}
      </div>
      {(error || devices.error) && (
        <Alert severity="error" title="Device status" onRemove={error ? () => setError(undefined) : undefined}>
          {error ?? devices.error?.message}
        </Alert>
      )}
      <div className={common.card}>
        <table className={common.table} aria-label="Device status">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className={styles.srOnly}>Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.device} data-testid="device-row">
                <td
                  className={common.mono}
                  style={{ paddingLeft: `${(d.string !== null ? 2 : d.block !== null ? 1 : 0) * 16 + 8}px` }}
                >
                  {d.device}
                </td>
                <td>{d.name}</td>
                <td className={common.muted}>{d.profile}</td>
                <td>
                  {d.offline ? (
                    <Badge
                      color="red"
                      icon="exclamation-triangle"
                      text={d.inheritedFrom ? `Offline via ${d.inheritedFrom}` : 'Offline'}
                    />
                  ) : (
                    <Badge color="green" text="Online" />
                  )}
                </td>
                <td>{d.reason ?? '—'}</td>
                <td className={common.muted}>{d.since ? `${formatTime(d.since)}${d.by ? `, ${d.by}` : ''}` : '—'}</td>
                <td className={styles.actions}>
                  <Button size="sm" variant="secondary" fill="text" onClick={() => setHistoryOf(d)}>
                    History
                  </Button>
                  {canSet && !d.offline && (
                    <Button size="sm" variant="destructive" fill="outline" onClick={() => setMarking(d)}>
                      Mark offline
                    </Button>
                  )}
                  {canSet && d.offline && !d.inheritedFrom && (
                    <Button size="sm" variant="secondary" onClick={() => void setOnline(d)}>
                      Mark online
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {devices.data && list.length === 0 && <div className={common.muted}>No devices.</div>}
      </div>
      {marking && (
        <OfflineModal
          device={marking}
          onDismiss={() => setMarking(undefined)}
          onDone={async () => {
            setMarking(undefined);
            await devices.reload();
          }}
        />
      )}
      {historyOf && <HistoryModal device={historyOf} onDismiss={() => setHistoryOf(undefined)} />}
    </AppPage>
  );
}

function OfflineModal({
  device,
  onDismiss,
  onDone,
}: {
  device: DeviceStatus;
  onDismiss: () => void;
  onDone: () => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [at, setAt] = useState(localInput(new Date()));
  const [workOrder, setWorkOrder] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setError('A reason is required');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.setDeviceStatus(device.device, {
        offline: true,
        reason: reason.trim(),
        at: new Date(at).toISOString(),
        ...(workOrder ? { workOrderId: Number(workOrder) } : {}),
      });
      await onDone();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <Modal title={`Mark ${device.device} offline`} isOpen onDismiss={onDismiss}>
      <form onSubmit={submit} aria-label="Mark offline">
        {device.block !== null && device.string === null && (
          <Alert severity="info" title="Cascades to the strings">
            Taking a block offline takes all its battery strings offline too.
          </Alert>
        )}
        <Field label="Reason" required invalid={Boolean(error)} error={error}>
          <Input id="offline-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} autoFocus />
        </Field>
        <Field label="Since" description="When the device went offline (your local time)">
          <Input id="offline-at" type="datetime-local" value={at} onChange={(e) => setAt(e.currentTarget.value)} />
        </Field>
        <Field label="Work order #" description="Optional">
          <Input
            id="offline-wo"
            type="number"
            min={1}
            width={16}
            value={workOrder}
            onChange={(e) => setWorkOrder(e.currentTarget.value)}
          />
        </Field>
        <Modal.ButtonRow>
          <Button variant="secondary" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit" variant="destructive" disabled={busy}>
            Mark offline
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}

function HistoryModal({ device, onDismiss }: { device: DeviceStatus; onDismiss: () => void }) {
  const common = useStyles2(getCommonStyles);
  const history = useApi<DeviceStatusChange[]>(() => api.deviceHistory(device.device), [device.device]);
  return (
    <Modal title={`Status history of ${device.device}`} isOpen onDismiss={onDismiss}>
      {history.error && (
        <Alert severity="error" title="History">
          {history.error.message}
        </Alert>
      )}
      <table className={common.table} aria-label="Status history">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {(history.data ?? []).map((h) => (
            <tr key={h.id}>
              <td>{formatTime(h.at)}</td>
              <td>
                {h.offline ? 'Offline' : 'Online'}
                {h.device !== device.device && <span className={common.muted}> (via {h.device})</span>}
              </td>
              <td>{h.reason ?? '—'}</td>
              <td>{h.by}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {history.data?.length === 0 && <div className={common.muted}>No changes recorded.</div>}
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  actions: css({
    textAlign: 'right',
    whiteSpace: 'nowrap',
    '& > * + *': { marginLeft: theme.spacing(1) },
  }),
  srOnly: css({
    position: 'absolute',
    width: 1,
    height: 1,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
  }),
});
