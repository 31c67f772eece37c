// Headers that keep the app's origin the app's: its pages and files carry a CSP, nosniff and no-referrer; an
// uploaded file is only ever its sniffed image type and downloads when opened; room sockets refuse pages of
// other sites (cross-site WebSocket hijacking) but not clients that send no Origin.
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { Api } from "./kit/api.ts";
import { photoFor, rawRequest } from "./kit/http-kit.ts";
import { joinRaw } from "./kit/sockets.ts";

function expectAppHeaders(h: Headers, what: string): void {
  const csp = h.get("Content-Security-Policy") ?? "";
  const directives = new Map(
    csp.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values.join(" ")] as const;
    }),
  );
  expect({ what, csp: Object.fromEntries(directives) }).toMatchObject({
    what,
    csp: {
      "default-src": "'self'",
      "connect-src": "'self' blob:",
      "img-src": "'self' blob: data:",
      "frame-ancestors": "'none'",
      "object-src": "'none'",
    },
  });
  // No inline code: neither script nor style sources may fall back to anything looser than 'self'.
  expect(csp, what).not.toMatch(/unsafe-inline|unsafe-eval|script-src|style-src/);
  expect(h.get("X-Content-Type-Options"), what).toBe("nosniff");
  expect(h.get("Referrer-Policy"), what).toBe("no-referrer");
}

for (const server of inject("servers")) {
  describe(`security headers on ${server.kind}`, () => {
    const api = new Api(server.url);

    it("every page and file of the web app carries the CSP, nosniff and no-referrer", async () => {
      const page = await fetch(`${server.url}/`, { headers: { Accept: "text/html" } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expectAppHeaders(page.headers, "/");
      // The app's own files, as the page names them (the chunk names carry a hash).
      const refs = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
      expect(refs).toEqual(expect.arrayContaining(["/app.js", "/app.css"]));
      for (const path of refs) {
        const r = await fetch(server.url + path);
        expect(r.status, path).toBe(200);
        expectAppHeaders(r.headers, path);
        await r.arrayBuffer();
      }
      const guest = await fetch(`${server.url}/r/AAAAAAAAAAAAAAAAAAAAAA`, { headers: { Accept: "text/html" } });
      expect(guest.status).toBe(200);
      expectAppHeaders(guest.headers, "/r/<roomId>");
      await guest.arrayBuffer();
    });

    it("an uploaded file is served as its sniffed image type, nosniff, as an attachment, sandboxed", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const guest = await joinRaw(api, roomId, "headers-guest");
      const { shotId } = (await api.shoot(roomId, token)).body;
      // A real JPEG with HTML in it, sent as text/html: it must never be served as anything but a JPEG.
      const photo = photoFor("<html><script>alert(document.domain)</script>");
      const up = await api.upload(roomId, guest.welcome.uploadToken, { photo, shotId, type: "text/html" });
      expect(up.status).toBe(201);
      for (const url of [up.body.url, up.body.thumbUrl!]) {
        const r = await fetch(server.url + url);
        expect(r.status, url).toBe(200);
        expect(r.headers.get("Content-Type"), url).toBe("image/jpeg");
        expect(r.headers.get("X-Content-Type-Options"), url).toBe("nosniff");
        expect(r.headers.get("Content-Disposition"), url).toBe(
          `attachment; filename="${url.slice(url.lastIndexOf("/") + 1)}"`,
        );
        expect(r.headers.get("Content-Security-Policy"), url).toBe("default-src 'none'; sandbox");
        await r.arrayBuffer();
      }
      // A byte range and a cached second read carry them too.
      const part = await fetch(server.url + up.body.url, { headers: { Range: "bytes=0-9" } });
      expect(part.status).toBe(206);
      expect(part.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(part.headers.get("Content-Disposition")).toMatch(/^attachment;/);
      await part.arrayBuffer();
      guest.ws.close();
    });

    it("a room's socket refuses another site's page with 403 origin_not_allowed, and lets the app and Origin-less clients in", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const path = `/api/rooms/${roomId}/ws`;
      const upgrade = (origin: string) => ({
        headers: {
          Connection: "Upgrade",
          Upgrade: "websocket",
          "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
          Origin: origin,
        },
      });
      for (const origin of ["https://evil.example", "null", `${server.url}.evil.example`]) {
        const r = await rawRequest(server.url, path, upgrade(origin));
        expect({ origin, status: r.status, code: r.body?.error?.code }).toEqual({
          origin,
          status: 403,
          code: "origin_not_allowed",
        });
      }
      const opens = (origin?: string) =>
        new Promise<boolean>((resolve) => {
          const ws = new WebSocket(api.wsUrl(roomId), origin ? { origin } : {});
          ws.once("open", () => {
            ws.close();
            resolve(true);
          });
          ws.once("unexpected-response", () => resolve(false));
          ws.once("error", () => resolve(false));
        });
      expect(await opens(server.url)).toBe(true);
      expect(await opens()).toBe(true);
    });
  });
}
