// The shot itself: wait for the first frame at or after the instant, keep the frame nearest it, and
// encode it (full-size JPEG) with its thumb for the upload.
import { makeThumbnail } from "../../../shared/thumbnail.ts";
import type { FrameSource } from "./frame-pick.ts";
import { nearestFrame } from "./frame-pick.ts";
import { frameCanvas, type FrameRing } from "./frame-ring.ts";

export type Capture = {
  photo: Blob;
  thumb: Blob;
  width: number;
  height: number;
  /** The picked frame's time minus the instant, ms (client clock). */
  frameOffset: number;
  source: FrameSource;
};

/** A frame after the instant may be nearer than the one before; waiting for it costs one frame at most. */
const WAIT_FOR_NEXT_FRAME_MS = 400;

export function toJpeg(canvas: HTMLCanvasElement, quality: number): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the frame could not be encoded"))), "image/jpeg", quality),
  );
}

export async function captureAt(ring: FrameRing, target: number): Promise<Capture | null> {
  ring.start(); // already running unless the shoot came late
  await ring.waitUntil(target, WAIT_FOR_NEXT_FRAME_MS);
  const frame = nearestFrame(ring.recent, target);
  if (frame) ring.take(frame);
  ring.stop();
  if (!frame) return null;
  const canvas = frameCanvas(frame.image);
  const size = { width: canvas.width, height: canvas.height };
  const [photo, small] = await Promise.all([
    toJpeg(canvas, 0.92),
    makeThumbnail(canvas, size, {
      createCanvas: (width, height) => Object.assign(document.createElement("canvas"), { width, height }),
      encodeJpeg: toJpeg,
    }),
  ]);
  return { photo, thumb: small.thumb, ...size, frameOffset: frame.time - target, source: frame.source };
}
