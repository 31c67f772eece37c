// When and how long to wait before trying again: uploads and requests (only failures that may pass: no
// network, timeouts, 429, 5xx) and the room client's reconnects. Exponential backoff with jitter, so a
// room's phones don't retry in lockstep. Used by the web app, the room client and the load test.

export type Backoff = { baseMs: number; maxMs: number };

export const UPLOAD_RETRY = { attempts: 8, baseMs: 500, maxMs: 10_000 } as const;
/** The room client's reconnect backoff when its options name none. */
export const RECONNECT_BACKOFF: Backoff = { baseMs: 250, maxMs: 10_000 };

/** True for failures worth another try; status 0 means the request never got an answer. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): base·2^(attempt−1) capped at max, then times a
 * random factor in [0.5, 1.5) — after the cap, so that clients that all reached it still come back spread
 * out (a wait is at most 1.5·max).
 */
export function backoffDelay(attempt: number, random: () => number, policy: Backoff): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1)) * (0.5 + random());
}

/** The backoff delay, or the server's Retry-After (seconds, at most a minute) when that is longer. */
export function retryDelay(
  attempt: number,
  random: () => number,
  retryAfter: string | null = null,
  policy: Backoff = UPLOAD_RETRY,
): number {
  const asked = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : 0;
  return Math.max(backoffDelay(attempt, random, policy), Math.min(asked, 60_000));
}
