// The event screen's picture of a shot: its group mosaic page, or, once the shot has more than one page,
// the overview: every page side by side (at most MAX_PAGES), each swapped in when its newer version loads.
import type { MosaicPageView } from "../../../shared/protocol.ts";
import { api } from "../api.ts";
import { h, setText } from "../dom.ts";
import { throttle } from "../throttle.ts";

/** Pages shown at once: a 6 × 6 wall is as much as a hall reads from the back. */
const MAX_PAGES = 36;

const describe = (roomId: string, shotId: string, page: number) =>
  api<MosaicPageView>(`/api/rooms/${roomId}/mosaic?shot=${encodeURIComponent(shotId)}&page=${page}`);

export class MosaicWall {
  readonly el: HTMLElement;
  readonly refresh: () => void;
  private readonly wall = h("div", { class: "wall", "data-testid": "mosaic-wall", "data-pages": "0" });
  private readonly caption = h("p", { class: "wall-caption", "data-testid": "wall-caption" });
  private readonly shown = new Map<number, string>();
  private shotId: string | null = null;

  constructor(private readonly roomId: string) {
    this.el = h("figure", { class: "wall-frame" }, this.wall, this.caption);
    // Every phone's upload moves the count: one look every 1.5 s is live enough for a projector.
    this.refresh = throttle(() => void this.load(), 1500);
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
    const first = await describe(this.roomId, shotId, 0).catch(() => null);
    if (!first || shotId !== this.shotId) return;
    const pages = Math.min(first.pages, MAX_PAGES);
    const rest = await Promise.all(
      Array.from({ length: pages - 1 }, (_, i) => describe(this.roomId, shotId, i + 1).catch(() => null)),
    );
    if (shotId !== this.shotId) return;
    const cols = Math.ceil(Math.sqrt(pages));
    this.wall.style.setProperty("--cols", String(cols));
    this.wall.style.setProperty("--rows", String(Math.ceil(pages / cols)));
    this.wall.dataset.pages = String(first.pages);
    for (const view of [first, ...rest]) if (view) this.place(view);
    const more = first.pages > pages ? `, the first ${pages} shown` : "";
    setText(this.caption, first.pages > 1 ? `Overview: ${first.pages} pages${more}` : "");
  }

  /** Puts a page's newest version in its cell once it has loaded, so the wall never flickers. */
  private place(view: MosaicPageView): void {
    if (this.shown.get(view.page) === view.url) return;
    this.shown.set(view.page, view.url);
    const img = h("img", { alt: `Group mosaic, page ${view.page + 1}`, "data-page": view.page });
    img.onload = () => {
      if (this.shown.get(view.page) !== view.url) return;
      const old = this.wall.querySelector(`img[data-page="${view.page}"]`);
      if (old) old.replaceWith(img);
      else this.insertInOrder(img, view.page);
    };
    img.src = view.url;
  }

  private insertInOrder(img: HTMLImageElement, page: number): void {
    const after = [...this.wall.children].find((c) => Number((c as HTMLElement).dataset.page) > page);
    this.wall.insertBefore(img, after ?? null);
  }
}
