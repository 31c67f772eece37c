// An upload whose body stops before its declared end (a phone's link going half-closed, or a server
// shutting down under it) is answered as retryable, never as the client's malformed input.
import { describe, expect, inject, it } from "vitest";
import { Api } from "./kit/api.ts";
import { hangingUpload, photoFor } from "./kit/http-kit.ts";

for (const server of inject("servers")) {
  describe(`an interrupted upload on ${server.kind}`, () => {
    it("is answered 503 body_interrupted or not at all, never 4xx, and lands no photo", async () => {
      const api = new Api(server.url);
      const { token } = await api.login("Owner");
      const { roomId } = await api.createRoom(token, "Interrupted upload");
      const guest = api.client(roomId, { clientId: "interrupted-0", name: "Guest" });
      try {
        await guest.once("welcome");
        const fired = guest.once("fire");
        const { shotId } = (await api.shoot(roomId, token)).body;
        await fired;
        const photo = photoFor("interrupted");
        const upload = await hangingUpload(
          server.url,
          roomId,
          guest.uploadToken!,
          { photo, shotId },
          photo.length >> 1,
        );
        upload.halfClose();
        const status = (await upload.ended).split("\r\n")[0];
        if (status) expect(status).toMatch(/^HTTP\/1\.1 503/);
        expect(await api.listAll(roomId, shotId)).toHaveLength(0);
      } finally {
        guest.close();
      }
    });
  });
}
