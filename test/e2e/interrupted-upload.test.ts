// An upload whose body stops before its declared end (a phone's link going half-closed, or a server
// shutting down under it) is answered as retryable, never as the client's malformed input.
import { connect } from "node:net";
import { describe, expect, inject, it } from "vitest";
import { Api } from "./kit/api.ts";
import { multipart, photoFor } from "./kit/http-kit.ts";

/** Sends the head and `keep` body bytes, half-closes the socket and returns whatever answer arrives. */
async function halfSentUpload(serverUrl: string, path: string, head: string, body: Uint8Array, keep: number) {
  const u = new URL(serverUrl);
  const sock = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  let answer = "";
  sock.on("data", (d: Buffer) => (answer += d.toString()));
  sock.on("error", () => {});
  sock.write(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\n${head}\r\n\r\n`);
  sock.write(body.subarray(0, keep));
  sock.end();
  await new Promise((r) => sock.once("close", r));
  return answer.split("\r\n")[0] ?? "";
}

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
        const { head, body } = await multipart(guest.uploadToken!, { photo: photoFor("interrupted"), shotId });
        const status = await halfSentUpload(server.url, `/api/rooms/${roomId}/photos`, head, body, body.length >> 1);
        if (status) expect(status).toMatch(/^HTTP\/1\.1 503/);
        expect(await api.listAll(roomId, shotId)).toHaveLength(0);
      } finally {
        guest.close();
      }
    });
  });
}
