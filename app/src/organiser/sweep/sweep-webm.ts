// The sweep as a WebM video: frames drawn on a canvas, encoded by the browser's WebCodecs (VP9, else VP8)
// and muxed by mediabunny. A chunk of its own, loaded only when the organiser exports.
import {
  BufferTarget,
  CanvasSource,
  Output,
  QUALITY_HIGH,
  WebMOutputFormat,
  getFirstEncodableVideoCodec,
} from "mediabunny";
import { canvasOf, type SweepExport } from "./sweep-export.ts";
import { drawContained } from "./sweep-frames.ts";

/** Null when the browser can encode neither codec at this size. */
export async function exportWebm(
  images: readonly HTMLImageElement[],
  fps: number,
  size: { width: number; height: number },
): Promise<SweepExport | null> {
  const codec = await getFirstEncodableVideoCodec(["vp9", "vp8"], size);
  if (!codec) return null;
  const ctx = canvasOf(size.width, size.height);
  const output = new Output({ format: new WebMOutputFormat(), target: new BufferTarget() });
  // Every frame a key frame: a sweep is scrubbed as often as it is played.
  const source = new CanvasSource(ctx.canvas, { codec, quality: QUALITY_HIGH, keyFrameInterval: 0 });
  output.addVideoTrack(source, { frameRate: fps });
  await output.start();
  for (const [i, img] of images.entries()) {
    drawContained(ctx, img);
    await source.add(i / fps, 1 / fps);
  }
  await output.finalize();
  const blob = new Blob([output.target.buffer!], { type: "video/webm" });
  return { blob, type: "video/webm", frames: images.length, fileName: "sweep.webm" };
}
