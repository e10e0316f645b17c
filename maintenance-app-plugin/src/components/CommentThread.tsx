/**
 * Comment thread of a work order. Comments are plain text (rendered as text, never HTML); `@login` mentions are
 * highlighted and notify the user (the API parses them). Typing `@` offers the site's team and users as
 * suggestions (a listbox reachable with Tab/arrow keys; Enter inserts).
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, TextArea, useStyles2 } from '@grafana/ui';
import type { Comment, UserSummary } from '@openbess/model/src/maintenance/types';
import { Fragment, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { api } from '../api/client';
import { useApi } from '../hooks/useApi';
import { mayDo, useMaintenance } from './MaintenanceContext';
import { formatTime, getCommonStyles } from './styles';

/** `@login` tokens (letters, digits, `.`, `_`, `-`, and `@domain`), as the API recognises them. */
export const MENTION_PATTERN = /(^|[^\w@])@([\w.-]+(?:@[\w.-]+)?)/g;

/** Logins mentioned in a comment body. */
export function mentionsIn(body: string): string[] {
  return [...new Set([...body.matchAll(MENTION_PATTERN)].map((m) => m[2].replace(/[.-]+$/, '')))];
}

/** The `@partial` being typed at the cursor, if any. */
export function mentionAt(text: string, cursor: number): { start: number; query: string } | undefined {
  const m = /(^|\s)@([\w.@-]*)$/.exec(text.slice(0, cursor));
  return m ? { start: cursor - m[2].length - 1, query: m[2].toLowerCase() } : undefined;
}

/** Comment text with mentions highlighted (React text nodes only: no HTML injection). */
function CommentBody({ body, className }: { body: string; className: string }) {
  const parts: Array<string | { login: string }> = [];
  let last = 0;
  for (const m of body.matchAll(MENTION_PATTERN)) {
    const at = m.index! + m[1].length;
    parts.push(body.slice(last, at), { login: m[2] });
    last = at + 1 + m[2].length;
  }
  parts.push(body.slice(last));
  return (
    <>
      {parts.map((p, i) =>
        typeof p === 'string' ? (
          <Fragment key={i}>{p}</Fragment>
        ) : (
          <span key={i} className={className}>
            @{p.login}
          </span>
        )
      )}
    </>
  );
}

/** Props of {@link CommentThread}. */
export interface CommentThreadProps {
  workOrderId: number;
  site: string;
  onChanged?: () => void;
}

/** The thread and its composer. */
export function CommentThread({ workOrderId, site, onChanged }: CommentThreadProps) {
  const styles = useStyles2(getStyles);
  const common = useStyles2(getCommonStyles);
  const { me } = useMaintenance();
  const canComment = mayDo(me, 'comment.create');
  const comments = useApi<Comment[]>(() => api.comments(workOrderId), [workOrderId]);
  const users = useApi<UserSummary[]>(
    () => (canComment ? api.users(site).then((r) => r.items) : Promise.resolve([])),
    [site, canComment]
  );
  const [text, setText] = useState('');
  const [cursor, setCursor] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [active, setActive] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);

  const mention = mentionAt(text, cursor);
  const suggestions = useMemo(
    () =>
      mention
        ? (users.data ?? [])
            .filter(
              (u) =>
                u.login.toLowerCase().startsWith(mention.query) || (u.name ?? '').toLowerCase().includes(mention.query)
            )
            .slice(0, 6)
        : [],
    [mention, users.data]
  );

  const insert = (login: string) => {
    if (!mention) {
      return;
    }
    const next = `${text.slice(0, mention.start)}@${login} ${text.slice(cursor)}`;
    const pos = mention.start + login.length + 2;
    setText(next);
    setCursor(pos);
    setActive(0);
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(pos, pos);
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length === 0) {
      return;
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
    } else if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      insert(suggestions[Math.min(active, suggestions.length - 1)].login);
    } else if (e.key === 'Escape') {
      setCursor(-1);
    }
  };

  const submit = async () => {
    const body = text.trim();
    if (!body) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.addComment(workOrderId, { body, mentions: mentionsIn(body) });
      setText('');
      await comments.reload();
      onChanged?.();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className={common.card} aria-labelledby="wo-comments-title">
      <h3 id="wo-comments-title" className={common.sectionTitle}>
        Comments{' '}
        {comments.data && comments.data.length > 0 && <span className={common.muted}>({comments.data.length})</span>}
      </h3>
      {comments.error && (
        <Alert severity="error" title="Comments could not be loaded">
          {comments.error.message}
        </Alert>
      )}
      <ol className={styles.thread} aria-label="Comments">
        {(comments.data ?? []).map((c) => (
          <li key={c.id} className={styles.comment}>
            <div className={styles.meta}>
              <strong>{c.author}</strong> <span className={common.muted}>{formatTime(c.createdAt)}</span>
            </div>
            <div className={styles.body}>
              <CommentBody body={c.body} className={styles.mention} />
            </div>
          </li>
        ))}
        {comments.data?.length === 0 && <li className={common.muted}>No comments yet.</li>}
      </ol>
      {canComment && (
        <form
          className={styles.composer}
          aria-label="Add comment"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {error && (
            <Alert severity="error" title="Comment not posted" onRemove={() => setError(undefined)}>
              {error}
            </Alert>
          )}
          <TextArea
            ref={area}
            aria-label="Comment"
            placeholder="Write a comment — type @ to mention someone"
            rows={3}
            value={text}
            aria-autocomplete="list"
            aria-controls={suggestions.length ? 'wo-mention-suggestions' : undefined}
            onChange={(e) => {
              setText(e.currentTarget.value);
              setCursor(e.currentTarget.selectionStart ?? e.currentTarget.value.length);
            }}
            onSelect={(e) => setCursor(e.currentTarget.selectionStart ?? 0)}
            onKeyDown={onKeyDown}
          />
          {suggestions.length > 0 && (
            <ul
              id="wo-mention-suggestions"
              role="listbox"
              aria-label="Mention suggestions"
              className={styles.suggestions}
            >
              {suggestions.map((u, i) => (
                <li key={u.login} role="option" aria-selected={i === active}>
                  <button
                    type="button"
                    className={i === active ? styles.suggestionActive : styles.suggestion}
                    onClick={() => insert(u.login)}
                  >
                    @{u.login}
                    {u.name ? <span className={common.muted}> {u.name}</span> : null}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div>
            <Button type="submit" icon="comment-alt" disabled={busy || !text.trim()}>
              Comment
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => {
  const suggestion = css({
    display: 'block',
    width: '100%',
    textAlign: 'left',
    padding: theme.spacing(0.5, 1),
    background: 'none',
    border: 'none',
    color: theme.colors.text.primary,
    cursor: 'pointer',
    '&:hover, &:focus-visible': { background: theme.colors.action.hover, outline: 'none' },
  });
  return {
    thread: css({
      listStyle: 'none',
      margin: 0,
      padding: 0,
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(1.5),
    }),
    comment: css({
      borderLeft: `3px solid ${theme.colors.border.medium}`,
      paddingLeft: theme.spacing(1.5),
    }),
    meta: css({ marginBottom: theme.spacing(0.5) }),
    body: css({ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }),
    mention: css({
      color: theme.colors.primary.text,
      background: theme.colors.primary.transparent,
      borderRadius: theme.shape.radius.default,
      padding: '0 2px',
    }),
    composer: css({
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(1),
      marginTop: theme.spacing(2),
    }),
    suggestions: css({
      listStyle: 'none',
      margin: 0,
      padding: theme.spacing(0.5, 0),
      background: theme.colors.background.elevated,
      border: `1px solid ${theme.colors.border.medium}`,
      borderRadius: theme.shape.radius.default,
      boxShadow: theme.shadows.z2,
      maxWidth: theme.spacing(40),
    }),
    suggestion,
    suggestionActive: css(suggestion, { background: theme.colors.action.selected }),
  };
};
