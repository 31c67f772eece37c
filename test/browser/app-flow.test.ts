// The web app in a real Chromium: an organiser and 5 guests (fake cameras) go through create → join →
// shoot → upload → gallery and mosaic → remove → retake, with screenshots of each step.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PhotonImage } from "@cf-wasm/photon";
import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import type { PhotoView } from "../../shared/protocol.ts";
import { sniffImage } from "../../worker/photos/image-check.ts";
import { Api } from "../e2e/kit/api.ts";
import { serversOrNone } from "./app-steps.ts";
import { SCREENSHOTS, launchChromium, phonePage, screenshot } from "./chromium.ts";

const chromiumPath = inject("chromium");
const servers = inject("servers");
const GUESTS = 5;

/** Mean and standard deviation of the luminance: a blank or black frame has almost none. */
function luminance(bytes: Uint8Array): { mean: number; sd: number } {
  const img = PhotonImage.new_from_byteslice(bytes);
  try {
    const px = img.get_raw_pixels();
    let sum = 0;
    let sq = 0;
    const n = px.length / 4;
    for (let i = 0; i < px.length; i += 4) {
      const y = 0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!;
      sum += y;
      sq += y * y;
    }
    const mean = sum / n;
    return { mean, sd: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
  } finally {
    img.free();
  }
}

/** The entry count from a ZIP's end-of-central-directory record (no comment, no ZIP64). */
function zipEntries(zip: Uint8Array): number {
  const eocd = zip.length - 22;
  expect(Buffer.from(zip.subarray(eocd, eocd + 4)).toString("hex")).toBe("504b0506");
  return zip[eocd + 10]! | (zip[eocd + 11]! << 8);
}

const waitForText = (page: Page, testId: string, text: RegExp, timeout = 15_000) =>
  page.getByTestId(testId).filter({ hasText: text }).waitFor({ timeout });

const waitForState = (page: Page, state: string, timeout = 30_000) =>
  page.locator(`.guest[data-state="${state}"]`).waitFor({ timeout });

async function galleryCount(page: Page, n: number): Promise<void> {
  await expect.poll(() => page.locator(".gallery figure.photo").count(), { timeout: 15_000 }).toBe(n);
}

describe.skipIf(!chromiumPath)("the web app in Chromium", () => {
  it.each(serversOrNone(servers))(
    "on $kind: 5 guests' phones each upload a real camera frame, the organiser sees 5 photos, the mosaic and the sync report",
    async (server) => {
      const api = new Api(server.url);
      const browser = await launchChromium(chromiumPath!);
      try {
        // The organiser logs in, creates a room and gets the link and QR code.
        const org = await phonePage(browser);
        const orgRequests: string[] = [];
        org.on("request", (r) => orgRequests.push(new URL(r.url()).pathname));
        // Everything below runs under the app's Content-Security-Policy: Chromium reports each thing it blocks.
        const cspViolations: string[] = [];
        const watchCsp = (page: Page) =>
          page.on("console", (m) => {
            if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
          });
        watchCsp(org);
        const home = await org.goto(`${server.url}/`);
        expect(home!.headers()["content-security-policy"]).toMatch(/^default-src 'self';/);
        await org.getByLabel("Your name").fill("Olga");
        await org.getByRole("button", { name: "Log in" }).click();
        await org.getByLabel("Room title").fill("Browser test");
        await org.getByRole("button", { name: "Create a room" }).click();
        const joinUrl = (await org.getByTestId("join-url").getAttribute("href"))!;
        expect(joinUrl).toMatch(new RegExp(`^${server.url}/r/[A-Za-z0-9_-]{22}$`));
        const roomId = joinUrl.slice(joinUrl.lastIndexOf("/") + 1);
        const stored = await org.evaluate(() =>
          (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem(
            "simulshot.login",
          ),
        );
        const orgToken = (JSON.parse(stored!) as { token: string }).token;
        await org.getByRole("img", { name: "QR code of the join link" }).waitFor();
        await waitForText(org, "status", /^connected$/);
        await screenshot(org, "01-organiser-room-created");

        const drops: WebSocketRoute[] = [];
        // Five guests open the link, allow the camera, connect and sync their clocks.
        const guests = await Promise.all(
          Array.from({ length: GUESTS }, async (_, i) => {
            const page = await phonePage(browser);
            watchCsp(page);
            // Guest 2's socket goes through the test, which can cut it.
            if (i === 1)
              await page.routeWebSocket(/\/ws(\?|$)/, (ws) => void (ws.connectToServer(), drops.unshift(ws)));
            await page.goto(joinUrl);
            await page.getByLabel("Name").fill(`Guest ${i + 1}`);
            await page.getByRole("button", { name: "Start camera" }).click();
            await waitForText(page, "status", /^connected$/);
            await waitForText(page, "clock", /clock ±\d+(\.\d)? ms/);
            return page;
          }),
        );
        const cameraSizes = await Promise.all(guests.map((g) => g.locator(".guest").getAttribute("data-camera-size")));
        for (const s of cameraSizes) expect(s).toMatch(/^\d+x\d+$/);
        await waitForText(guests[0]!, "members", new RegExp(`${GUESTS} here`));
        await waitForText(org, "ready-count", new RegExp(`^${GUESTS}$`));
        await waitForText(org, "joined-count", new RegExp(`^${GUESTS}$`));
        for (const [i, g] of guests.entries()) await screenshot(g, `02-guest-${i + 1}-ready`);
        await screenshot(org, "03-organiser-5-ready");

        // Guest 2's connection drops (closed under it, as a network change would): it shows it and reconnects.
        await drops[0]!.close({ code: 1001, reason: "network change" });
        await waitForText(guests[1]!, "status", /^reconnecting/, 10_000);
        await screenshot(guests[1]!, "02-guest-2-reconnecting");
        await waitForText(guests[1]!, "status", /^connected$/, 20_000);
        await waitForText(org, "ready-count", new RegExp(`^${GUESTS}$`));

        // Guest 1's first upload attempt is cut off: it retries and gets through.
        let uploadAttempts = 0;
        await guests[0]!.route(
          (url) => url.pathname.endsWith("/photos"),
          (route, request) => {
            if (request.method() !== "POST") return route.continue();
            return ++uploadAttempts === 1 ? route.abort("connectionreset") : route.continue();
          },
        );

        // The organiser shoots; every guest counts down, takes its frame and uploads it.
        await org.getByRole("button", { name: "Shoot" }).click();
        await waitForState(guests[0]!, "countdown", 5000);
        await Promise.all([screenshot(org, "04-organiser-countdown"), screenshot(guests[0]!, "04-guest-1-countdown")]);
        await Promise.all(guests.map((g) => waitForState(g, "uploaded")));
        for (const [i, g] of guests.entries()) await screenshot(g, `05-guest-${i + 1}-uploaded`);
        expect(uploadAttempts).toBe(2);

        const room = await api.json(`/api/rooms/${roomId}`);
        const shotId: string = room.body.shot.shotId;
        const photos: PhotoView[] = await api.listAll(roomId, shotId);
        expect(photos.map((p) => p.name).sort()).toEqual(guests.map((_, i) => `Guest ${i + 1}`));
        for (const p of photos) {
          const bytes = await api.download(p.url);
          const info = sniffImage(bytes);
          expect(info?.type).toBe("image/jpeg");
          expect(`${info!.width}x${info!.height}`).toBe(cameraSizes[Number(p.name.slice(6)) - 1]);
          const { mean, sd } = luminance(bytes);
          expect(mean, `${p.name}'s photo is not black`).toBeGreaterThan(10);
          expect(sd, `${p.name}'s photo is not one flat colour`).toBeGreaterThan(5);
          // The phone made its own thumb (the server makes none for photos over 2 MP).
          const thumb = sniffImage(await api.download(p.thumbUrl!));
          expect(Math.max(thumb!.width, thumb!.height)).toBeLessThanOrEqual(256);
        }
        const save = guests[0]!.getByTestId("save");
        expect(await save.getAttribute("href")).toMatch(/^blob:/);
        expect(await save.getAttribute("download")).toMatch(/\.jpg$/);

        // The organiser's gallery, report and mosaic fill in.
        await galleryCount(org, GUESTS);
        await waitForText(org, "shot-progress", new RegExp(`Done: ${GUESTS} photos, 0 missing`));
        await org.getByTestId("histogram").waitFor();
        await org.getByText(`${GUESTS} of ${GUESTS} phones fired`).waitFor();
        for (const page of [org, guests[0]!]) {
          const mosaic = page.getByTestId("mosaic");
          await mosaic.waitFor({ timeout: 10_000 });
          expect(
            await mosaic.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
          ).toBeGreaterThan(0);
        }
        // The organiser's ZIP button downloads the whole shot (one entry per photo) through a minted,
        // minutes-long link: the login token never goes into the URL.
        const [download] = await Promise.all([org.waitForEvent("download"), org.getByTestId("zip").click()]);
        const zipUrl = new URL(download.url());
        expect(zipUrl.pathname).toBe(`/api/rooms/${roomId}/photos.zip`);
        expect(zipUrl.searchParams.get("shot")).toBe(shotId);
        expect(zipUrl.searchParams.get("token")).toBeTruthy();
        expect(download.url()).not.toContain(orgToken);
        expect(download.suggestedFilename()).toBe(`simulshot-${shotId}.zip`);
        const zip = new Uint8Array(readFileSync((await download.path())!));
        expect(zipEntries(zip)).toBe(GUESTS);
        // Kept beside the screenshots, as the organiser's browser saved it.
        await download.saveAs(join(SCREENSHOTS, server.kind, "shot.zip"));
        await screenshot(org, "06-organiser-gallery");
        await screenshot(guests[0]!, "06-guest-1-gallery");

        // The gallery fetched thumbs only; a full photo is fetched when its thumb is clicked.
        const fullUrls = new Set(photos.map((p) => p.url));
        expect(orgRequests.filter((path) => fullUrls.has(path))).toEqual([]);
        const first = org.locator(".gallery figure.photo").first();
        const firstId = await first.getAttribute("data-photo-id");
        await first.getByRole("button", { name: /Open the photo/ }).click();
        const full = org.locator(".lightbox img");
        await full.waitFor();
        await expect
          .poll(() => full.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
          .toBe(Number(cameraSizes[0]!.split("x")[0]));
        expect(orgRequests.filter((path) => fullUrls.has(path))).toEqual([
          photos.find((p) => p.photoId === firstId)!.url,
        ]);
        await screenshot(org, "06-organiser-full-photo");
        await org.locator(".lightbox").click({ position: { x: 5, y: 5 } });
        await org.locator(".lightbox").waitFor({ state: "detached" });

        // The organiser removes a photo (two taps).
        const remove = org
          .locator(".gallery figure.photo")
          .first()
          .getByRole("button", { name: /Remove/ });
        await remove.click();
        await remove.click();
        await galleryCount(org, GUESTS - 1);
        expect(await api.listAll(roomId, shotId)).toHaveLength(GUESTS - 1);
        await screenshot(org, "07-organiser-removed-one");

        // A retake: everyone fires again into a new shot.
        await org.getByRole("button", { name: "Retake" }).click();
        await expect.poll(async () => (await api.json(`/api/rooms/${roomId}`)).body.shot.shotId).not.toBe(shotId);
        await Promise.all(guests.map((g) => g.locator(`.guest[data-state="uploaded"]`).waitFor({ state: "detached" })));
        await Promise.all(guests.map((g) => waitForState(g, "uploaded")));
        await galleryCount(org, GUESTS);
        await screenshot(org, "08-organiser-retake");
        expect(cspViolations).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    90_000,
  );
});
