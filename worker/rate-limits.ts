// Per-IP limits on the requests a stranger could repeat to wear the server down or guess at: logins,
// room creations and upload attempts. Counted by the runtime (the Workers Rate Limiting binding, or the
// Deno server's counter); a request over its limit gets 429 `rate_limited` with Retry-After.
import { ErrorCode } from "../shared/protocol.ts";
import type { AppContext } from "./app-env.ts";
import { HttpError } from "./http-error.ts";

export type LimitName = "login" | "rooms" | "uploads";

/** Requests per key per RATE_PERIOD_S. A venue's phones share one NAT address, so uploads are counted per
 *  address *and room*, sized for a thousand phones' uploads, retries and a retake within a minute; logins
 *  and room creations are an organiser's, a few per event. wrangler.toml's `[[ratelimits]]` carry the
 *  same numbers (a unit test checks); the Deno server reads overrides from its environment. */
export const RATE_LIMITS: Record<LimitName, number> = { login: 30, rooms: 30, uploads: 3000 };
export const RATE_PERIOD_S = 60;

export interface RateLimiter {
  /** Counts one request for `key`; false once the key is over its limit for this period. */
  take(name: LimitName, key: string): Promise<boolean>;
}

/** Counts this request against the caller's address (and `scope`, e.g. a room id); 429 when over. */
export async function limitPerIp(c: AppContext, name: LimitName, scope?: string): Promise<void> {
  const { platform } = c.var;
  const ip = platform.clientIp(c.req.raw);
  if (await platform.limits.take(name, scope === undefined ? ip : `${ip} ${scope}`)) return;
  throw new HttpError(429, ErrorCode.RateLimited, `too many ${name} requests from this address; try again later`, {
    "Retry-After": String(RATE_PERIOD_S),
  });
}
