/** Reconnect backoff settings, milliseconds. */
export interface BackoffOptions {
  /** Delay cap after the first failure (default 100 ms). */
  initialMs: number;
  /** Largest delay (default 10 s). */
  maxMs: number;
}

/** Default reconnect backoff: 100 ms doubling to 10 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 10_000 };

/**
 * Delay before the next connection attempt after `failures` consecutive failures: exponential
 * (`initialMs × 2^(failures−1)`, capped at `maxMs`) with "equal jitter" — half fixed, half random —
 * so many collectors reconnecting to one gateway after an outage do not all retry in step
 * (Marc Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
 *
 * @param failures - consecutive failures so far; 0 → no delay
 * @param random - a uniform [0, 1) source (injectable for tests)
 * @returns milliseconds, in [cap/2, cap)
 */
export function backoffDelay(
  failures: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random
): number {
  if (failures <= 0) return 0;
  const cap = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(failures - 1, 30));
  return cap / 2 + (random() * cap) / 2;
}
