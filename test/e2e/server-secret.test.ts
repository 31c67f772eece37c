// Servers started without AUTH_SECRET, as a careless deploy would: the Worker refuses every token route
// with 500 server_misconfigured; Deno refuses to start off loopback, and on loopback keeps a random secret
// in DATA_DIR that outlives a restart (tokens stay valid, no public default ever signs).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startServer, type LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { rawRequest } from "./kit/http-kit.ts";

const kinds = inject("servers").map((s) => s.kind);
const started: LocalServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.runIf(kinds.includes("wrangler"))("wrangler dev without AUTH_SECRET", () => {
  it("answers login, room creation and socket upgrades with 500 server_misconfigured", async () => {
    const server = await startServer("wrangler", { authSecret: null });
    started.push(server);
    const api = new Api(server.url);
    const login = await api.json("/api/login", { method: "POST", body: JSON.stringify({ name: "Eve" }) });
    expect(login).toMatchObject({ status: 500, body: { error: { code: "server_misconfigured" } } });
    const create = await api.json("/api/rooms", { method: "POST", headers: { Authorization: "Bearer x.y" } });
    expect(create).toMatchObject({ status: 500, body: { error: { code: "server_misconfigured" } } });
    const upgrade = await rawRequest(server.url, "/api/rooms/AAAAAAAAAAAAAAAAAAAAAA/ws", {
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    expect(upgrade).toMatchObject({ status: 500, body: { error: { code: "server_misconfigured" } } });
  });
});

describe.runIf(kinds.includes("deno"))("the Deno server without AUTH_SECRET", () => {
  it("refuses to start on an address others can reach", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "simulshot-nosecret-"));
    dirs.push(stateDir);
    await expect(startServer("deno", { authSecret: null, stateDir, vars: { HOST: "0.0.0.0" } })).rejects.toThrow(
      /AUTH_SECRET is not set: refusing to listen on 0\.0\.0\.0/,
    );
  });

  it("on loopback signs with a secret kept in DATA_DIR: a login token still works after a restart", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "simulshot-nosecret-"));
    dirs.push(stateDir);
    const server = await startServer("deno", { authSecret: null, stateDir });
    started.push(server);
    const api = new Api(server.url);
    const { token } = await api.login();
    expect(existsSync(join(stateDir, "auth-secret"))).toBe(true);
    await server.restart();
    const { roomId } = await api.createRoom(token);
    expect((await api.json(`/api/rooms/${roomId}`)).status).toBe(200);
    // A token signed by another loopback server (its own random secret) is not accepted here.
    const other = await startServer("deno", { authSecret: null });
    started.push(other);
    const foreign = (await new Api(other.url).login()).token;
    const refused = await api.json("/api/rooms", { method: "POST", headers: { Authorization: `Bearer ${foreign}` } });
    expect(refused).toMatchObject({ status: 401, body: { error: { code: "bad_token" } } });
  });
});
