// The web app's entry: `/r/<roomId>` is a guest's page, everything else the organiser's. The guest page
// (most visitors, on venue networks) is in this bundle so it starts without a second round trip; the
// organiser's page and the QR encoder are a lazy chunk guests never download.
import { guestPage } from "./guest/guest-page.ts";

const root = document.getElementById("app")!;

async function route(): Promise<void> {
  const guest = /^\/r\/([A-Za-z0-9_-]{22})\/?$/.exec(location.pathname);
  if (guest) {
    guestPage(root, guest[1]!);
  } else {
    const { organiserPage } = await import("./organiser/organiser-page.ts");
    organiserPage(root);
  }
  // The moment the page's first controls are on screen, for bench/app-load-bench.ts.
  if (!performance.getEntriesByName("simulshot:ready").length) performance.mark("simulshot:ready");
}

window.addEventListener("popstate", () => void route());
void route();
