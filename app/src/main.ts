// The web app's entry: `/r/<roomId>` is a guest's page, everything else the organiser's. The guest page
// (most visitors, on venue networks) is in this bundle so it starts without a second round trip; the
// organiser's page and the QR encoder are a lazy chunk guests never download.
import { ROOM_ID } from "../../shared/protocol.ts";
import { guestPage } from "./guest/guest-page.ts";

const root = document.getElementById("app")!;

async function route(): Promise<void> {
  const guest = /^\/r\/([^/]+)\/?$/.exec(location.pathname)?.[1];
  if (guest !== undefined && ROOM_ID.test(guest)) {
    guestPage(root, guest);
  } else {
    const { organiserPage } = await import("./organiser/organiser-page.ts");
    organiserPage(root);
  }
  // The moment the page's first controls are on screen, for bench/app-load-bench.ts.
  if (!performance.getEntriesByName("simulshot:ready").length) performance.mark("simulshot:ready");
}

window.addEventListener("popstate", () => void route());
void route();
