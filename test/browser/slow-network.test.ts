// A guest on a slow network, in Chromium: its screen says plainly that the network is too slow to prove a
// tighter clock (half its round trip is unobservable), while a guest on loopback shows "clock ±N ms", and
// the organiser sees, before shooting, that one of the two ready guests is in that state.
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { DelayProxy } from "../../scripts/delay-proxy.ts";
import { WIDE_CLOCK_BOUND_MS } from "../../shared/protocol.ts";
import { launchChromium, phonePage, screenshot } from "./chromium.ts";

const chromiumPath = inject("chromium");
const servers = inject("servers");

const waitForText = (page: Page, testId: string, text: RegExp, timeout = 30_000) =>
  page.getByTestId(testId).filter({ hasText: text }).waitFor({ timeout });

async function joinAsGuest(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Start camera" }).click();
  await waitForText(page, "status", /^connected$/);
}

describe.skipIf(!chromiumPath)("a guest on a slow network", () => {
  it.each(servers.length > 0 ? servers : [{ kind: "none", url: "", authSecret: null }])(
    "on $kind: the guest's screen says the network is too slow to prove better, and the organiser counts it",
    async (server) => {
      // 80 ms each way: a round trip of at least 160 ms, so no bound under 80 ms can be proven.
      const proxy = await DelayProxy.start(server.url);
      proxy.upMs = 80;
      proxy.downMs = 80;
      const browser = await launchChromium(chromiumPath!);
      try {
        const org = await phonePage(browser);
        await org.goto(`${server.url}/`);
        await org.getByLabel("Your name").fill("Olga");
        await org.getByRole("button", { name: "Log in" }).click();
        await org.getByLabel("Room title").fill("Slow network");
        await org.getByRole("button", { name: "Create a room" }).click();
        const joinUrl = (await org.getByTestId("join-url").getAttribute("href"))!;
        await waitForText(org, "status", /^connected$/);

        const near = await phonePage(browser);
        await joinAsGuest(near, joinUrl, "Near");
        await waitForText(near, "clock", /· clock ±\d+(\.\d)? ms$/);
        await waitForText(org, "ready-count", /^1$/);
        await expect.poll(() => org.getByTestId("wide-count").textContent()).toBe("");

        const far = await phonePage(browser);
        await joinAsGuest(far, joinUrl.replace(server.url, proxy.url), "Far");
        await waitForText(far, "clock", /· network too slow to prove the clock better than ±(8\d|9\d|\d{3}) ms$/);
        await waitForText(org, "ready-count", /^2$/);
        await waitForText(
          org,
          "wide-count",
          new RegExp(`^1 guest's network is too slow to prove their clock better than ±${WIDE_CLOCK_BOUND_MS} ms$`),
        );
        await screenshot(far, "slow-network-guest");
        await screenshot(org, "slow-network-organiser");
        // The slow guest leaves: the organiser's count follows.
        await far.close();
        await expect.poll(() => org.getByTestId("wide-count").textContent(), { timeout: 30_000 }).toBe("");
      } finally {
        await browser.close();
        await proxy.close();
      }
    },
  );
});
