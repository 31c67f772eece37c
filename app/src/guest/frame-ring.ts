// The last few camera frames, each copied into its own canvas the moment the browser presents it
// (requestVideoFrameCallback) and stamped with its capture time, so the shot takes the frame nearest
// the instant rather than whatever is on screen after a slow capture call. Runs only around a shot.
import { frameStamp, type StampedFrame } from "./frame-pick.ts";

export type Frame = StampedFrame<HTMLCanvasElement>;

export class FrameRing {
  private frames: Frame[] = [];
  private spare: HTMLCanvasElement[] = [];
  private running = false;
  private waiters: Array<() => boolean> = [];

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly size = 5,
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
    this.spare.push(...this.frames.map((f) => f.image));
    this.frames = [];
    this.wake();
  }

  /** Keeps a frame out of the ring, so later frames never draw over it. */
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

  private next(): void {
    if ("requestVideoFrameCallback" in this.video) {
      this.video.requestVideoFrameCallback((now, meta) => this.keep(frameStamp(meta, now)));
    } else {
      // Older browsers: the animation frame is the best stamp there is.
      requestAnimationFrame((now) => this.keep(frameStamp(null, now)));
    }
  }

  private keep(stamp: { time: number; source: Frame["source"] }): void {
    if (!this.running) return;
    const { videoWidth: w, videoHeight: h } = this.video;
    if (w > 0 && h > 0) {
      const canvas =
        (this.frames.length >= this.size ? this.frames.shift()!.image : this.spare.pop()) ??
        document.createElement("canvas");
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      canvas.getContext("2d", { alpha: false })!.drawImage(this.video, 0, 0, w, h);
      this.frames.push({ time: performance.timeOrigin + stamp.time, source: stamp.source, image: canvas });
      this.wake();
    }
    this.next();
  }
}
