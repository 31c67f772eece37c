// A Worker deployed with a careless configuration, inside workerd: the same Worker fetched with a changed
// env. Without an AUTH_SECRET of 32 bytes every token route fails closed; ORGANIZER_KEY and ALLOWED_ORIGINS.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../worker/adapter/cloudflare/index.ts";
import { BASE, auth, createRoom, jpeg, login, roomWithPhotos, uploadForm } from "./helpers.ts";

async function callWith(vars: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const r = await worker.fetch(new Request(BASE + path, init), { ...env, ...vars } as Env, ctx);
  await waitOnExecutionContext(ctx);
  const text = r.status === 101 ? "" : await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, res: r };
}

describe("a Worker without a proper AUTH_SECRET", () => {
  it.each([
    ["unset", undefined],
    ["empty", ""],
    ["31 bytes", "x".repeat(31)],
  ])("refuses every token route with 500 server_misconfigured when the secret is %s", async (_, secret) => {
    // A real room, shot and photo made with the proper secret: only the configuration differs below.
    const { roomId, token, shotId, photos, members } = await roomWithPhotos(1, `nosecret-${secret?.length}`);
    const json = { "Content-Type": "application/json" };
    const routes: Array<[string, string, RequestInit]> = [
      ["login", "/api/login", { method: "POST", headers: json, body: JSON.stringify({ name: "Eve" }) }],
      ["create", "/api/rooms", { method: "POST", headers: auth(token), body: "{}" }],
      ["shoot", `/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(token) }],
      ["report", `/api/rooms/${roomId}/shots/${shotId}`, { headers: auth(token) }],
      ["stats", `/api/rooms/${roomId}/stats`, { headers: auth(token) }],
      ["remove", `/api/rooms/${roomId}/photos/${photos[0]!.photoId}`, { method: "DELETE", headers: auth(token) }],
      ["zip", `/api/rooms/${roomId}/photos.zip`, { headers: auth(token) }],
      ["zip link", `/api/rooms/${roomId}/shots/${shotId}/zip-link`, { method: "POST", headers: auth(token) }],
      [
        "upload",
        `/api/rooms/${roomId}/photos`,
        { method: "POST", headers: auth(members[0]!.welcome.uploadToken), body: uploadForm({ photo: jpeg(32, 24) }) },
      ],
      ["socket", `/api/rooms/${roomId}/ws`, { headers: { Upgrade: "websocket" } }],
    ];
    for (const [what, path, init] of routes) {
      const r = await callWith({ AUTH_SECRET: secret }, path, init);
      expect({ what, status: r.status, code: r.body?.error?.code }).toEqual({
        what,
        status: 500,
        code: "server_misconfigured",
      });
    }
    // Reads that need no token still answer; the photo is still there (the DELETE did nothing).
    const listing = await callWith({ AUTH_SECRET: secret }, `/api/rooms/${roomId}/photos`);
    expect(listing.status).toBe(200);
    expect(listing.body.photos).toHaveLength(1);
  });
});

describe("ORGANIZER_KEY", () => {
  it("only the right key logs in; a wrong, missing or non-string key gets 403 bad_key", async () => {
    const key = "the-organisers-key";
    const login = (body: unknown) =>
      callWith({ ORGANIZER_KEY: key }, "/api/login", { method: "POST", body: JSON.stringify(body) });
    for (const body of [{ name: "E" }, { name: "E", key: "the-organisers-ke" }, { name: "E", key: [key] }])
      expect((await login(body)).body).toMatchObject({ error: { code: "bad_key" } });
    expect((await login({ name: "E", key })).status).toBe(200);
  });
});

describe("WebSocket origins", () => {
  const upgrade = (origin: string | undefined, vars: Partial<Env> = {}) =>
    login()
      .then(createRoom)
      .then((roomId) =>
        callWith(vars, `/api/rooms/${roomId}/ws`, {
          headers: { Upgrade: "websocket", ...(origin === undefined ? {} : { Origin: origin }) },
        }),
      );

  it("another site's page is refused with 403 origin_not_allowed; the app's own page and no Origin upgrade", async () => {
    for (const origin of ["https://evil.example", "null", "http://simulshot.test.evil.example"]) {
      const r = await upgrade(origin);
      expect({ origin, status: r.status, code: r.body?.error?.code }).toEqual({
        origin,
        status: 403,
        code: "origin_not_allowed",
      });
    }
    for (const origin of [BASE, undefined]) {
      const r = await upgrade(origin);
      expect(r.status).toBe(101);
      r.res.webSocket!.accept();
      r.res.webSocket!.close();
    }
  });

  it("ALLOWED_ORIGINS lets the listed origins in, and only them", async () => {
    const vars = { ALLOWED_ORIGINS: "https://photos.example, https://other.example" } as unknown as Partial<Env>;
    const ok = await upgrade("https://photos.example", vars);
    expect(ok.status).toBe(101);
    ok.res.webSocket!.accept();
    ok.res.webSocket!.close();
    expect((await upgrade("https://photos.example.evil", vars)).status).toBe(403);
  });
});
