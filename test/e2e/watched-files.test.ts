// The test servers are not reloaded by writes to the files `wrangler dev` watches by default (its
// bundle's inputs, wrangler.toml, the assets folder): a reload answers every request in flight with 503.
import { existsSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { Api } from "./kit/api.ts";
import { hangingUpload, photoFor } from "./kit/http-kit.ts";
import { joinRaw, sleep, until } from "./kit/sockets.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Rewritten by a git checkout, a rebase, an npm install or the browser suite's app build, whatever runs. */
const WATCHED = [
  "worker/adapter/cloudflare/index.ts",
  "shared/protocol.ts",
  "package.json",
  "tsconfig.json",
  "wrangler.toml",
  "app/dist/index.html",
].map((p) => join(ROOT, p));
/** New files too, as a build or a checkout makes them: a touch does not always count (esbuild's own watch
 *  compares the contents it read), a package.json appearing beside an input of the bundle does. The one in
 *  the assets folder reloads nothing that cuts a request on wrangler 4.86, kept for when it does. */
const NEW_FILES = [
  ["worker/adapter/cloudflare/package.json", '{ "type": "module" }\n'],
  ["app/dist/watched-files-probe.txt", "probe\n"],
].map(([p, text]) => ({ path: join(ROOT, p!), text: text! }));

/** Marks each file as just written, its content unchanged, and writes the new files (removed afterwards).
 *  A file that is gone throws (the list is stale), except the app's build, which the e2e suite does not make. */
function rewriteAll(): void {
  const now = new Date();
  for (const p of WATCHED) if (existsSync(p) || !p.includes("dist")) utimesSync(p, now, now);
  for (const { path, text } of NEW_FILES) {
    if (existsSync(dirname(path))) writeFileSync(path, text, { flag: "wx" }); // "wx": not left from a run
  }
}

for (const server of inject("servers")) {
  describe(`an upload on ${server.kind}`, () => {
    it("in flight while the watched files are rewritten is answered 201, and the room's sockets stay open", async () => {
      const api = new Api(server.url);
      const { token } = await api.login("Owner");
      const { roomId } = await api.createRoom(token, "Watched files");
      const guest = await joinRaw(api, roomId, "watched-0");
      try {
        const { shotId, at } = (await api.shoot(roomId, token)).body;
        await guest.next((m) => m.type === "shoot");
        await until(() => Date.now() > at, 10_000, "the shot's instant");
        const photo = photoFor("watched");
        const { uploadToken } = guest.welcome;
        const upload = await hangingUpload(server.url, roomId, uploadToken, { photo, shotId }, photo.length >> 1);
        // Inside the worker by now: a reload cuts it (one still on its way is held and sent to the new one).
        await sleep(1000);
        rewriteAll();
        // A reload restarts workerd, closing every room socket; without one, nothing happens in 4 s.
        await Promise.race([guest.closed, sleep(4000)]);
        upload.finish();
        const answer = await upload.ended;
        expect(answer.split("\r\n")[0], answer).toMatch(/^HTTP\/1\.1 201/);
        expect(await api.listAll(roomId, shotId)).toHaveLength(1);
        expect(guest.ws.readyState, "the room socket was closed").toBe(WebSocket.OPEN);
      } finally {
        for (const { path } of NEW_FILES) rmSync(path, { force: true });
        guest.ws.close();
      }
    });
  });
}
