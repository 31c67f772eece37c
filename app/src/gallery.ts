// The live, paged gallery of one shot: thumbs only (a full photo loads on click), new photos fetched
// as the room announces them (throttled), more pages on request, and a remove button for the organiser.
import type { PhotoPage, PhotoView } from "../../shared/protocol.ts";
import { api } from "./api.ts";
import { h, setText } from "./dom.ts";
import { openLightbox } from "./lightbox.ts";
import { throttle } from "./throttle.ts";

const PAGE_SIZE = 24;

export type GalleryOptions = {
  /** Shows a remove button; resolves true when the photo was removed. */
  onRemove?: (photo: PhotoView) => Promise<boolean>;
};

export class Gallery {
  readonly el: HTMLElement;
  readonly refresh: () => void;
  private readonly grid = h("div", { class: "grid" });
  private readonly more = h("button", { class: "secondary", hidden: true, onclick: () => void this.loadMore() });
  private readonly empty = h("p", { class: "muted" }, "No photos yet.");
  private readonly items = new Map<string, HTMLElement>();
  private shotId: string | null = null;
  private photos: PhotoView[] = [];
  /** The listing cursor the last page was fetched from, and where that page starts in `photos`:
   *  the listing only hands out a cursor after a full page, so new photos are found by re-reading it. */
  private tailCursor: string | undefined;
  private tailStart = 0;
  private next: string | undefined;
  private announced = 0;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly roomId: string,
    private readonly opts: GalleryOptions = {},
  ) {
    this.el = h("section", { class: "gallery", "aria-label": "Photos" }, this.empty, this.grid, this.more);
    this.refresh = throttle(() => void this.queue(() => this.readTail()), 1000, { jitterMs: 500 });
  }

  get count(): number {
    return this.photos.length;
  }

  /** Switches to a shot (a retake starts an empty gallery). */
  show(shotId: string): void {
    if (shotId === this.shotId) return;
    this.shotId = shotId;
    this.reset();
    void this.queue(() => this.readTail());
  }

  /** The room's latest photo count for this shot. */
  announce(shotId: string | undefined, count: number): void {
    if (shotId !== undefined && shotId !== this.shotId) return;
    this.announced = count;
    if (count < this.photos.length) {
      // Someone else removed a photo: start over rather than guess which.
      this.reset();
      void this.queue(() => this.readTail());
    } else if (count > this.photos.length && this.next === undefined) this.refresh();
    this.render();
  }

  private reset(): void {
    this.photos = [];
    this.tailCursor = undefined;
    this.tailStart = 0;
    this.next = undefined;
    this.announced = 0;
    this.render();
  }

  /** Runs fetches one after another, so two refreshes never interleave their results. */
  private queue(task: () => Promise<void>): Promise<void> {
    this.busy = this.busy.then(task).catch((e: unknown) => console.warn("[gallery]", e));
    return this.busy;
  }

  private async fetchPage(cursor: string | undefined): Promise<PhotoPage | null> {
    const shotId = this.shotId;
    if (!shotId) return null;
    const q = new URLSearchParams({ shot: shotId, limit: String(PAGE_SIZE) });
    if (cursor) q.set("cursor", cursor);
    const page = await api<PhotoPage>(`/api/rooms/${this.roomId}/photos?${q}`);
    return shotId === this.shotId ? page : null;
  }

  private async readTail(): Promise<void> {
    const page = await this.fetchPage(this.tailCursor);
    if (!page) return;
    this.photos = [...this.photos.slice(0, this.tailStart), ...page.photos];
    this.next = page.next;
    this.render();
  }

  private loadMore(): Promise<void> {
    return this.queue(async () => {
      if (this.next === undefined) return;
      const cursor = this.next;
      const start = this.photos.length;
      const page = await this.fetchPage(cursor);
      if (!page) return;
      this.tailCursor = cursor;
      this.tailStart = start;
      this.photos.push(...page.photos);
      this.next = page.next;
      this.render();
    });
  }

  private async remove(photo: PhotoView): Promise<void> {
    if (!this.opts.onRemove || !(await this.opts.onRemove(photo))) return;
    const i = this.photos.findIndex((p) => p.photoId === photo.photoId);
    if (i === -1) return;
    this.photos.splice(i, 1);
    if (i < this.tailStart) this.tailStart--;
    this.announced = Math.max(0, this.announced - 1);
    this.render();
  }

  private item(photo: PhotoView): HTMLElement {
    const thumb = photo.thumbUrl
      ? h("img", { src: photo.thumbUrl, alt: `Photo by ${photo.name}`, loading: "lazy", decoding: "async" })
      : h("span", { class: "nothumb" }, "no preview");
    return h(
      "figure",
      { class: "photo", "data-photo-id": photo.photoId },
      h(
        "button",
        { class: "thumb", "aria-label": `Open the photo by ${photo.name}`, onclick: () => openLightbox(photo) },
        thumb,
      ),
      h("figcaption", {}, photo.name || "Guest"),
      this.opts.onRemove && this.removeButton(photo),
    );
  }

  /** Two taps: the first arms the button for a few seconds, the second removes. */
  private removeButton(photo: PhotoView): HTMLButtonElement {
    let armed = false;
    const button = h("button", { class: "remove", "aria-label": `Remove the photo by ${photo.name}` }, "×");
    button.addEventListener("click", () => {
      if (armed) return void this.remove(photo);
      armed = true;
      button.classList.add("confirm");
      setText(button, "Remove?");
      setTimeout(() => {
        armed = false;
        button.classList.remove("confirm");
        setText(button, "×");
      }, 4000);
    });
    return button;
  }

  private render(): void {
    const keep = new Set(this.photos.map((p) => p.photoId));
    for (const [id, el] of this.items) {
      if (!keep.has(id)) {
        el.remove();
        this.items.delete(id);
      }
    }
    const els = this.photos.map((p) => {
      let el = this.items.get(p.photoId);
      if (!el) this.items.set(p.photoId, (el = this.item(p)));
      return el;
    });
    this.grid.append(...els);
    this.empty.hidden = this.photos.length > 0;
    const hidden = Math.max(0, this.announced - this.photos.length);
    this.more.hidden = this.next === undefined;
    setText(this.more, hidden > 0 ? `Show more (${hidden})` : "Show more");
  }
}
