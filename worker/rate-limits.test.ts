import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { WindowLimiter, limitsFromEnv } from "../deno/window-limiter.ts";
import { RATE_LIMITS, RATE_PERIOD_S } from "./rate-limits.ts";

describe("per-IP limits", () => {
  it("wrangler.toml's rate limiting bindings carry the same numbers as the Deno server's defaults", () => {
    const config = unstable_readConfig({ config: resolve(import.meta.dirname, "../wrangler.toml") });
    type Binding = { name: string; simple: { limit: number; period: number } };
    const byName = Object.fromEntries((config.ratelimits as Binding[]).map((r) => [r.name, r.simple]));
    expect(byName).toEqual({
      LOGIN_LIMITER: { limit: RATE_LIMITS.login, period: RATE_PERIOD_S },
      ROOM_LIMITER: { limit: RATE_LIMITS.rooms, period: RATE_PERIOD_S },
      UPLOAD_LIMITER: { limit: RATE_LIMITS.uploads, period: RATE_PERIOD_S },
    });
  });

  it("Deno's counter refuses a key past its limit until the window ends, and keeps keys and limits apart", async () => {
    let t = 0;
    const limiter = new WindowLimiter({ login: 2, rooms: 1, uploads: 5 }, () => t);
    const takes = async (name: "login" | "rooms", key: string, n: number) => {
      const out: boolean[] = [];
      for (let i = 0; i < n; i++) out.push(await limiter.take(name, key));
      return out;
    };
    expect(await takes("login", "1.2.3.4", 3)).toEqual([true, true, false]);
    expect(await takes("login", "5.6.7.8", 1)).toEqual([true]);
    expect(await takes("rooms", "1.2.3.4", 2)).toEqual([true, false]);
    t = RATE_PERIOD_S * 1000;
    expect(await takes("login", "1.2.3.4", 1)).toEqual([true]);
  });

  it("Deno's limits come from its environment, and a bad number is refused at startup", () => {
    expect(limitsFromEnv(() => undefined)).toEqual(RATE_LIMITS);
    expect(limitsFromEnv((n) => (n === "UPLOAD_RATE_LIMIT" ? "10" : undefined)).uploads).toBe(10);
    expect(() => limitsFromEnv((n) => (n === "LOGIN_RATE_LIMIT" ? "lots" : undefined))).toThrow(/LOGIN_RATE_LIMIT/);
  });
});
