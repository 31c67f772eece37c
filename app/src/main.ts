// The web app's entry: `/r/<roomId>` is a guest's page, `/r/<roomId>/screen` the event screen, everything
// else the organiser's. The guest page (most visitors, on venue networks) is in this bundle so it starts
// without a second round trip; the organiser's page, the screen and the QR encoder are lazy chunks.
import { ROOM_ID } from "../../shared/protocol.ts";
import { guestPage } from "./guest/guest-page.ts";

const root = document.getElementById("app")!;

async function route(): Promise<void> {
  const [, roomId, screen] = /^\/r\/([^/]+)(\/screen)?\/?$/.exec(location.pathname) ?? [];
  if (roomId === undefined || !ROOM_ID.test(roomId)) {
    const { organiserPage } = await import("./organiser/organiser-page.ts");
    organiserPage(root);
  } else if (screen === undefined) {
    guestPage(root, roomId);
  } else {
    const { screenPage } = await import("./screen/screen-page.ts");
    screenPage(root, roomId);
  }
  // The moment the page's first controls are on screen, for bench/app-load-bench.ts.
  if (!performance.getEntriesByName("simulshot:ready").length) performance.mark("simulshot:ready");
}

window.addEventListener("popstate", () => void route());
void route();
