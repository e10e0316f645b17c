/**
 * Files of a work order: upload (editors; size checked here for quick feedback, type sniffed and limits enforced
 * by the API), list, download (Content-Disposition from the API) and delete (own files; admins any).
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, ConfirmButton, Icon, useStyles2 } from '@grafana/ui';
import type { Attachment } from '@openbess/model/src/maintenance/types';
import { useRef, useState } from 'react';
import { api, attachmentUrl } from '../api/client';
import { useApi } from '../hooks/useApi';
import { mayDo, useMaintenance } from './MaintenanceContext';
import { formatBytes, formatTime, getCommonStyles } from './styles';

/** Upload limit the app checks before sending, bytes (the API default, 25 MB; the API has the last word). */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

/** Props of {@link AttachmentList}. */
export interface AttachmentListProps {
  workOrderId: number;
  onChanged?: () => void;
}

/** The files section. */
export function AttachmentList({ workOrderId, onChanged }: AttachmentListProps) {
  const styles = useStyles2(getStyles);
  const common = useStyles2(getCommonStyles);
  const { me } = useMaintenance();
  const files = useApi<Attachment[]>(() => api.attachments(workOrderId), [workOrderId]);
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const canUpload = mayDo(me, 'attachment.upload');
  const canDelete = (a: Attachment) =>
    mayDo(me, 'attachment.deleteAny') || (mayDo(me, 'attachment.deleteOwn') && a.uploadedBy === me.login);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      await files.reload();
      onChanged?.();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const upload = async (list: FileList | null) => {
    const chosen = Array.from(list ?? []);
    if (input.current) {
      input.current.value = '';
    }
    const tooBig = chosen.find((f) => f.size > MAX_UPLOAD_BYTES);
    if (tooBig) {
      setError(`${tooBig.name} is ${formatBytes(tooBig.size)}; files may be at most ${formatBytes(MAX_UPLOAD_BYTES)}`);
      return;
    }
    const empty = chosen.find((f) => f.size === 0);
    if (empty) {
      setError(`${empty.name} is empty`);
      return;
    }
    await run(async () => {
      for (const f of chosen) {
        await api.upload(workOrderId, f);
      }
    });
  };

  return (
    <section className={common.card} aria-labelledby="wo-files-title">
      <div className={styles.head}>
        <h3 id="wo-files-title" className={common.sectionTitle}>
          Files {files.data && files.data.length > 0 && <span className={common.muted}>({files.data.length})</span>}
        </h3>
        {canUpload && (
          <>
            <input
              ref={input}
              type="file"
              multiple
              className={styles.hidden}
              aria-label="Choose files to upload"
              tabIndex={-1}
              onChange={(e) => void upload(e.currentTarget.files)}
            />
            <Button size="sm" variant="secondary" icon="upload" disabled={busy} onClick={() => input.current?.click()}>
              {busy ? 'Uploading…' : 'Upload files'}
            </Button>
          </>
        )}
      </div>
      {error && (
        <Alert severity="error" title="File not saved" onRemove={() => setError(undefined)}>
          {error}
        </Alert>
      )}
      {files.error && (
        <Alert severity="error" title="Files could not be loaded">
          {files.error.message}
        </Alert>
      )}
      {files.data && files.data.length > 0 ? (
        <table className={common.table} aria-label="Files">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Size</th>
              <th scope="col">Uploaded</th>
              <th scope="col">
                <span className={styles.srOnly}>Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {files.data.map((a) => (
              <tr key={a.id}>
                <td>
                  <a className={common.link} href={attachmentUrl(workOrderId, a.id)} download={a.name}>
                    <Icon name="download-alt" size="sm" /> {a.name}
                  </a>
                </td>
                <td className={common.muted}>{a.mediaType}</td>
                <td className={common.muted}>{formatBytes(a.size)}</td>
                <td className={common.muted}>
                  {a.uploadedBy}, {formatTime(a.uploadedAt)}
                </td>
                <td className={styles.actions}>
                  {canDelete(a) && (
                    <ConfirmButton
                      size="sm"
                      confirmText="Delete"
                      confirmVariant="destructive"
                      disabled={busy}
                      onConfirm={() => run(() => api.deleteAttachment(workOrderId, a.id))}
                    >
                      <Button
                        size="sm"
                        variant="secondary"
                        fill="text"
                        icon="trash-alt"
                        aria-label={`Delete ${a.name}`}
                      />
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        !files.loading && <div className={common.muted}>No files attached.</div>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  head: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'flex-start',
  }),
  hidden: css({
    display: 'none',
  }),
  actions: css({
    textAlign: 'right',
    width: theme.spacing(12),
  }),
  srOnly: css({
    position: 'absolute',
    width: 1,
    height: 1,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
  }),
});
