// The web app's entry: `/r/<roomId>` is a guest's page, everything else the organiser's. Each page is
// its own lazy chunk, so a guest's phone never downloads the organiser's code (or the QR encoder).

const root = document.getElementById("app")!;

async function route(): Promise<void> {
  const guest = /^\/r\/([A-Za-z0-9_-]{22})\/?$/.exec(location.pathname);
  if (guest) {
    const { guestPage } = await import("./guest/guest-page.ts");
    return guestPage(root, guest[1]!);
  }
  const { organiserPage } = await import("./organiser/organiser-page.ts");
  organiserPage(root);
}

window.addEventListener("popstate", () => void route());
void route();
