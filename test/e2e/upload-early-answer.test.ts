// An upload is answered as soon as it can be refused: the room's check runs on the shot, before the photo
// is read, and a form with more parts than an upload has is refused at the part that passes the limit.
import { connect } from "node:net";
import { describe, expect, inject, it } from "vitest";
import { Api } from "./kit/api.ts";
import { photoFor } from "./kit/http-kit.ts";
import { joinRaw, sleep } from "./kit/sockets.ts";

/** Sends the head and the first `sendBytes` of the body, keeps the connection open, and resolves with the
 *  answer's status line and body once one arrives (or "" after `waitMs`). */
async function partialUpload(serverUrl: string, path: string, token: string, form: FormData, sendBytes: number) {
  const req = new Request("http://x/", { method: "POST", body: form });
  const body = new Uint8Array(await req.arrayBuffer());
  const u = new URL(serverUrl);
  const sock = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  let answer = "";
  sock.on("error", () => {});
  const head = `POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${req.headers.get("content-type")}\r\nContent-Length: ${body.length}\r\n\r\n`;
  sock.write(head);
  sock.write(body.subarray(0, sendBytes));
  const answered = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), 10_000);
    sock.on("data", (d: Buffer) => {
      answer += d.toString();
      if (/\r\n\r\n[\s\S]*\}/.test(answer)) {
        clearTimeout(t);
        resolve(true);
      }
    });
  });
  sock.destroy();
  return { answered, status: answer.split("\r\n")[0] ?? "", body: answer.slice(answer.indexOf("\r\n\r\n") + 4) };
}

for (const server of inject("servers")) {
  describe(`early answers to uploads on ${server.kind}`, () => {
    const api = new Api(server.url);

    // The shot in the form (streamed) or in `?shot=`, as the app sends it (read whole where the store holds uploads whole).
    for (const inQuery of [false, true])
      it(`a member not in the shot is refused before its photo is sent (shot ${inQuery ? "in ?shot=" : "in the form"})`, async () => {
        const { token } = await api.login();
        const { roomId } = await api.createRoom(token);
        const inShot = await joinRaw(api, roomId, "in-shot");
        const { shotId, at } = (await api.shoot(roomId, token)).body;
        // Joined after the instant (same machine, same clock): not one of the shot's members.
        await sleep(Math.max(0, at - Date.now()) + 200);
        const late = await joinRaw(api, roomId, "joined-after-the-shot");
        const form = new FormData();
        form.set("shotId", shotId);
        form.set("photo", new Blob([photoFor("late")], { type: "image/jpeg" }), "photo.jpg");
        // The shot and the photo's first 4 kB of 226 kB: a server that reads the whole body first never answers.
        const path = `/api/rooms/${roomId}/photos${inQuery ? `?shot=${shotId}` : ""}`;
        const r = await partialUpload(server.url, path, late.welcome.uploadToken, form, 4096);
        expect(r.answered, r.status).toBe(true);
        expect(r.status).toMatch(/^HTTP\/1\.1 403/);
        expect(JSON.parse(r.body)).toMatchObject({ error: { code: "not_in_shot" } });
        expect(await api.listAll(roomId)).toHaveLength(0);
        inShot.ws.close();
        late.ws.close();
      });

    it("a form with more parts than an upload has is refused with 400, and the slot stays free", async () => {
      const { token } = await api.login();
      const { roomId } = await api.createRoom(token);
      const guest = await joinRaw(api, roomId, "many-parts");
      const { shotId } = (await api.shoot(roomId, token)).body;
      const form = new FormData();
      form.set("shotId", shotId);
      for (let i = 0; i < 5000; i++) form.append(`extra${i}`, "x");
      form.set("photo", new Blob([photoFor("many-parts")], { type: "image/jpeg" }), "photo.jpg");
      const r = await api.json(`/api/rooms/${roomId}/photos`, {
        method: "POST",
        headers: { Authorization: `Bearer ${guest.welcome.uploadToken}` },
        body: form,
      });
      expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 400, code: "bad_form" });
      expect((await api.upload(roomId, guest.welcome.uploadToken, { photo: photoFor("good"), shotId })).status).toBe(
        201,
      );
      guest.ws.close();
    });
  });
}
