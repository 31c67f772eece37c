// The organiser's bullet-time sweep of a shot: the crowd's photos of one subject played in ring order,
// scrubbable and looping (thumbs first, sharper as the full photos load), reordered by dragging (or the
// arrow buttons), and exported as a video in the browser. The manual order is kept per shot in localStorage.
import type { PhotoPage, PhotoView } from "../../../../shared/protocol.ts";
import { api } from "../../api.ts";
import { h, setText } from "../../dom.ts";
import { throttle } from "../../throttle.ts";
import { exportSweep } from "./sweep-export.ts";
import { SweepFrames, drawContained } from "./sweep-frames.ts";
import { moveTo, sweepOrder } from "./sweep-order.ts";

/** A sweep is a ring of phones around one subject: a few hundred at most. */
const MAX_SWEEP_PHOTOS = 300;
const FPS = 12;
const ORDER_KEY = (shotId: string) => `simulshot.sweep.${shotId}`;

export class SweepView {
  readonly el: HTMLDetailsElement;
  readonly refresh: () => void;
  private readonly canvas = h("canvas", { width: 960, height: 540, "data-testid": "sweep-canvas" });
  private readonly ctx = this.canvas.getContext("2d")!;
  private readonly scrub = h("input", { type: "range", min: 0, max: 0, value: 0, "aria-label": "Sweep position" });
  private readonly play = h("button", { class: "secondary", type: "button" }, "Play");
  private readonly exportButton = h("button", { class: "secondary", type: "button" }, "Export video");
  private readonly download = h("a", { class: "button", hidden: true, "data-testid": "sweep-download" });
  private readonly note = h("p", { class: "muted", "data-testid": "sweep-note" });
  private readonly strip = h("ol", { class: "sweep-strip", "aria-label": "Sweep order" });
  private readonly frames = new SweepFrames(() => this.draw());
  private shotId: string | null = null;
  private photos: PhotoView[] = [];
  private order: PhotoView[] = [];
  private index = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly roomId: string) {
    this.el = h(
      "details",
      { class: "sweep", "data-testid": "sweep" },
      h("summary", {}, "Bullet-time sweep"),
      this.canvas,
      h("div", { class: "sweep-controls" }, this.play, this.scrub, this.exportButton, this.download),
      this.note,
      this.strip,
    );
    this.refresh = throttle(() => void this.load(), 2000);
    this.el.addEventListener("toggle", () => {
      if (this.el.open) this.refresh();
      else this.stop();
    });
    this.scrub.addEventListener("input", () => this.seek(Number(this.scrub.value)));
    this.play.addEventListener("click", () => (this.timer ? this.stop() : this.start()));
    this.exportButton.addEventListener("click", () => void this.export());
  }

  show(shotId: string): void {
    if (shotId === this.shotId) return;
    this.stop();
    this.shotId = shotId;
    this.photos = [];
    this.arrange();
    if (this.el.open) this.refresh();
  }

  /** The room's photo count changed: reload the list if the sweep is open. */
  announce(): void {
    if (this.el.open) this.refresh();
  }

  private async load(): Promise<void> {
    const shotId = this.shotId;
    if (!shotId) return;
    const photos: PhotoView[] = [];
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ shot: shotId, limit: "100", ...(cursor ? { cursor } : {}) });
      const page = await api<PhotoPage>(`/api/rooms/${this.roomId}/photos?${q}`);
      photos.push(...page.photos);
      cursor = page.next;
    } while (cursor && photos.length < MAX_SWEEP_PHOTOS);
    if (shotId !== this.shotId) return;
    this.photos = photos.slice(0, MAX_SWEEP_PHOTOS);
    this.arrange();
  }

  private manual(): string[] {
    try {
      const v: unknown = JSON.parse(localStorage.getItem(ORDER_KEY(this.shotId ?? "")) ?? "[]");
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
    } catch {
      return [];
    }
  }

  private arrange(): void {
    this.order = sweepOrder(this.photos, this.manual());
    this.frames.set(this.order);
    this.scrub.max = String(Math.max(0, this.order.length - 1));
    this.index = Math.min(this.index, Math.max(0, this.order.length - 1));
    this.scrub.value = String(this.index);
    this.exportButton.disabled = this.order.length === 0;
    setText(this.note, this.order.length ? `${this.order.length} photos in ring order` : "No photos yet.");
    this.strip.replaceChildren(...this.order.map((p, i) => this.item(p, i)));
    this.draw();
  }

  /** A thumbnail in the order strip: draggable, with arrow buttons for keyboards and touch. */
  private item(p: PhotoView, i: number): HTMLElement {
    const li = h(
      "li",
      { draggable: "true", "data-photo-id": p.photoId, title: p.name },
      p.thumbUrl ? h("img", { src: p.thumbUrl, alt: p.name, draggable: "false" }) : h("span", {}, p.name),
      h("button", { type: "button", class: "link", "aria-label": `Move ${p.name} earlier` }, "←"),
      h("button", { type: "button", class: "link", "aria-label": `Move ${p.name} later` }, "→"),
    );
    const [earlier, later] = li.querySelectorAll("button");
    earlier!.addEventListener("click", () => this.reorder(i, i - 1));
    later!.addEventListener("click", () => this.reorder(i, i + 1));
    li.addEventListener("dragstart", (e) => e.dataTransfer?.setData("text/plain", String(i)));
    li.addEventListener("dragover", (e) => e.preventDefault());
    li.addEventListener("drop", (e) => {
      e.preventDefault();
      const from = Number(e.dataTransfer?.getData("text/plain"));
      if (Number.isInteger(from)) this.reorder(from, i);
    });
    return li;
  }

  private reorder(from: number, to: number): void {
    const ids = moveTo(
      this.order.map((p) => p.photoId),
      from,
      to,
    );
    localStorage.setItem(ORDER_KEY(this.shotId ?? ""), JSON.stringify(ids));
    this.arrange();
  }

  private seek(i: number): void {
    this.index = i;
    this.scrub.value = String(i);
    this.draw();
  }

  private draw(): void {
    drawContained(this.ctx, this.frames.frames[this.index]?.image ?? null);
  }

  private start(): void {
    if (this.order.length === 0) return;
    setText(this.play, "Pause");
    // Loops: after the last photo the sweep starts again from the first.
    this.timer = setInterval(() => this.seek((this.index + 1) % this.order.length), 1000 / FPS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    setText(this.play, "Play");
  }

  private async export(): Promise<void> {
    this.exportButton.disabled = true;
    setText(this.note, "Loading the full photos…");
    try {
      await this.frames.sharp();
      const images = this.frames.frames.flatMap((f) => (f.image ? [f.image] : []));
      setText(this.note, `Encoding ${images.length} frames…`);
      const out = await exportSweep(images, FPS);
      if (this.download.href) URL.revokeObjectURL(this.download.href);
      this.download.href = URL.createObjectURL(out.blob);
      this.download.download = out.fileName;
      this.download.dataset.frames = String(out.frames);
      this.download.dataset.type = out.type;
      setText(this.download, `Save ${out.fileName}`);
      this.download.hidden = false;
      setText(this.note, `${out.frames} frames, ${Math.round(out.blob.size / 1024)} KB (${out.type})`);
    } catch (e) {
      setText(this.note, `Export failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.exportButton.disabled = false;
    }
  }
}
