// The Deno server's per-IP limits: a count per key in fixed windows of RATE_PERIOD_S, as Miniflare counts
// the Workers Rate Limiting binding. Every count is dropped when a window ends, so the map holds at most
// one window's keys. In memory: a restart forgives everyone, which is harmless for limits this coarse.
import { RATE_LIMITS, RATE_PERIOD_S, type LimitName, type RateLimiter } from "../worker/rate-limits.ts";

export class WindowLimiter implements RateLimiter {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly limits: Record<LimitName, number>,
    private readonly now: () => number = Date.now,
  ) {}

  take(name: LimitName, key: string): Promise<boolean> {
    const window = Math.floor(this.now() / (RATE_PERIOD_S * 1000));
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const k = `${name} ${key}`;
    const n = this.counts.get(k) ?? 0;
    if (n >= this.limits[name]) return Promise.resolve(false);
    this.counts.set(k, n + 1);
    return Promise.resolve(true);
  }
}

/** RATE_LIMITS with the environment's overrides (LOGIN_RATE_LIMIT, ROOM_RATE_LIMIT, UPLOAD_RATE_LIMIT). */
export function limitsFromEnv(get: (name: string) => string | undefined): Record<LimitName, number> {
  const read = (name: string, fallback: number) => {
    const v = get(name);
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number from 1, not ${v}`);
    return n;
  };
  return {
    login: read("LOGIN_RATE_LIMIT", RATE_LIMITS.login),
    rooms: read("ROOM_RATE_LIMIT", RATE_LIMITS.rooms),
    uploads: read("UPLOAD_RATE_LIMIT", RATE_LIMITS.uploads),
  };
}
