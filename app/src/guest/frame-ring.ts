// The latest camera frames, each kept the moment the browser presents it (requestVideoFrameCallback) and
// stamped with its capture time, so the shot takes the frame nearest the instant rather than whatever is
// on screen after a slow capture call. Runs only around a shot.
import { frameStamp, type StampedFrame } from "./frame-pick.ts";

/** A VideoFrame (a handle on the camera's buffer: no pixel copy on the main thread, so nothing delays
 *  the shutter timer), or a canvas copy in browsers without one. */
export type FrameImage = VideoFrame | HTMLCanvasElement;
export type Frame = StampedFrame<FrameImage>;

const hasVideoFrame = typeof VideoFrame === "function";

export class FrameRing {
  private frames: Frame[] = [];
  private spare: HTMLCanvasElement[] = [];
  private running = false;
  private waiters: Array<() => boolean> = [];

  constructor(
    private readonly video: HTMLVideoElement,
    // Two are enough (the last frame before the instant and the first after), and few matter: a held
    // VideoFrame is a buffer the camera cannot reuse, and holding four stalled Chromium's camera.
    private readonly size = 2,
  ) {}

  /** Frames kept, oldest first; times are on the client clock (timeOrigin + performance.now()). */
  get recent(): readonly Frame[] {
    return this.frames;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.next();
  }

  stop(): void {
    this.running = false;
    for (const f of this.frames.splice(0)) this.release(f);
    this.wake();
  }

  /** Takes a frame out of the ring: it is never reused or released; the caller passes it to `frameCanvas`. */
  take(frame: Frame): void {
    this.frames = this.frames.filter((f) => f !== frame);
  }

  /** Resolves once a frame stamped at or after `time` is kept, or after `timeoutMs`, or on stop. */
  waitUntil(time: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = () => {
        if (this.running && !this.frames.some((f) => f.time >= time)) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      if (check()) return;
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      }, timeoutMs);
      this.waiters.push(check);
    });
  }

  private wake(): void {
    this.waiters = this.waiters.filter((check) => !check());
  }

  private release(f: Frame): void {
    if (f.image instanceof HTMLCanvasElement) this.spare.push(f.image);
    else f.image.close();
  }

  private next(): void {
    if ("requestVideoFrameCallback" in this.video) {
      this.video.requestVideoFrameCallback((now, meta) => this.keep(frameStamp(meta, now)));
    } else {
      // Older browsers: the animation frame is the best stamp there is.
      requestAnimationFrame((now) => this.keep(frameStamp(null, now)));
    }
  }

  private grab(): FrameImage {
    if (hasVideoFrame) {
      try {
        return new VideoFrame(this.video, { timestamp: Math.round(performance.now() * 1000) });
      } catch {
        // This browser cannot wrap a camera <video> in a VideoFrame: copy its pixels instead.
      }
    }
    const { videoWidth: w, videoHeight: h } = this.video;
    const canvas = this.spare.pop() ?? document.createElement("canvas");
    if (canvas.width !== w || canvas.height !== h) Object.assign(canvas, { width: w, height: h });
    canvas.getContext("2d", { alpha: false })!.drawImage(this.video, 0, 0, w, h);
    return canvas;
  }

  private keep(stamp: { time: number; source: Frame["source"] }): void {
    if (!this.running) return;
    if (this.video.videoWidth > 0 && this.video.videoHeight > 0) {
      if (this.frames.length >= this.size) this.release(this.frames.shift()!);
      this.frames.push({ time: performance.timeOrigin + stamp.time, source: stamp.source, image: this.grab() });
      this.wake();
    }
    this.next();
  }
}

/** The frame's pixels on a canvas (a canvas frame is returned as is); closes a VideoFrame. */
export function frameCanvas(image: FrameImage): HTMLCanvasElement {
  if (image instanceof HTMLCanvasElement) return image;
  try {
    const canvas = Object.assign(document.createElement("canvas"), {
      width: image.displayWidth,
      height: image.displayHeight,
    });
    canvas.getContext("2d", { alpha: false })!.drawImage(image, 0, 0, canvas.width, canvas.height);
    return canvas;
  } finally {
    image.close();
  }
}
