// A real guest's photo knows its moment (issue 16): in Chromium with a fake camera, the uploaded JPEG's EXIF
// names the frame's time in server UTC near the shot's instant, the lightbox says how far from it the frame was,
// and the organiser's report shows what the photos show beside the shutter timer.
import exifr from "exifr";
import { describe, expect, inject, it } from "vitest";
import type { PhotoView } from "../../shared/protocol.ts";
import { Api } from "../e2e/kit/api.ts";
import { guestJoins, organiserCreatesRoom, serversOrNone, waitForText } from "./app-steps.ts";
import { launchChromium, phonePage, screenshot } from "./chromium.ts";

const chromiumPath = inject("chromium");
const servers = inject("servers");

/** EXIF's "YYYY:MM:DD HH:MM:SS" + SubSec digits, read as UTC ms. */
const exifTime = (dateTime: string, subSec: string) =>
  Date.parse(`${dateTime.slice(0, 10).replaceAll(":", "-")}T${dateTime.slice(11)}Z`) + Number(`0.${subSec}`) * 1000;

describe.skipIf(!chromiumPath)("a photo's moment in Chromium", () => {
  it.each(serversOrNone(servers))(
    "on $kind: the guest's uploaded photo carries its moment in EXIF and the lightbox says it",
    async (server) => {
      const api = new Api(server.url);
      const browser = await launchChromium(chromiumPath!);
      try {
        const org = await phonePage(browser);
        const { joinUrl, roomId } = await organiserCreatesRoom(org, server.url, "Fête");

        const guest = await phonePage(browser);
        await guestJoins(guest, joinUrl, "Zoë");
        await waitForText(guest, "clock", /clock ±\d+(\.\d)? ms/);
        await waitForText(org, "ready-count", /^1$/);

        await org.getByRole("button", { name: "Shoot" }).click();
        await guest.locator('.guest[data-state="uploaded"]').waitFor({ timeout: 30_000 });

        const room = await api.json(`/api/rooms/${roomId}`);
        const { shotId, at } = room.body.shot as { shotId: string; at: number };
        const login = await org.evaluate<string | null>("localStorage.getItem('simulshot.login')");
        const report = await api.json(`/api/rooms/${roomId}/shots/${shotId}`, {
          headers: { Authorization: `Bearer ${(JSON.parse(login!) as { token: string }).token}` },
        });
        const [photo] = (await api.listAll(roomId, shotId)) as PhotoView[];
        expect(photo!.frameOffset).toBeTypeOf("number");
        // Near the instant: a loaded box delays headless Chromium's fake camera frames (729 ms in a clean-clone
        // run of the whole suite; 10–60 ms alone), a broken moment would be seconds off or missing.
        expect(Math.abs(photo!.frameOffset!)).toBeLessThan(1500);
        expect(photo!.bound).toBeGreaterThanOrEqual(0);
        expect(report.body.members[0]).toMatchObject({ frameOffset: photo!.frameOffset, frameBound: photo!.bound });

        const tags = await exifr.parse(await api.download(photo!.url), { reviveValues: false });
        expect(tags.OffsetTimeOriginal).toBe("+00:00");
        const taken = exifTime(tags.DateTimeOriginal, tags.SubSecTimeOriginal);
        // The EXIF time is the frame's, to the millisecond it writes: the instant plus the listed offset.
        expect(Math.abs(taken - Math.floor(at + photo!.frameOffset!))).toBeLessThanOrEqual(1);
        expect(tags.ImageDescription).toMatch(/^Simulshot: Fete, by Zoe\. Photo taken .*, clock \+\/-\d+\.\d ms/);
        expect((await exifr.parse(await api.download(photo!.url))).XPComment).toMatch(/Fête, by Zoë/);
        // The thumb the phone made carries it too.
        expect(
          (await exifr.parse(await api.download(photo!.thumbUrl!), { reviveValues: false })).DateTimeOriginal,
        ).toBe(tags.DateTimeOriginal);

        await org.getByTestId("frame-histogram").waitFor();
        await org.getByText("What the photos show (1)").waitFor();
        await org
          .locator(".gallery figure.photo")
          .first()
          .getByRole("button", { name: /Open the photo/ })
          .click();
        const moment = org.locator(".lightbox").getByTestId("moment");
        await moment.waitFor();
        expect(await moment.textContent()).toMatch(
          /^taken (\d+\.\d ms (after|before) the instant|at the instant), clock ±\d+\.\d ms · $/,
        );
        await screenshot(org, "10-organiser-lightbox-moment");
      } finally {
        await browser.close();
      }
    },
  );
});
