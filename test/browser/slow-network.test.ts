// A guest on a slow network, in Chromium: its screen says plainly that the network is too slow to prove a
// tighter clock (half its round trip is unobservable), while a guest on loopback shows "clock ±N ms", and
// the organiser sees, before shooting, that one of the two ready guests is in that state.
import { describe, expect, inject, it } from "vitest";
import { DelayProxy } from "../../scripts/delay-proxy.ts";
import { WIDE_CLOCK_BOUND_MS } from "../../shared/protocol.ts";
import { guestJoins, organiserCreatesRoom, serversOrNone, waitForText } from "./app-steps.ts";
import { launchChromium, phonePage, screenshot } from "./chromium.ts";

const chromiumPath = inject("chromium");
const servers = inject("servers");

describe.skipIf(!chromiumPath)("a guest on a slow network", () => {
  it.each(serversOrNone(servers))(
    "on $kind: the guest's screen says the network is too slow to prove better, and the organiser counts it",
    async (server) => {
      // 80 ms each way: a round trip of at least 160 ms, so no bound under 80 ms can be proven.
      const proxy = await DelayProxy.start(server.url);
      proxy.upMs = 80;
      proxy.downMs = 80;
      const browser = await launchChromium(chromiumPath!);
      try {
        const org = await phonePage(browser);
        const { joinUrl } = await organiserCreatesRoom(org, server.url, "Slow network");

        const near = await phonePage(browser);
        await guestJoins(near, joinUrl, "Near");
        await waitForText(near, "clock", /· clock ±\d+(\.\d)? ms$/);
        await waitForText(org, "ready-count", /^1$/);
        await expect.poll(() => org.getByTestId("wide-count").textContent()).toBe("");

        const far = await phonePage(browser);
        await guestJoins(far, joinUrl.replace(server.url, proxy.url), "Far");
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
