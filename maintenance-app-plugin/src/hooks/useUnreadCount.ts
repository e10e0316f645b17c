import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { NOTIFICATION_POLL_MS } from '../constants';

/**
 * Unread notification count of the user, polled every {@link NOTIFICATION_POLL_MS} (60 s) while the app is open
 * and the tab visible; `refresh()` asks at once (after marking read). Errors keep the last count.
 */
export function useUnreadCount(intervalMs = NOTIFICATION_POLL_MS): { unread: number; refresh: () => void } {
  const [unread, setUnread] = useState(0);
  const alive = useRef(true);

  const refresh = useCallback(() => {
    api
      .unreadCount()
      .then((r) => {
        if (alive.current) {
          setUnread(r.unread);
        }
      })
      .catch(() => {
        /* keep the last count; the pages show API errors */
      });
  }, []);

  useEffect(() => {
    alive.current = true;
    refresh();
    const timer = setInterval(() => {
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') {
        refresh();
      }
    }, intervalMs);
    return () => {
      alive.current = false;
      clearInterval(timer);
    };
  }, [refresh, intervalMs]);

  return { unread, refresh };
}
