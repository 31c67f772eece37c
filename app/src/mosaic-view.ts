// The shot's group mosaic as one image: the server redirects to the newest version, and a new version
// is loaded off-screen and swapped in, so the picture grows without flicker as photos arrive.
import { h, setText } from "./dom.ts";
import { throttle } from "./throttle.ts";

export class MosaicView {
  readonly el: HTMLElement;
  readonly refresh: () => void;
  private readonly img = h("img", { alt: "Group mosaic of everyone's photo", "data-testid": "mosaic" });
  private readonly note = h("figcaption", { class: "muted" }, "The mosaic appears with the first photo.");
  private shotId: string | null = null;
  private count = 0;

  constructor(private readonly roomId: string) {
    this.img.hidden = true;
    this.el = h("figure", { class: "mosaic" }, this.img, this.note);
    this.refresh = throttle(() => this.load(), 1500);
  }

  show(shotId: string, count: number): void {
    if (shotId !== this.shotId) {
      this.shotId = shotId;
      this.img.hidden = true;
      this.img.removeAttribute("src");
      setText(this.note, "The mosaic appears with the first photo.");
    }
    this.announce(shotId, count);
  }

  announce(shotId: string | undefined, count: number): void {
    if (shotId !== undefined && shotId !== this.shotId) return;
    if (count === this.count && this.img.getAttribute("src")) return;
    this.count = count;
    if (count > 0) this.refresh();
  }

  private load(): void {
    const shotId = this.shotId;
    if (!shotId) return;
    // `n` makes each count its own URL, so no cache hands back an older redirect.
    const src = `/api/rooms/${this.roomId}/mosaic?shot=${encodeURIComponent(shotId)}&n=${this.count}`;
    const next = new Image();
    next.onload = () => {
      if (shotId !== this.shotId) return;
      this.img.src = next.src;
      this.img.hidden = false;
      this.img.dataset.count = String(this.count);
      setText(this.note, `${this.count} photo${this.count === 1 ? "" : "s"}`);
    };
    next.onerror = () => {
      if (shotId === this.shotId && this.img.hidden) setText(this.note, "The mosaic is not available yet.");
    };
    next.src = src;
  }
}
