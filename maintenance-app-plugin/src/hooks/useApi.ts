import { useCallback, useEffect, useRef, useState } from 'react';

/** State of one API call made by {@link useApi}. */
export interface ApiState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Calls again (e.g. after a save or a 409). Resolves when the new answer is in. */
  reload: () => Promise<void>;
}

/**
 * Runs `load` when `deps` change and keeps the last answer; answers of superseded calls (deps changed, unmounted)
 * are dropped so a slow old response never overwrites a newer one.
 */
export function useApi<T>(load: () => Promise<T>, deps: unknown[]): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(load, deps);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await run();
      if (mine === generation.current) {
        setData(value);
        setError(undefined);
      }
    } catch (e) {
      if (mine === generation.current) {
        setError(e as Error);
      }
    } finally {
      if (mine === generation.current) {
        setLoading(false);
      }
    }
  }, [run]);

  useEffect(() => {
    void reload();
    return () => {
      generation.current++;
    };
  }, [reload]);

  return { data, error, loading, reload };
}
