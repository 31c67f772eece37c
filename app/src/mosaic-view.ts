// The shot's group mosaic as one image: the server redirects to the newest version, and a new version
// is loaded off-screen and swapped in, so the picture grows without flicker as photos arrive.
import { h, setText } from "./dom.ts";
import { throttle } from "./throttle.ts";

/** The server rebuilds the mosaic on a short debounce after a change: look again once it has settled. */
const SETTLE_MS = 1200;

export class MosaicView {
  readonly el: HTMLElement;
  readonly refresh: () => void;
  private img = h("img", { alt: "Group mosaic of everyone's photo", "data-testid": "mosaic" });
  private readonly note = h("figcaption", { class: "muted" }, "The mosaic appears with the first photo.");
  private shotId: string | null = null;
  private count = 0;
  private version = 0;
  private shown = 0;
  private settle: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly roomId: string) {
    this.img.hidden = true;
    this.el = h("figure", { class: "mosaic" }, this.img, this.note);
    this.refresh = throttle(() => this.load(), 2000, { jitterMs: 500 });
  }

  show(shotId: string, count: number): void {
    if (shotId !== this.shotId) {
      this.shotId = shotId;
      this.count = 0;
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

  private load(): void {
    const shotId = this.shotId;
    if (!shotId) return;
    // A fresh query each time, so no cache hands back an older redirect.
    const version = ++this.version;
    const src = `/api/rooms/${this.roomId}/mosaic?shot=${encodeURIComponent(shotId)}&v=${version}`;
    const count = this.count;
    const next = h("img", { alt: "Group mosaic of everyone's photo", "data-testid": "mosaic" });
    next.onload = () => {
      if (shotId !== this.shotId || version < this.shown) return;
      this.shown = version;
      // The loaded element itself goes in: setting its URL on the old one would fetch the redirect again.
      this.img.replaceWith(next);
      this.img = next;
      setText(this.note, `${count} photo${count === 1 ? "" : "s"}`);
    };
    next.onerror = () => {
      if (shotId === this.shotId && this.img.hidden) setText(this.note, "The mosaic is not available yet.");
    };
    next.src = src;
  }
}
