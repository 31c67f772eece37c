// Per-IP limits on each server, on a private server so the spent budget cannot reach other tests: logins
// and room creations (30 a minute) and upload attempts (3000 a minute per address and room). The limits
// count in windows aligned to the minute (Miniflare's and the Deno server's), so each run starts early in one.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { RATE_LIMITS, RATE_PERIOD_S } from "../../worker/rate-limits.ts";
import { Api } from "./kit/api.ts";
import { ownServer } from "./kit/own-server.ts";
import { photoFor } from "./kit/http-kit.ts";
import { joinRaw, sleep } from "./kit/sockets.ts";

const PERIOD_MS = RATE_PERIOD_S * 1000;

/** Waits, if needed, so that at least `ms` of the current counting window remain. */
async function windowWithRoom(ms: number): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < ms) await sleep(left + 100);
}

type Answer = { status: number; body: any; headers: Headers };

const expectLimited = (r: Answer, what: string) => {
  expect({ what, status: r.status, code: r.body?.error?.code }).toEqual({ what, status: 429, code: "rate_limited" });
  const retry = Number(r.headers.get("Retry-After"));
  expect(retry, what).toBeGreaterThan(0);
  expect(retry, what).toBeLessThanOrEqual(RATE_PERIOD_S);
};

for (const server of inject("servers")) {
  describe.runIf(server.kind === "wrangler" || server.kind === "deno")(`per-IP limits on ${server.kind}`, () => {
    let own: LocalServer;
    let api: Api;
    beforeAll(async () => {
      own = (await ownServer(server.kind, {}))!;
      api = new Api(own.url);
    }, 120_000);
    afterAll(() => own?.stop());

    // Shared by the two tests: the second runs in a later window, with the login and rooms of the first.
    let token = "";
    const rooms: string[] = [];

    it(`login and room creation: the ${RATE_LIMITS.login + 1}st from one address within a minute gets 429 with Retry-After`, async () => {
      // 30 rooms and 30 logins take 1–2 s: 15 s of the window is room enough, and waits less often.
      await windowWithRoom(15_000);
      token = (await api.login()).token;
      for (let i = 0; i < RATE_LIMITS.rooms; i++) rooms.push((await api.createRoom(token, `Room ${i}`)).roomId);
      const create = () =>
        api.json("/api/rooms", { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: "{}" });
      expectLimited(await create(), "a room past the limit");
      for (let i = 1; i < RATE_LIMITS.login; i++) await api.login(`Organiser ${i}`);
      const login = await api.json("/api/login", { method: "POST", body: JSON.stringify({ name: "One too many" }) });
      expectLimited(login, "a login past the limit");
      // Refused before any work: a malformed body gets the 429 too, not a 400.
      expectLimited(await api.json("/api/login", { method: "POST", body: "{" }), "a bad login past the limit");
    }, 120_000);

    it(`upload attempts count per address and room: the ${RATE_LIMITS.uploads + 1}st into one room gets 429, another room still takes its photo`, async () => {
      const [busy, other] = rooms as [string, string];
      // 3,000 attempts took 8–9 s in a clean-clone run of the whole suite.
      await windowWithRoom(25_000);
      const attempt = () =>
        api.json(`/api/rooms/${busy}/photos`, {
          method: "POST",
          headers: { Authorization: "Bearer forged" },
          body: "x",
        });
      let sent = 0;
      const statuses = new Map<number, number>();
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (sent < RATE_LIMITS.uploads) {
            sent++;
            const { status } = await attempt();
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        }),
      );
      expect(Object.fromEntries(statuses)).toEqual({ 401: RATE_LIMITS.uploads });
      expectLimited(await attempt(), "an upload attempt past the limit");

      const guest = await joinRaw(api, other, "limited-guest");
      const { shotId } = (await api.shoot(other, token)).body;
      const up = await api.upload(other, guest.welcome.uploadToken, { photo: photoFor("limits"), shotId });
      expect(up.status).toBe(201);
      guest.ws.close();
    }, 180_000);
  });
}
