// Uploads against their slot (one photo per member and shot) over real sockets: concurrent retries
// store one photo, and nobody can write into another member's slot.
import { describe, expect, inject, it } from "vitest";
import { b64url } from "../../worker/auth/token.ts";
import { Api } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { joinRaw } from "./kit/sockets.ts";

for (const server of inject("servers")) {
  describe(`upload slots on ${server.kind}`, () => {
    const api = new Api(server.url);

    async function roomWithShot(guests: string[]) {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const sockets = await Promise.all(guests.map((g) => joinRaw(api, roomId, g)));
      const { shotId } = (await api.shoot(roomId, token)).body;
      return { token, roomId, shotId, sockets };
    }

    it("six concurrent retries of one upload, some with other bytes, store one photo: one 201, five 200", async () => {
      const { roomId, shotId, sockets } = await roomWithShot(["dup-a"]);
      try {
        const t = sockets[0]!.welcome.uploadToken;
        const results = await Promise.all(
          [0, 0, 0, 1, 2, 3].map((v) => api.upload(roomId, t, { photo: photoFor(`dup-a-${v}`), shotId })),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
        expect(new Set(results.map((r) => r.body.photoId)).size).toBe(1);
        const listed = await api.listAll(roomId, shotId);
        expect(listed).toHaveLength(1);
        expect(listed[0]!.photoId).toBe(results[0]!.body.photoId);
        await sockets[0]!.next((m) => m.type === "shot-done" && m.uploaded === 1);
      } finally {
        for (const s of sockets) s.ws.close();
      }
    });

    it("a guest cannot write into another member's slot: the slot comes from the signed token alone", async () => {
      const { roomId, shotId, sockets } = await roomWithShot(["slot-a", "slot-b"]);
      const [a, b] = sockets as [(typeof sockets)[0], (typeof sockets)[0]];
      try {
        const bId = b.welcome.memberId;
        // A extra form field naming B is ignored: the photo lands in A's own slot.
        const form = new FormData();
        form.set("photo", new Blob([photoFor("from-a")], { type: "image/jpeg" }), "p.jpg");
        form.set("memberId", bId);
        form.set("mem", bId);
        const own = await api.json(`/api/rooms/${roomId}/photos`, {
          method: "POST",
          headers: { Authorization: `Bearer ${a.welcome.uploadToken}` },
          body: form,
        });
        expect(own.status).toBe(201);
        expect((await api.listAll(roomId, shotId)).map((p) => p.memberId)).toEqual([a.welcome.memberId]);

        // A's token with its payload edited to name B: the signature no longer matches.
        const [payload, sig] = a.welcome.uploadToken.split(".");
        const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
        const edited = `${b64url(new TextEncoder().encode(JSON.stringify({ ...claims, mem: bId })))}.${sig}`;
        const forged = await api.upload(roomId, edited, { photo: photoFor("forged"), shotId });
        expect(forged).toMatchObject({ status: 401, body: { error: { code: "bad_token" } } });

        // A token from another room, even for a member with the same shot open there.
        const other = await roomWithShot(["slot-elsewhere"]);
        const cross = await api.upload(roomId, other.sockets[0]!.welcome.uploadToken, { photo: photoFor("x"), shotId });
        expect(cross).toMatchObject({ status: 403, body: { error: { code: "wrong_room" } } });
        other.sockets[0]!.ws.close();

        const mine = await api.upload(roomId, b.welcome.uploadToken, { photo: photoFor("from-b"), shotId });
        expect(mine.status).toBe(201);
        const listed = await api.listAll(roomId, shotId);
        expect(listed.map((p) => p.memberId).sort()).toEqual([a.welcome.memberId, bId].sort());
      } finally {
        for (const s of sockets) s.ws.close();
      }
    });
  });
}
