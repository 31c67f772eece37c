// The guest page in a big room's upload spread, in Chromium on a private server of each kind with
// UPLOAD_SPREAD_RATE=1: two guests make a 2 s spread, a guest whose draw is late in it says "Uploading in N s"
// before it uploads, and both photos land.
import { describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { startServer, type LocalServer, type ServerKind } from "../../scripts/local-server.ts";
import { Api } from "../e2e/kit/api.ts";
import { guestJoins, organiserCreatesRoom, serversOrNone, waitForText } from "./app-steps.ts";
import { launchChromium, phonePage, screenshot } from "./chromium.ts";

const chromiumPath = inject("chromium");
const servers = inject("servers");

describe.skipIf(!chromiumPath)("the upload spread in Chromium", () => {
  it.each(serversOrNone(servers))(
    "on $kind: a guest late in the spread counts down to its upload, and both photos land",
    async ({ kind }) => {
      let server: LocalServer | null = null;
      let browser: Browser | null = null;
      try {
        server = await startServer(kind as ServerKind, { vars: { UPLOAD_SPREAD_RATE: "1" } });
        const api = new Api(server.url);
        browser = await launchChromium(chromiumPath!);
        const org = await phonePage(browser);
        const { joinUrl, roomId } = await organiserCreatesRoom(org, server.url, "Spread");
        const guests = [await phonePage(browser), await phonePage(browser)];
        // The second guest draws 0.9 of the spread: 1.8 s after the instant.
        await guests[1]!.addInitScript("Math.random = () => 0.9");
        for (const [i, g] of guests.entries()) await guestJoins(g, joinUrl, `Guest ${i + 1}`);
        await waitForText(org, "ready-count", /^2$/);

        await org.getByRole("button", { name: "Shoot" }).click();
        await guests[1]!.locator('.guest[data-state="queued"]').waitFor({ timeout: 30_000 });
        await waitForText(guests[1]!, "guest-state", /^Got it! Uploading in [12] s/);
        await screenshot(guests[1]!, "spread-01-guest-waits-its-turn");
        for (const g of guests) await g.locator('.guest[data-state="uploaded"]').waitFor({ timeout: 30_000 });
        const shot = (await api.json(`/api/rooms/${roomId}`)).body.shot;
        expect(shot).toMatchObject({ uploaded: 2, expected: 2 });
        expect(shot.deadline - shot.at).toBe(2000 + 60_000);
      } finally {
        await browser?.close();
        await server?.stop();
      }
    },
  );
});
