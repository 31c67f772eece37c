// When and how long to wait before re-sending an upload: only failures that may pass (no network,
// timeouts, 429, 5xx), exponential backoff with jitter so a room's phones don't retry in lockstep.

export const UPLOAD_RETRY = { attempts: 8, baseMs: 500, maxMs: 10_000 } as const;

/** True for failures worth another try; status 0 means the request never got an answer. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): base·2^(attempt−1) capped at max, times a
 * random factor in [0.5, 1.5). A Retry-After (seconds) from the server is honoured when it is longer.
 */
export function retryDelay(
  attempt: number,
  random: () => number,
  retryAfter: string | null = null,
  policy: { baseMs: number; maxMs: number } = UPLOAD_RETRY,
): number {
  const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1)) * (0.5 + random());
  const asked = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : 0;
  return Math.max(backoff, Math.min(asked, 60_000));
}
