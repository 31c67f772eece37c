// A photo's moment end to end on both servers: a JPEG with the EXIF the phone writes comes back byte for byte
// from its file URL, its thumb's URL and the owner's ZIP, its EXIF readable by exifr; the listing has its moment.
import exifr from "exifr";
import { describe, expect, inject, it } from "vitest";
import { withExif } from "../../shared/exif-writer.ts";
import type { PhotoPage } from "../../shared/protocol.ts";
import { unzipStored } from "../unzip-stored.ts";
import { Api, fixture } from "./kit/api.ts";

const RAW = { userComment: true, reviveValues: false, translateValues: false };

for (const server of inject("servers")) {
  describe(`photo EXIF on ${server.kind}`, () => {
    it("keeps the photo's EXIF moment in the file, the thumb and the ZIP, and lists its moment", async () => {
      const api = new Api(server.url);
      const { token } = await api.login("Owner");
      const { roomId } = await api.createRoom(token, "Gala");
      const guest = await api.joinGuest(roomId, "exif-guest");
      try {
        const { shotId, at } = (await api.shoot(roomId, token)).body;
        const frameAt = at + 4.5;
        const description = "Simulshot: Gala, by Zoë. Photo taken 4.5 ms after the instant, clock ±0.8 ms";
        const photo = withExif(fixture("photo.jpg"), { time: frameAt, description });
        const thumb = withExif(fixture("thumb.jpg"), { time: frameAt, description });
        const form = new FormData();
        form.set("shotId", shotId);
        form.set("photo", new Blob([photo], { type: "image/jpeg" }), "photo.jpg");
        form.set("thumb", new Blob([thumb], { type: "image/jpeg" }), "thumb.jpg");
        form.set("frameAt", String(frameAt));
        form.set("bound", "0.8");
        const up = await api.json(`/api/rooms/${roomId}/photos`, {
          method: "POST",
          headers: { Authorization: `Bearer ${guest.uploadToken}` },
          body: form,
        });
        expect(up.status).toBe(201);

        const [listed] = (await api.json<PhotoPage>(`/api/rooms/${roomId}/photos?shot=${shotId}`)).body.photos;
        expect(listed).toMatchObject({ frameOffset: 4.5, bound: 0.8 });

        const served = await api.download(listed!.url);
        expect(Buffer.from(served).equals(Buffer.from(photo))).toBe(true);
        const tags = await exifr.parse(served, RAW);
        const expected = new Date(Math.floor(frameAt)).toISOString();
        expect(`${tags.DateTimeOriginal}.${tags.SubSecTimeOriginal}`).toBe(
          `${expected.slice(0, 10).replaceAll("-", ":")} ${expected.slice(11, 23)}`,
        );
        expect(tags.OffsetTimeOriginal).toBe("+00:00");
        expect(tags.ImageDescription).toBe(
          "Simulshot: Gala, by Zoe. Photo taken 4.5 ms after the instant, clock +/-0.8 ms",
        );
        expect((await exifr.parse(served)).XPComment).toBe(description);

        const servedThumb = await api.download(listed!.thumbUrl!);
        expect(Buffer.from(servedThumb).equals(Buffer.from(thumb))).toBe(true);

        // The owner's login token goes in the header: a URL takes only a short-lived ZIP link's token.
        const zip = await fetch(`${server.url}/api/rooms/${roomId}/photos.zip?shot=${shotId}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(zip.status).toBe(200);
        const [entry] = unzipStored(new Uint8Array(await zip.arrayBuffer()));
        expect(Buffer.from(entry!.data).equals(Buffer.from(photo))).toBe(true);
        expect((await exifr.parse(entry!.data, RAW)).DateTimeOriginal).toBe(tags.DateTimeOriginal);
      } finally {
        guest.ws.close();
      }
    });
  });
}
