// Exports the sweep in the organiser's browser, never on the server: a WebM video through WebCodecs and
// mediabunny's muxer, or an animated GIF (gifenc) where WebCodecs or a WebM codec is missing. Both libraries
// load only when the organiser exports.
import { drawContained } from "./sweep-frames.ts";

export type SweepExport = { blob: Blob; type: "video/webm" | "image/gif"; frames: number; fileName: string };

/** The export's longest side: sharp on a laptop, small enough to share. */
const MAX_SIDE = 1280;
const GIF_MAX_SIDE = 480;

/** Even dimensions (video encoders need them) that fit the largest frame into `max` × `max`. */
function exportSize(images: readonly HTMLImageElement[], max: number): { width: number; height: number } {
  const w = Math.max(2, ...images.map((i) => i.naturalWidth));
  const h = Math.max(2, ...images.map((i) => i.naturalHeight));
  const scale = Math.min(1, max / Math.max(w, h));
  const even = (n: number) => Math.max(2, Math.floor((n * scale) / 2) * 2);
  return { width: even(w), height: even(h) };
}

export function canvasOf(width: number, height: number): CanvasRenderingContext2D {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas.getContext("2d", { willReadFrequently: true })!;
}

export async function exportSweep(images: readonly HTMLImageElement[], fps: number): Promise<SweepExport> {
  if (images.length === 0) throw new Error("the sweep has no photos");
  if (typeof VideoEncoder !== "undefined") {
    const { exportWebm } = await import("./sweep-webm.ts");
    const video = await exportWebm(images, fps, exportSize(images, MAX_SIDE));
    if (video) return video;
  }
  return exportGif(images, fps);
}

async function exportGif(images: readonly HTMLImageElement[], fps: number): Promise<SweepExport> {
  const { GIFEncoder, quantize, applyPalette } = await import("gifenc");
  const { width, height } = exportSize(images, GIF_MAX_SIDE);
  const ctx = canvasOf(width, height);
  const gif = GIFEncoder();
  for (const img of images) {
    drawContained(ctx, img);
    const { data } = ctx.getImageData(0, 0, width, height);
    const palette = quantize(data, 256);
    gif.writeFrame(applyPalette(data, palette), width, height, { palette, delay: Math.round(1000 / fps) });
  }
  gif.finish();
  const blob = new Blob([gif.bytes()], { type: "image/gif" });
  return { blob, type: "image/gif", frames: images.length, fileName: "sweep.gif" };
}
