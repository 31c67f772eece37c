// Limits at the edge, before any work: JSON bodies refused while they stream, not once read whole.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startServer, type LocalServer } from "../../scripts/local-server.ts";
import { Api } from "./kit/api.ts";
import { unfinishedPost } from "./kit/unfinished-body.ts";

for (const server of inject("servers")) {
  describe(`edge limits on ${server.kind}`, () => {
    const api = new Api(server.url);
    let direct: LocalServer | null = null;
    /** Where a request reaches the worker as it streams. `wrangler dev`'s local proxy holds a request with a
     *  Content-Length until its body is whole, and answers 503 ("worker restarted mid-request") when the worker
     *  answers before reading a chunked body to its end; Cloudflare's edge does neither, so for wrangler the
     *  same worker is served straight through Miniflare. */
    let streaming = server.url;
    beforeAll(async () => {
      if (server.kind !== "wrangler") return;
      direct = await startServer("miniflare");
      streaming = direct.url;
    }, 180_000);
    afterAll(() => direct?.stop());

    it("a JSON body over 4 KB is refused with 413 before it ends, declared or chunked, logged in or not", async () => {
      const { token } = await new Api(streaming).login();
      const auth = { Authorization: `Bearer ${token}` };
      const cases: Array<[string, string, Record<string, string>, number, number | null]> = [
        ["login declaring 1 MB", "/api/login", {}, 100, 1 << 20],
        ["login declaring 5000 B", "/api/login", {}, 100, 5000],
        ["login chunked past 4 KB", "/api/login", {}, 6000, null],
        ["room chunked past 4 KB", "/api/rooms", auth, 6000, null],
      ];
      for (const [what, path, headers, sendBytes, declaredBytes] of cases) {
        const r = await unfinishedPost(streaming, path, { headers, sendBytes, declaredBytes });
        expect({ what, status: r.statusLine }).toEqual({ what, status: expect.stringMatching(/ 413 /) });
        expect(r.body, what).not.toBe("");
        expect(JSON.parse(r.body).error.code, what).toBe("body_too_large");
      }
      // A body just inside the limit still works, on the server under test.
      const pad = "p".repeat(4000);
      const ok = await api.json("/api/login", { method: "POST", body: JSON.stringify({ name: "Just inside", pad }) });
      expect(ok.status).toBe(200);
    });
  });
}
