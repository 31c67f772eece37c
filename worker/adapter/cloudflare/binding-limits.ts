// The per-IP limits on Cloudflare: one Workers Rate Limiting binding per limit (wrangler.toml's
// `[[ratelimits]]`), counted per Cloudflare location. CF-Connecting-IP is set by Cloudflare's edge
// (and by Miniflare's entry locally); a request without it shares the "unknown" key.
import type { LimitName, RateLimiter } from "../../rate-limits.ts";

export function bindingLimits(env: Env): RateLimiter {
  const bindings: Record<LimitName, RateLimit> = {
    login: env.LOGIN_LIMITER,
    rooms: env.ROOM_LIMITER,
    uploads: env.UPLOAD_LIMITER,
  };
  return { take: async (name, key) => (await bindings[name].limit({ key })).success };
}

export const cfClientIp = (request: Request) => request.headers.get("CF-Connecting-IP") ?? "unknown";
