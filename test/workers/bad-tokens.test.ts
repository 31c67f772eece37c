// Tokens inside workerd, where the signing secret is known: expired, wrong-kind and wrong-secret tokens
// are refused with 401, while the same claims freshly signed are accepted (so the expiry is what failed).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signToken } from "../../worker/auth/token.ts";
import { auth, call, createRoom, join, jpeg, login, uploadForm } from "./helpers.ts";

const SECRET = env.AUTH_SECRET!; // vitest.config.ts binds it for this project

describe("tokens", () => {
  it("an expired upload token is refused with 401 bad_token; the same claims unexpired upload", async () => {
    const token = await login();
    const roomId = await createRoom(token);
    const a = await join(roomId, "tok-a");
    await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) });
    const claims = { k: "upload" as const, room: roomId, mem: a.welcome.memberId as string };
    const expired = await signToken({ ...claims, exp: Date.now() - 1000 }, SECRET);
    const otherSecret = await signToken({ ...claims, exp: Date.now() + 60_000 }, "not-the-secret");
    const fresh = await signToken({ ...claims, exp: Date.now() + 60_000 }, SECRET);
    for (const t of [expired, otherSecret]) {
      const r = await call(`/api/rooms/${roomId}/photos`, {
        method: "POST",
        headers: auth(t),
        body: uploadForm({ photo: jpeg(16, 16) }),
      });
      expect(r).toMatchObject({ status: 401, body: { error: { code: "bad_token" } } });
    }
    const ok = await call(`/api/rooms/${roomId}/photos`, {
      method: "POST",
      headers: auth(fresh),
      body: uploadForm({ photo: jpeg(16, 16) }),
    });
    expect(ok.status).toBe(201);
  });

  it("an expired login token cannot create rooms or shoot; an upload-kind token with a login's fields neither", async () => {
    const owner = await login();
    const roomId = await createRoom(owner);
    const [payload] = owner.split(".");
    const { sub, name } = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const expired = await signToken({ k: "login", sub, name, exp: Date.now() - 1 }, SECRET);
    const wrongKind = await signToken({ k: "upload", room: roomId, mem: sub, exp: Date.now() + 60_000 }, SECRET);
    for (const t of [expired, wrongKind]) {
      expect(await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(t) })).toMatchObject({
        status: 401,
        body: { error: { code: "bad_token" } },
      });
      expect((await call("/api/rooms", { method: "POST", headers: auth(t), body: "{}" })).status).toBe(401);
    }
    expect((await call(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(owner) })).status).toBe(202);
  });
});
