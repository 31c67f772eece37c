// The event screen's picture of a shot: its group mosaic page, or, once the shot has more than one page (per
// shard of a large room), every page side by side (at most MAX_PAGES), each swapped in when its newer version
// loads; past MAX_PAGES, the overview picture, one cell per page.
import { OVERVIEW_FRESH_MS, type MosaicOverviewView, type MosaicPageView } from "../../../shared/protocol.ts";
import { api } from "../api.ts";
import { h, setText } from "../dom.ts";
import { throttle } from "../throttle.ts";

/** Pages shown at once: a 6 × 6 wall is as much as a hall reads from the back. */
const MAX_PAGES = 36;

type Cell = { shard: number; page: number };

export class MosaicWall {
  readonly el: HTMLElement;
  readonly refresh: () => void;
  private readonly wall = h("div", { class: "wall", "data-testid": "mosaic-wall", "data-pages": "0" });
  private readonly caption = h("p", { class: "wall-caption", "data-testid": "wall-caption" });
  /** The URL shown in each slot (slot i: the i-th page of the overview). */
  private readonly shown = new Map<number, string>();
  private shotId: string | null = null;
  private settle: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly roomId: string) {
    this.el = h("figure", { class: "wall-frame" }, this.wall, this.caption);
    // Every phone's upload moves the count: one look every 1.5 s is live enough for a projector, and one more
    // once the server's overview is gathered anew after the last change, so the last pages are not left out.
    const look = throttle(() => void this.load(), 1500);
    this.refresh = () => {
      look();
      clearTimeout(this.settle);
      this.settle = setTimeout(look, OVERVIEW_FRESH_MS + 500);
    };
  }

  show(shotId: string): void {
    if (shotId === this.shotId) return;
    this.shotId = shotId;
    this.shown.clear();
    this.wall.replaceChildren();
    this.wall.dataset.pages = "0";
    setText(this.caption, "");
  }

  private async load(): Promise<void> {
    const shotId = this.shotId;
    if (!shotId) return;
    const base = `/api/rooms/${this.roomId}`;
    const shot = `shot=${encodeURIComponent(shotId)}`;
    const overview = await api<MosaicOverviewView>(`${base}/mosaic/overview?${shot}`).catch(() => null);
    if (!overview || shotId !== this.shotId) return;
    const cells: Cell[] = overview.cells.length > 0 ? overview.cells : [{ shard: 0, page: 0 }];
    const pages = cells.length;
    if (pages > MAX_PAGES) {
      // Too many pages to read side by side: the overview picture itself, one cell per page.
      this.layout(1, pages);
      this.place(0, overview.url, "Overview of the group mosaic: one cell per page");
      setText(this.caption, `${overview.photos} photos on ${pages} pages`);
      return;
    }
    const views = await Promise.all(
      cells.map((c) => api<MosaicPageView>(`${base}/mosaic?${shot}&shard=${c.shard}&page=${c.page}`).catch(() => null)),
    );
    if (shotId !== this.shotId) return;
    this.layout(pages, pages);
    views.forEach((v, i) => v && this.place(i, v.url, `Group mosaic, page ${i + 1}`));
    setText(this.caption, pages > 1 ? `Overview: ${pages} pages` : "");
  }

  /** A grid for `slots` pictures; `pages` is what the shot holds (data-pages, for tests and styling). */
  private layout(slots: number, pages: number): void {
    const cols = Math.ceil(Math.sqrt(slots));
    this.wall.style.setProperty("--cols", String(cols));
    this.wall.style.setProperty("--rows", String(Math.ceil(slots / cols)));
    this.wall.dataset.pages = String(pages);
    for (const img of Array.from(this.wall.children))
      // a copy: the loop removes from the live list
      if (Number((img as HTMLElement).dataset.slot) >= slots) {
        img.remove();
        this.shown.delete(Number((img as HTMLElement).dataset.slot));
      }
  }

  /** Puts a picture's newest version in its slot once it has loaded, so the wall never flickers. */
  private place(slot: number, url: string, alt: string): void {
    if (this.shown.get(slot) === url) return;
    this.shown.set(slot, url);
    const img = h("img", { alt, "data-slot": slot });
    img.onload = () => {
      if (this.shown.get(slot) !== url) return;
      const old = this.wall.querySelector(`img[data-slot="${slot}"]`);
      if (old) old.replaceWith(img);
      else this.insertInOrder(img, slot);
    };
    img.src = url;
  }

  private insertInOrder(img: HTMLImageElement, slot: number): void {
    const after = [...this.wall.children].find((c) => Number((c as HTMLElement).dataset.slot) > slot);
    this.wall.insertBefore(img, after ?? null);
  }
}
