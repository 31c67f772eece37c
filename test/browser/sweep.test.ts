// The bullet-time sweep in Chromium: seven guests set their places on the ring (six over plain sockets with
// photos of one colour each, one a real phone page that sets the dial and uploads its camera frame), the
// organiser opens the sweep, sees them in ring order and exports a WebM in the browser; the file plays, has
// one frame per photo, and each frame is the photo in ring order. The video is kept in test-results/browser/.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PhotonImage } from "@cf-wasm/photon";
import { ALL_FORMATS, BufferSource, Input } from "mediabunny";
import { describe, expect, inject, it } from "vitest";
import { Api } from "../e2e/kit/api.ts";
import { guestJoins, organiserCreatesRoom, serversOrNone } from "./app-steps.ts";
import { SCREENSHOTS, launchChromium, phonePage, screenshot } from "./chromium.ts";

const chromiumPath = inject("chromium");
const servers = inject("servers");

/** Six socket guests: the colour of each one's photo and its place on the ring (degrees). */
const SOCKET_GUESTS: Array<{ rgb: [number, number, number]; place: number }> = [
  { rgb: [220, 30, 30], place: 200 },
  { rgb: [30, 200, 30], place: 10 },
  { rgb: [30, 30, 220], place: 300 },
  { rgb: [230, 220, 30], place: 90 },
  { rgb: [220, 30, 220], place: 150 },
  { rgb: [30, 210, 220], place: 45 },
];
const PHONE_PLACE = 100;

function solidJpeg([r, g, b]: [number, number, number]): Uint8Array {
  const w = 320;
  const h = 240;
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) px.set([r, g, b, 255], i * 4);
  const img = new PhotonImage(px, w, h);
  try {
    return img.get_bytes_jpeg(92);
  } finally {
    img.free();
  }
}

const close = (a: number[], b: number[], tolerance = 40) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

describe.skipIf(!chromiumPath)("the bullet-time sweep in Chromium", () => {
  it.each(serversOrNone(servers))(
    "on $kind: seven guests' photos play in ring order and export as a WebM with one frame per photo",
    async (server) => {
      const api = new Api(server.url);
      const browser = await launchChromium(chromiumPath!);
      const sockets: Awaited<ReturnType<Api["joinGuest"]>>[] = [];
      try {
        const org = await phonePage(browser);
        await org.setViewportSize({ width: 1100, height: 1400 });
        const { joinUrl, roomId } = await organiserCreatesRoom(org, server.url, "Sweep");

        // One real phone sets its place with the dial; six guests over sockets send theirs.
        const phone = await phonePage(browser);
        await guestJoins(phone, joinUrl, "Phone");
        await phone.getByText("Bullet time: your place around the subject").click();
        await phone.getByLabel("Place").fill(String(PHONE_PLACE));
        await phone
          .getByTestId("place")
          .filter({ hasText: `${PHONE_PLACE}°` })
          .waitFor();
        for (const [i, g] of SOCKET_GUESTS.entries()) {
          const s = await api.joinGuest(roomId, `sweep-${i}`);
          s.ws.send(JSON.stringify({ type: "place", place: g.place }));
          sockets.push(s);
        }
        await org.getByTestId("joined-count").filter({ hasText: /^7$/ }).waitFor({ timeout: 15_000 });

        await org.getByRole("button", { name: "Shoot" }).click();
        await phone.locator(`.guest[data-state="uploaded"]`).waitFor({ timeout: 30_000 });
        await Promise.all(
          SOCKET_GUESTS.map(async (g, i) => {
            const r = await api.upload(roomId, sockets[i]!.uploadToken, { photo: solidJpeg(g.rgb) });
            expect(r.status).toBe(201);
          }),
        );

        // The sweep: seven photos, in ring order (the phone, at 100°, between 90° and 150°).
        await org.getByText("Bullet-time sweep").click();
        await org.getByTestId("sweep-note").filter({ hasText: "7 photos in ring order" }).waitFor({ timeout: 15_000 });
        const order = await org
          .locator(".sweep-strip li")
          .evaluateAll((lis) => lis.map((li) => li.getAttribute("title")));
        expect(order).toEqual(["sweep-1", "sweep-5", "sweep-3", "Phone", "sweep-4", "sweep-0", "sweep-2"]);
        await org.getByRole("button", { name: "Play" }).click();
        await org.getByRole("button", { name: "Pause" }).click();
        await screenshot(org, "sweep-01-ring-order");

        // Exported in the browser: a WebM (WebCodecs + mediabunny) with one frame per photo.
        await org.getByRole("button", { name: "Export video" }).click();
        const link = org.getByTestId("sweep-download");
        await link.waitFor({ timeout: 60_000 });
        expect(await link.getAttribute("data-type")).toBe("video/webm");
        expect(await link.getAttribute("data-frames")).toBe("7");
        const href = (await link.getAttribute("href"))!;
        const bytes = new Uint8Array(
          await org.evaluate(async (u) => [...new Uint8Array(await (await fetch(u)).arrayBuffer())], href),
        );
        // Kept beside the screenshots (test-results/browser/<server>/sweep.webm).
        mkdirSync(join(SCREENSHOTS, server.kind), { recursive: true });
        writeFileSync(join(SCREENSHOTS, server.kind, "sweep.webm"), bytes);
        const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
        const track = (await input.getPrimaryVideoTrack())!;
        expect((await track.computePacketStats()).packetCount).toBe(7);

        // It plays: each frame, read back from a <video>, is the photo in ring order.
        const centres = await org.evaluate(async (u) => {
          // Runs in the page (this project's types have no DOM library).
          const document = (globalThis as any).document;
          const v = document.createElement("video");
          v.muted = true;
          v.src = u;
          await new Promise((r, j) => {
            v.onloadeddata = r;
            v.onerror = () => j(new Error("the video does not load"));
          });
          const canvas = document.createElement("canvas");
          canvas.width = v.videoWidth;
          canvas.height = v.videoHeight;
          const ctx = canvas.getContext("2d")!;
          const out: number[][] = [];
          const decoded = v as { onseeked: unknown; currentTime: number };
          for (let i = 0; i < 7; i++) {
            await new Promise((r) => {
              decoded.onseeked = r;
              decoded.currentTime = (i + 0.5) / 12;
            });
            ctx.drawImage(v, 0, 0);
            out.push(Array.from(ctx.getImageData(canvas.width >> 1, canvas.height >> 1, 1, 1).data.slice(0, 3)));
          }
          await v.play();
          v.pause();
          return out;
        }, href);
        const expected = [1, 5, 3, null, 4, 0, 2].map((i) => (i === null ? null : SOCKET_GUESTS[i]!.rgb));
        for (const [i, rgb] of expected.entries()) {
          if (rgb) expect(close(centres[i]!, rgb), `frame ${i}: ${centres[i]} vs ${rgb}`).toBe(true);
          else for (const g of SOCKET_GUESTS) expect(close(centres[i]!, g.rgb, 20)).toBe(false);
        }
        await screenshot(org, "sweep-02-exported");
      } finally {
        for (const s of sockets) s.ws.close();
        await browser.close();
      }
    },
    120_000,
  );
});
