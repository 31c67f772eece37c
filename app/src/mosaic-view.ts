// The shot's group mosaic: its one page, or once the shot has several pages (1024 photos a page, per shard of
// a large room), the overview, one cell per page, where tapping a cell opens that page. A newer version is
// loaded off-screen and swapped in, so the picture grows without flicker as photos arrive.
import { OVERVIEW_FRESH_MS, type MosaicOverviewView } from "../../shared/protocol.ts";
import { api } from "./api.ts";
import { h, setText } from "./dom.ts";
import { throttle } from "./throttle.ts";

/** After a change, look again once the server's overview has been gathered anew (it is kept OVERVIEW_FRESH_MS). */
const SETTLE_MS = OVERVIEW_FRESH_MS + 500;

type Cell = MosaicOverviewView["cells"][number];

export class MosaicView {
  readonly el: HTMLElement;
  readonly refresh: () => void;
  private img = h("img", { alt: "Group mosaic of everyone's photo", "data-testid": "mosaic" });
  private readonly note = h("figcaption", { class: "muted" }, "The mosaic appears with the first photo.");
  private readonly back = h("button", { class: "secondary", "data-testid": "mosaic-back", hidden: true }, "All pages");
  private shotId: string | null = null;
  private count = 0;
  private version = 0;
  private shown = 0;
  private settle: ReturnType<typeof setTimeout> | undefined;
  /** The overview as last loaded (its grid maps a tap to a page), and the page opened from it. */
  private overview: MosaicOverviewView | null = null;
  private opened: Cell | null = null;

  constructor(private readonly roomId: string) {
    this.img.hidden = true;
    this.el = h("figure", { class: "mosaic" }, this.img, this.note, this.back);
    this.refresh = throttle(() => void this.load(), 2000, { jitterMs: 500 });
    this.back.addEventListener("click", () => {
      this.opened = null;
      this.back.hidden = true;
      void this.load();
    });
  }

  show(shotId: string, count: number): void {
    if (shotId !== this.shotId) {
      this.shotId = shotId;
      this.count = 0;
      this.overview = null;
      this.opened = null;
      this.back.hidden = true;
      this.img.hidden = true;
      setText(this.note, "The mosaic appears with the first photo.");
    }
    this.announce(shotId, count);
  }

  /** The room's photo count for the shot changed: load the newer mosaic now and once more when it settles. */
  announce(shotId: string | undefined, count: number): void {
    if (shotId !== undefined && shotId !== this.shotId) return;
    if (count === this.count) return;
    this.count = count;
    if (count === 0) return;
    this.refresh();
    clearTimeout(this.settle);
    this.settle = setTimeout(this.refresh, SETTLE_MS);
  }

  private async load(): Promise<void> {
    const shotId = this.shotId;
    if (!shotId) return;
    const version = ++this.version;
    const base = `/api/rooms/${this.roomId}`;
    const shot = `shot=${encodeURIComponent(shotId)}`;
    const overview = await api<MosaicOverviewView>(`${base}/mosaic/overview?${shot}`).catch(() => null);
    if (shotId !== this.shotId) return;
    if (overview) this.overview = overview;
    const cells = this.overview?.cells ?? [];
    const page = this.opened ?? (cells.length === 1 ? cells[0]! : null);
    if (page || !overview) {
      // One page (or one opened from the overview), at a fresh query each time, so no cache hands back an older redirect.
      const p = page ?? { shard: 0, page: 0 };
      const src = `${base}/mosaic?${shot}&shard=${p.shard}&page=${p.page}&v=${version}`;
      const caption = this.opened
        ? `Page ${cells.findIndex((c) => c.shard === p.shard && c.page === p.page) + 1} of ${cells.length}`
        : `${this.count} photo${this.count === 1 ? "" : "s"}`;
      this.swapIn(src, shotId, version, "page", caption);
    } else {
      this.swapIn(
        overview.url,
        shotId,
        version,
        "overview",
        `${overview.photos} photos on ${cells.length} pages: tap a page to open it`,
      );
    }
  }

  /** Loads `src` off-screen and puts it in place of the shown picture once it has loaded. */
  private swapIn(src: string, shotId: string, version: number, view: "page" | "overview", caption: string): void {
    const next = h("img", {
      alt: view === "page" ? "Group mosaic of everyone's photo" : "Overview of the group mosaic: one cell per page",
      "data-testid": "mosaic",
      "data-view": view,
    });
    next.onload = () => {
      if (shotId !== this.shotId || version < this.shown) return;
      this.shown = version;
      // The loaded element itself goes in: setting its URL on the old one would fetch the redirect again.
      this.img.replaceWith(next);
      this.img = next;
      if (view === "overview") next.addEventListener("click", (e) => this.open(e, next));
      setText(this.note, caption);
    };
    next.onerror = () => {
      if (shotId === this.shotId && this.img.hidden) setText(this.note, "The mosaic is not available yet.");
    };
    next.src = src;
  }

  /** A tap on the overview: the cell under it, in its cols × rows grid, opens that page. */
  private open(e: MouseEvent, img: HTMLImageElement): void {
    const o = this.overview;
    if (!o) return;
    const box = img.getBoundingClientRect();
    const col = Math.floor(((e.clientX - box.left) / box.width) * o.cols);
    const row = Math.floor(((e.clientY - box.top) / box.height) * o.rows);
    const cell = o.cells[row * o.cols + col];
    if (!cell) return;
    this.opened = cell;
    this.back.hidden = false;
    void this.load();
  }
}
