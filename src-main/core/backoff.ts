/**
 * Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with "equal jitter" (half the
 * delay fixed, half random) so many desktops that lost the same host do not all knock at once,
 * while a single desktop still retries promptly.
 */
export interface BackoffOptions {
  /** First delay (default 500 ms). */
  initialMs?: number;
  /** Cap (default 10 s). */
  maxMs?: number;
  /** Source of randomness in [0, 1), replaceable in tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 10_000 } as const;

/** The delay before reconnect attempt `attempt` (1-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const initial = opts.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const max = opts.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const ceiling = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * (opts.random ?? Math.random)());
}
