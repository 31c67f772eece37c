// The test servers are not reloaded by writes to the files `wrangler dev` watches by default (its
// bundle's inputs, wrangler.toml, the assets folder): a reload answers every request in flight with 503.
import { existsSync, utimesSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { Api } from "./kit/api.ts";
import { multipart, photoFor } from "./kit/http-kit.ts";
import { sleep } from "./kit/sockets.ts";

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

/** Marks each file as just written, its content unchanged (esbuild and chokidar go by mtime). A file that
 *  is gone throws (the list is stale), except the app's build, which the e2e suite does not make. */
function touchAll(): void {
  const now = new Date();
  for (const p of WATCHED) if (existsSync(p) || !p.includes("dist")) utimesSync(p, now, now);
}

for (const server of inject("servers")) {
  describe(`an upload on ${server.kind}`, () => {
    it("in flight while the watched files are rewritten is answered 201", async () => {
      const api = new Api(server.url);
      const { token } = await api.login("Owner");
      const { roomId } = await api.createRoom(token, "Watched files");
      const guest = api.client(roomId, { clientId: "watched-0", name: "Guest" });
      try {
        await guest.once("welcome");
        const fired = guest.once("fire");
        const { shotId } = (await api.shoot(roomId, token)).body;
        await fired;
        const { head, body } = await multipart(guest.uploadToken!, { photo: photoFor("watched"), shotId });
        const u = new URL(server.url);
        const sock = connect(Number(u.port), u.hostname);
        await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
        let answer = "";
        sock.on("data", (d: Buffer) => (answer += d.toString()));
        sock.on("error", () => {});
        const closed = new Promise((r) => sock.once("close", r));
        sock.write(`POST /api/rooms/${roomId}/photos HTTP/1.1\r\nHost: ${u.host}\r\n${head}\r\n\r\n`);
        sock.write(body.subarray(0, body.length >> 1));
        touchAll();
        // esbuild polls its inputs (a full sweep takes a few seconds); chokidar's watchers fire at once.
        await sleep(4000);
        sock.write(body.subarray(body.length >> 1));
        await closed;
        expect(answer.split("\r\n")[0], answer).toMatch(/^HTTP\/1\.1 201/);
        expect(await api.listAll(roomId, shotId)).toHaveLength(1);
      } finally {
        guest.close();
      }
    });
  });
}
