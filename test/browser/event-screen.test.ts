// The event screen at 1920×1080 in Chromium, on a private server whose mosaic pages hold 2 tiles: the QR
// code and live counts, the full-screen countdown, the mosaic filling in, then its overview of pages; and the
// organiser's overview of a room of three shards (4 members a shard), where a tap opens one page.
// Guests are plain sockets and HTTP uploads (the screen is what is under test), with a screenshot per state.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalServer } from "../../scripts/local-server.ts";
import { Api } from "../e2e/kit/api.ts";
import { photoFor } from "../e2e/kit/http-kit.ts";
import { ownServer } from "../e2e/kit/own-server.ts";
import { launchChromium, screenshot } from "./chromium.ts";

const chromiumPath = inject("chromium");
const servers = inject("servers").filter((s) => s.kind === "wrangler" || s.kind === "deno");

const screenState = (page: Page, state: string, timeout = 15_000) =>
  page.locator(`.screen[data-state="${state}"]`).waitFor({ timeout });
const text = (page: Page, testId: string) => page.getByTestId(testId).textContent();
/** Loaded mosaic images on the wall (a page is only placed once its image has loaded). */
const wallImages = (page: Page) =>
  page
    .locator(".wall img")
    .evaluateAll((imgs) => imgs.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length);

describe.skipIf(!chromiumPath || servers.length === 0)("the event screen in Chromium", () => {
  for (const { kind } of servers) {
    describe(`on ${kind}`, () => {
      let server: LocalServer;
      let api: Api;
      beforeAll(async () => {
        server = (await ownServer(kind, { MOSAIC_PAGE_TILES: "2", SHARD_MEMBERS: "4" }))!;
        api = new Api(server.url);
      }, 90_000);
      afterAll(() => server?.stop());

      it("shows the QR code and live counts, a full-screen countdown, the mosaic, then the overview of its pages", async () => {
        const { token } = await api.login("Olga");
        const { roomId } = await api.createRoom(token, "Hall photo");
        const browser = await launchChromium(chromiumPath!);
        const guests: Awaited<ReturnType<Api["joinGuest"]>>[] = [];
        try {
          const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
          const page = await context.newPage();
          await page.goto(`${server.url}/r/${roomId}/screen`);
          await screenState(page, "waiting");
          await page.getByRole("img", { name: "QR code of the join link" }).waitFor();
          await page.getByRole("heading", { name: "Hall photo" }).waitFor();
          expect(await text(page, "screen-link")).toBe(`${server.url.replace(/^https?:\/\//, "")}/r/${roomId}`);
          // Nothing on the screen a guest could press.
          expect(await page.locator("button, input, select, textarea, a[href]").count()).toBe(0);
          // The QR code is huge: over a third of the screen's width.
          const qr = await page.getByRole("img", { name: "QR code of the join link" }).boundingBox();
          expect(qr!.width).toBeGreaterThan(1920 / 3);

          // Three guests join; two report a synced clock.
          for (const i of [1, 2, 3]) guests.push(await api.joinGuest(roomId, `screen-guest-${i}`));
          for (const g of guests.slice(0, 2)) g.ws.send(JSON.stringify({ type: "ready", error: 1 }));
          await expect.poll(() => text(page, "screen-joined"), { timeout: 10_000 }).toBe("3");
          await expect.poll(() => text(page, "screen-ready"), { timeout: 10_000 }).toBe("2");
          await screenshot(page, "screen-01-waiting");

          // The owner shoots from their phone: the screen counts down over the whole screen.
          const shot = await api.shoot(roomId, token);
          expect(shot.status).toBe(202);
          await screenState(page, "countdown", 5000);
          const countdown = await page.locator(".screen-countdown").boundingBox();
          expect(countdown).toMatchObject({ width: 1920, height: 1080 });
          await screenshot(page, "screen-02-countdown");

          // One photo: the mosaic takes the screen, one page.
          const upload = async (i: number) => {
            const r = await api.upload(roomId, guests[i]!.uploadToken, { photo: photoFor(`screen-${i}`) });
            expect(r.status).toBe(201);
          };
          await upload(0);
          await screenState(page, "mosaic", 10_000);
          await expect.poll(() => wallImages(page), { timeout: 15_000 }).toBe(1);
          expect(await page.getByTestId("mosaic-wall").getAttribute("data-pages")).toBe("1");
          await screenshot(page, "screen-03-mosaic");

          // Three photos at two tiles a page: the overview shows both pages side by side.
          await upload(1);
          await upload(2);
          await expect.poll(() => wallImages(page), { timeout: 15_000 }).toBe(2);
          expect(await page.getByTestId("mosaic-wall").getAttribute("data-pages")).toBe("2");
          expect(await text(page, "wall-caption")).toBe("Overview: 2 pages");
          await screenshot(page, "screen-04-overview");
        } finally {
          for (const g of guests) g.ws.close();
          await browser.close();
        }
      }, 90_000);

      it("shows a sharded room's mosaic as an overview of one cell a page, and a tap opens that page", async () => {
        const browser = await launchChromium(chromiumPath!);
        const guests: Awaited<ReturnType<Api["joinGuest"]>>[] = [];
        try {
          const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
          await page.goto(`${server.url}/`);
          await page.getByLabel("Your name").fill("Olga");
          await page.getByRole("button", { name: "Log in" }).click();
          await page.getByLabel("Room title").fill("Crowd");
          await page.getByLabel("Guests expected (optional)").fill("10");
          await page.getByRole("button", { name: "Create a room" }).click();
          const joinUrl = (await page.getByTestId("join-url").getAttribute("href"))!;
          const roomId = joinUrl.slice(joinUrl.lastIndexOf("/") + 1);
          expect(roomId).toMatch(/-3$/); // 10 expected at 4 a shard: 3 shards
          for (let i = 0; i < 6; i++) guests.push(await api.joinGuest(roomId, `overview-guest-${i}`));
          await page.getByRole("button", { name: "Shoot" }).click();
          for (const g of guests)
            expect((await api.upload(roomId, g.uploadToken, { photo: photoFor(g.memberId) })).status).toBe(201);
          // Six photos on pages of 2, over the shards: several pages, so the overview is shown.
          const mosaic = page.getByTestId("mosaic");
          await expect.poll(() => mosaic.getAttribute("data-view"), { timeout: 20_000 }).toBe("overview");
          await expect
            .poll(() => page.locator("figure.mosaic figcaption").textContent(), { timeout: 20_000 })
            .toMatch(/^6 photos on \d+ pages/);
          const overview = (
            await api.json(`/api/rooms/${roomId}/mosaic/overview`, { headers: { Accept: "application/json" } })
          ).body;
          expect(overview.cells.length).toBeGreaterThanOrEqual(3);
          await screenshot(page, "organiser-overview");
          // A tap in the last cell opens that page; "All pages" goes back.
          const box = (await mosaic.boundingBox())!;
          const last = overview.cells.length - 1;
          const x = ((last % overview.cols) + 0.5) * (box.width / overview.cols);
          const y = (Math.floor(last / overview.cols) + 0.5) * (box.height / overview.rows);
          await mosaic.click({ position: { x, y } });
          await expect
            .poll(() => page.getByTestId("mosaic").getAttribute("data-view"), { timeout: 10_000 })
            .toBe("page");
          const cell = overview.cells[last];
          expect(await page.getByTestId("mosaic").getAttribute("src")).toContain(
            `shard=${cell.shard}&page=${cell.page}`,
          );
          expect(await page.locator("figure.mosaic figcaption").textContent()).toBe(
            `Page ${last + 1} of ${overview.cells.length}`,
          );
          await screenshot(page, "organiser-overview-page");
          await page.getByTestId("mosaic-back").click();
          await expect
            .poll(() => page.getByTestId("mosaic").getAttribute("data-view"), { timeout: 10_000 })
            .toBe("overview");
        } finally {
          for (const g of guests) g.ws.close();
          await browser.close();
        }
      }, 90_000);
    });
  }
});
