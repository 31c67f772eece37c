// The Deno server writes files only for rooms and shots that exist: requests for made-up room ids and
// made-up shots (unauthenticated mosaics included) leave no folder, no SQLite file and no open database.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startServer, type LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { openRaw } from "./kit/sockets.ts";

const randomId = () =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
    .toString("base64url")
    .slice(0, 22);

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();

describe.runIf(inject("servers").some((s) => s.kind === "deno"))("the Deno server's files", () => {
  let server: LocalServer;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "simulshot-deno-storage-"));
    server = await startServer("deno", { stateDir: dataDir });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("requests for made-up rooms and shots create no folder and no SQLite file", async () => {
    const api = new Api(server.url);
    const { token } = await api.login();
    const { roomId } = await api.createRoom(token, "Real");
    const { shotId } = (await api.shoot(roomId, token)).body;
    expect(shotId).toBeTruthy();

    const strangers = Array.from({ length: 5 }, randomId);
    const madeUpShots = Array.from({ length: 5 }, randomId);
    for (const [i, id] of strangers.entries()) {
      for (const path of [
        `/api/rooms/${id}`,
        `/api/rooms/${id}/photos`,
        `/api/rooms/${id}/mosaic`,
        `/api/rooms/${id}/mosaic?shot=${madeUpShots[i]}`,
      ])
        expect((await api.json(path)).status, path).toBe(404);
      const ws = openRaw(api.wsUrl(id));
      expect((await ws.closed).code).toBe(4004);
    }
    for (const shot of madeUpShots) {
      const r = await api.json(`/api/rooms/${roomId}/mosaic?shot=${shot}`);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("shot_not_found");
    }
    // The real shot's mosaic still works (and opens its own file).
    const real = await fetch(`${server.url}/api/rooms/${roomId}/mosaic?shot=${shotId}`, { redirect: "manual" });
    expect(real.status).toBe(302);

    const files = filesUnder(dataDir);
    // Files are named by their room's and shot's ids (so a stray would show by its id below).
    expect(files).toContain(join("rooms", `${roomId}.sqlite`));
    expect(files.some((f) => f.includes(shotId))).toBe(true);
    const strays = files.filter((f) => [...strangers, ...madeUpShots].some((id) => f.includes(id)));
    expect(strays).toEqual([]);
  });
});
