// Bad HTTP input against a live room: broken uploads, forged, mismatched and expired tokens, unknown rooms,
// path tricks in ids and keys, malformed bodies and queries. Each is answered with its status and
// code in the one error shape, and the room keeps taking good uploads.
import { describe, expect, inject, it } from "vitest";
import { LIMITS } from "../../shared/protocol.ts";
import { b64url, type LoginClaims } from "../../worker/auth/token.ts";
import { Api, fixture } from "./kit/api.ts";
import { chunkedUpload, photoFor, rawRequest, signerFor } from "./kit/http-kit.ts";
import { joinRaw } from "./kit/sockets.ts";

type Answer = { status: number; body: any };

/** A form that names its shot twice (a FormData cannot be made to send that order by hand-written fields). */
const TWO_SHOTS = "----two-shots-boundary";
const twoShots = (shotId: string, photo: Uint8Array): Uint8Array => {
  const part = (head: string, body: Uint8Array | string) => [
    `--${TWO_SHOTS}\r\nContent-Disposition: form-data; ${head}\r\n\r\n`,
    body,
    "\r\n",
  ];
  const pieces = [
    ...part('name="shotId"', shotId),
    ...part('name="shotId"', shotId),
    ...part('name="photo"; filename="p.jpg"\r\nContent-Type: image/jpeg', photo),
    `--${TWO_SHOTS}--\r\n`,
  ];
  return new Uint8Array(Buffer.concat(pieces.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p)))));
};

/** The claims of a token, read without checking it. */
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as Record<string, unknown>;

const expectError = (r: Answer, status: number, code: string, what: string) => {
  expect({ what, status: r.status, code: r.body?.error?.code }).toEqual({ what, status, code });
  expect(typeof r.body.error.message, what).toBe("string");
};

for (const server of inject("servers")) {
  describe(`bad requests on ${server.kind}`, () => {
    const api = new Api(server.url);

    async function liveRoom() {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const guest = await joinRaw(api, roomId, "good-guest");
      const { shotId } = (await api.shoot(roomId, token)).body;
      return { token, roomId, shotId, guest, uploadToken: guest.welcome.uploadToken as string };
    }

    const form = (fields: Record<string, Uint8Array | string>) => {
      const f = new FormData();
      for (const [k, v] of Object.entries(fields)) {
        if (typeof v === "string") f.set(k, v);
        else f.set(k, new Blob([v], { type: "image/jpeg" }), `${k}.jpg`);
      }
      return f;
    };

    // Both readers of an upload form: streamed (the shot in the form) and whole (the shot in `?shot=`, as the app sends
    // it, where the store holds uploads whole: Workers).
    for (const inQuery of [false, true])
      it(`broken uploads get their status and code, and the member's slot stays free for its good photo (shot ${inQuery ? "in ?shot=" : "in the form"})`, async () => {
        const { roomId, shotId, guest, uploadToken } = await liveRoom();
        const photo = fixture("photo.jpg");
        const cases: Array<
          [
            string,
            { fields?: Record<string, Uint8Array | string>; shotQuery?: string; raw?: BodyInit },
            number,
            string,
            Record<string, string>?,
          ]
        > = [
          [
            "text as a photo",
            { fields: { photo: new TextEncoder().encode("hello, not a picture") } },
            415,
            "not_an_image",
          ],
          ["a photo cut in half", { fields: { photo: photo.subarray(0, photo.length >> 1) } }, 400, "truncated_image"],
          ["an empty photo", { fields: { photo: new Uint8Array(0) } }, 415, "not_an_image"],
          ["no photo field", { fields: { shotId } }, 400, "missing_photo"],
          ["the photo as a text field", { fields: { photo: "data:image/jpeg;base64,AAAA" } }, 400, "bad_form"],
          [
            "JSON instead of multipart",
            { raw: JSON.stringify({ photo: "x" }) },
            400,
            "bad_form",
            { "Content-Type": "application/json" },
          ],
          ["an empty body", { raw: "" }, 400, "bad_form"],
          ["a thumb that is text", { fields: { photo, thumb: new TextEncoder().encode("thumb") } }, 400, "bad_thumb"],
          [
            "a thumb over 256 kB",
            { fields: { photo, thumb: new Uint8Array(LIMITS.maxThumbBytes + 1) } },
            413,
            "thumb_too_large",
          ],
          ["a tile that is no image", { fields: { photo, tile: new Uint8Array(100) } }, 400, "bad_tile"],
          [
            "a tile over 64 kB",
            { fields: { photo, tile: new Uint8Array(LIMITS.maxTileBytes + 1) } },
            413,
            "tile_too_large",
          ],
          [
            "a photo over 15 MB",
            { fields: { photo: new Uint8Array(LIMITS.maxPhotoBytes + 1) } },
            413,
            "photo_too_large",
          ],
          [
            "a body over the whole limit",
            { fields: { photo: new Uint8Array(LIMITS.maxPhotoBytes + 1024 * 1024) } },
            413,
            "photo_too_large",
          ],
          [
            "a shot id with a path in it",
            inQuery ? { shotQuery: "../../meta", fields: { photo } } : { fields: { photo, shotId: "../../meta" } },
            404,
            "shot_not_found",
          ],
          [
            "a shotId sent twice",
            { raw: twoShots(shotId, photo) },
            400,
            "bad_form",
            { "Content-Type": `multipart/form-data; boundary=${TWO_SHOTS}` },
          ],
          ["a frameAt that is no number", { fields: { photo, frameAt: "soon" } }, 400, "bad_frame_at"],
        ];
        for (const [what, c, status, code, headers] of cases) {
          const query = c.shotQuery ?? (inQuery ? shotId : undefined);
          const path = `/api/rooms/${roomId}/photos${query === undefined ? "" : `?shot=${encodeURIComponent(query)}`}`;
          const body = c.raw ?? form(c.fields ?? {});
          expectError(
            await api.json(path, {
              method: "POST",
              headers: { Authorization: `Bearer ${uploadToken}`, ...headers },
              body,
            }),
            status,
            code,
            what,
          );
        }
        expect(await api.listAll(roomId)).toHaveLength(0);
        const good = await api.upload(roomId, uploadToken, { photo: photoFor("good"), shotId });
        expect(good.status).toBe(201);
        expect(await guest.next((m) => m.type === "shot-done")).toMatchObject({ uploaded: 1, missing: 0 });
        guest.ws.close();
      });

    it("a shotId field naming another shot than ?shot= is refused, whichever reader reads it", async () => {
      const { roomId, shotId, guest, uploadToken } = await liveRoom();
      const body = form({ shotId: "another-shot", photo: photoFor("two-shots") });
      const encoded = new Request("http://x/", { method: "POST", body });
      const contentType = encoded.headers.get("content-type")!;
      const r = await api.json(`/api/rooms/${roomId}/photos?shot=${shotId}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${uploadToken}` },
        body,
      });
      expectError(r, 400, "bad_form", "shotId against ?shot=");
      // Without a length the body is streamed: the same rule.
      const bytes = new Uint8Array(await encoded.arrayBuffer());
      const chunked = await api.json(`/api/rooms/${roomId}/photos?shot=${shotId}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${uploadToken}`, "Content-Type": contentType },
        body: new ReadableStream({
          start: (c) => {
            c.enqueue(bytes);
            c.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expectError(chunked, 400, "bad_form", "shotId against ?shot=, chunked");
      expect(await api.listAll(roomId)).toHaveLength(0);
      guest.ws.close();
    });

    it("a chunked upload over the limit is refused while its body is still arriving", async () => {
      const { roomId, guest, uploadToken } = await liveRoom();
      // Up to 128 MB with no Content-Length: only a server that counts as it reads answers before the end
      // (what the sockets' buffers hold and a loaded machine's delay let through varies: half is the bound).
      let r = await chunkedUpload(server.url, roomId, uploadToken, 128 * 1024 * 1024);
      // wrangler dev's proxy answers this 503 when its runtime restarts under a request, and asks for the
      // request again (it only retries GETs itself): not the worker's answer, so sent again, twice at most.
      for (let i = 0; i < 2 && r.body.startsWith("Your worker restarted mid-request"); i++)
        r = await chunkedUpload(server.url, roomId, uploadToken, 128 * 1024 * 1024);
      expect(r.statusLine, r.body).toMatch(/^HTTP\/1\.1 413/);
      if (r.body) expect(JSON.parse(r.body)).toMatchObject({ error: { code: "photo_too_large" } });
      expect(r.sent).toBeLessThan(64 * 1024 * 1024);
      guest.ws.close();
    });

    it("forged, mismatched and malformed tokens are refused with 401, and nothing lands", async () => {
      const { token, roomId, shotId, guest, uploadToken } = await liveRoom();
      const [payload, sig] = uploadToken.split(".") as [string, string];
      const photo = form({ photo: photoFor("forged"), shotId });
      const randomSig = b64url(crypto.getRandomValues(new Uint8Array(32)));
      const cases: Array<[string, Record<string, string>, number, string]> = [
        ["no Authorization", {}, 401, "unauthorized"],
        ["a Basic header", { Authorization: "Basic dXNlcjpwYXNz" }, 401, "unauthorized"],
        ["a random signature", { Authorization: `Bearer ${payload}.${randomSig}` }, 401, "bad_token"],
        ["a signature cut short", { Authorization: `Bearer ${payload}.${sig.slice(0, 20)}` }, 401, "bad_token"],
        ["an extra segment", { Authorization: `Bearer ${uploadToken}.x` }, 401, "bad_token"],
        ["alg none style", { Authorization: `Bearer ${payload}.` }, 401, "bad_token"],
        ["not base64url", { Authorization: `Bearer ${payload}.${sig.replace(/.$/, "+")}` }, 401, "bad_token"],
        ["a 10 kB token", { Authorization: `Bearer ${"a".repeat(10_000)}.${sig}` }, 401, "bad_token"],
        ["a login token", { Authorization: `Bearer ${token}` }, 401, "bad_token"],
      ];
      for (const [what, headers, status, code] of cases)
        expectError(
          await api.json(`/api/rooms/${roomId}/photos`, { method: "POST", headers, body: photo }),
          status,
          code,
          what,
        );
      // An upload token is no login: it cannot shoot or read reports.
      const shoot = await api.json(`/api/rooms/${roomId}/shoot`, {
        method: "POST",
        headers: { Authorization: `Bearer ${uploadToken}` },
      });
      expectError(shoot, 401, "bad_token", "upload token on shoot");
      expect(await api.listAll(roomId)).toHaveLength(0);
      expect((await api.upload(roomId, uploadToken, { photo: photoFor("real"), shotId })).status).toBe(201);
      guest.ws.close();
    });

    it("expired login and upload tokens are refused with 401 bad_token and nothing lands; the same claims unexpired are accepted", async (ctx) => {
      const { token } = await api.login();
      const login = claimsOf(token) as LoginClaims;
      // The tokens below are signed with the server's own secret, known only for a server the suite started.
      if (!server.authSecret) return ctx.skip(`${server.kind}'s AUTH_SECRET is not known to the suite`);
      const sign = signerFor(server.authSecret);
      expect(await sign(login)).toBe(token);
      const { roomId } = await api.createRoom(token);
      const guest = await joinRaw(api, roomId, "expiring-guest");
      const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
      const room = async () => (await api.json(`/api/rooms/${roomId}`)).body;

      // A login token that expired a second ago: no new room, no shot.
      const expiredLogin = await sign({ ...login, exp: Date.now() - 1000 });
      const create = { method: "POST", body: JSON.stringify({ title: "never" }) };
      expectError(await api.json("/api/rooms", { ...create, headers: auth(expiredLogin) }), 401, "bad_token", "create");
      const shootWith = (t: string) => api.json(`/api/rooms/${roomId}/shoot`, { method: "POST", headers: auth(t) });
      expectError(await shootWith(expiredLogin), 401, "bad_token", "shoot with an expired login");
      expect(await room()).toMatchObject({ state: "waiting" });
      expect((await room()).shot).toBeUndefined();
      // The same claims, unexpired: the expiry was all that was wrong.
      const freshLogin = await sign({ ...login, exp: Date.now() + 60_000 });
      expect((await api.json("/api/rooms", { ...create, headers: auth(freshLogin) })).status).toBe(201);
      const shot = await shootWith(freshLogin);
      expect(shot.status).toBe(202);
      const { shotId } = shot.body;

      // An upload token for the guest's own slot that expired a second ago: refused, nothing stored.
      const upload = { k: "upload" as const, room: roomId, mem: guest.welcome.memberId as string };
      expect(claimsOf(guest.welcome.uploadToken)).toMatchObject(upload);
      const expiredUpload = await sign({ ...upload, exp: Date.now() - 1000 });
      const photo = photoFor("expiring-guest");
      expectError(await api.upload(roomId, expiredUpload, { photo, shotId }), 401, "bad_token", "expired upload");
      expect(await api.listAll(roomId)).toHaveLength(0);
      expect((await room()).shot).toMatchObject({ shotId, state: "pending", uploaded: 0 });
      const freshUpload = await sign({ ...upload, exp: Date.now() + 60_000 });
      const up = await api.upload(roomId, freshUpload, { photo, shotId });
      expect(up.status).toBe(201);
      expect((await api.listAll(roomId)).map((p) => [p.photoId, p.memberId])).toEqual([[up.body.photoId, upload.mem]]);
      expect(await guest.next((m) => m.type === "shot-done")).toMatchObject({ shotId, uploaded: 1, missing: 0 });
      guest.ws.close();
    });

    it("unknown rooms and path tricks in ids and keys answer 404, and never reach another room's files", async () => {
      const a = await liveRoom();
      const b = await liveRoom();
      const up = await api.upload(a.roomId, a.uploadToken, { photo: photoFor("room-a"), shotId: a.shotId });
      expect(up.status).toBe(201);
      const file = up.body.url.split("/").pop() as string;
      const [sha] = file.split(".") as [string];
      const owner = { Authorization: `Bearer ${b.token}` };
      const unknown = "AAAAAAAAAAAAAAAAAAAAAA";
      const cases: Array<[string, string, number, string, string?]> = [
        ["an unknown room", `/api/rooms/${unknown}`, 404, "room_not_found"],
        ["an unknown room's photos", `/api/rooms/${unknown}/photos`, 404, "room_not_found"],
        ["an id one character short", `/api/rooms/${a.roomId.slice(1)}`, 404, "room_not_found"],
        ["an encoded climb as id", `/api/rooms/..%2F..%2Fetc%2Fpasswd`, 404, "room_not_found"],
        ["encoded dots as id", `/api/rooms/%2e%2e%2f%2e%2e%2f%2e%2e%2fxx/photos`, 404, "room_not_found"],
        ["a NUL in the id", `/api/rooms/${a.roomId.slice(0, 21)}%00`, 404, "room_not_found"],
        ["non-ASCII id", `/api/rooms/${encodeURIComponent("ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ")}`, 404, "room_not_found"],
        ["room A's file through room B", `/api/rooms/${b.roomId}/files/${file}`, 404, "file_not_found"],
        [
          "a climb in the file name",
          `/api/rooms/${b.roomId}/files/..%2F..%2F${a.roomId}%2F${file}`,
          404,
          "file_not_found",
        ],
        ["an upper-case hash", `/api/rooms/${a.roomId}/files/${sha.toUpperCase()}.jpg`, 404, "file_not_found"],
        ["another extension", `/api/rooms/${a.roomId}/files/${sha}.jpg%00.png`, 404, "file_not_found"],
        ["a raw tile", `/api/rooms/${a.roomId}/files/${sha}.rgba`, 404, "file_not_found"],
        ["a climbing shot id", `/api/rooms/${b.roomId}/shots/..%2F..%2Fmeta`, 404, "shot_not_found", "owner"],
        [
          "a climbing photo id",
          `/api/rooms/${b.roomId}/photos/..%2F..%2F${up.body.photoId}`,
          404,
          "photo_not_found",
          "delete",
        ],
        [
          "room A's photo deleted through room B",
          `/api/rooms/${b.roomId}/photos/${up.body.photoId}`,
          404,
          "photo_not_found",
          "delete",
        ],
      ];
      for (const [what, path, status, code, as] of cases) {
        const init = as === "delete" ? { method: "DELETE", headers: owner } : as === "owner" ? { headers: owner } : {};
        expectError(await rawRequest(server.url, path, init), status, code, what);
      }
      // A literal `..` path either misses (404) or, once a proxy normalises it to /etc/passwd outside /api,
      // gets the web app's index.html (wrangler dev's static assets): never a file from disk.
      const literal = await rawRequest(server.url, `/api/rooms/${a.roomId}/../../../etc/passwd`);
      const text = typeof literal.body === "string" ? literal.body : JSON.stringify(literal.body);
      expect(text).not.toMatch(/root:/);
      if (literal.status !== 404) expect(text).toMatch(/<html/i);
      expect((await api.download(up.body.url)).length).toBeGreaterThan(0);
      expect((await api.listAll(a.roomId)).map((p) => p.photoId)).toEqual([up.body.photoId]);
      a.guest.ws.close();
      b.guest.ws.close();
    });

    it("malformed JSON bodies, oversize bodies and bad query parameters answer 400 or 413 with their code", async () => {
      const { token, roomId, guest } = await liveRoom();
      const auth = { Authorization: `Bearer ${token}` };
      const cases: Array<[string, string, RequestInit, number, string]> = [
        ["a broken login body", "/api/login", { method: "POST", body: "{not json" }, 400, "bad_json"],
        ["an array login body", "/api/login", { method: "POST", body: "[]" }, 400, "bad_json"],
        ["a number as name", "/api/login", { method: "POST", body: '{"name":5}' }, 400, "bad_name"],
        [
          "a long name",
          "/api/login",
          { method: "POST", body: JSON.stringify({ name: "n".repeat(41) }) },
          400,
          "bad_name",
        ],
        [
          "a 5 kB body",
          "/api/login",
          { method: "POST", body: JSON.stringify({ name: "x".repeat(5000) }) },
          413,
          "body_too_large",
        ],
        [
          "a long title",
          "/api/rooms",
          { method: "POST", headers: auth, body: JSON.stringify({ title: "t".repeat(81) }) },
          400,
          "bad_title",
        ],
        ["an object title", "/api/rooms", { method: "POST", headers: auth, body: '{"title":{}}' }, 400, "bad_title"],
        ["limit 0", `/api/rooms/${roomId}/photos?limit=0`, {}, 400, "bad_limit"],
        ["limit 1e9", `/api/rooms/${roomId}/photos?limit=1e9`, {}, 400, "bad_limit"],
        ["a word as limit", `/api/rooms/${roomId}/photos?limit=all`, {}, 400, "bad_limit"],
        ["a negative cursor", `/api/rooms/${roomId}/photos?cursor=-1`, {}, 400, "bad_cursor"],
        ["a huge cursor", `/api/rooms/${roomId}/photos?cursor=1e99`, {}, 400, "bad_cursor"],
        [
          "an injected cursor",
          `/api/rooms/${roomId}/photos?cursor=${encodeURIComponent("1 OR 1=1")}`,
          {},
          400,
          "bad_cursor",
        ],
        ["an unknown route", "/api/nothing-here", {}, 404, "not_found"],
        ["an unknown method", `/api/rooms/${roomId}`, { method: "PUT", body: "{}" }, 404, "not_found"],
      ];
      for (const [what, path, init, status, code] of cases) expectError(await api.json(path, init), status, code, what);
      expect((await api.json(`/api/rooms/${roomId}/photos?shot=${encodeURIComponent("' OR 1=1 --")}`)).body).toEqual({
        photos: [],
      });
      guest.ws.close();
    });
  });
}
