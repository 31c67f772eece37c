// How a photo's moment reads to people: "taken 3.2 ms after the instant, clock ±0.8 ms". The lightbox, the
// guest's own photo and the EXIF description all say it the same way.

export function momentText(frameOffset: number, bound?: number | null): string {
  const size = Math.abs(frameOffset).toFixed(1);
  let when = `taken ${size} ms after the instant`;
  if (size === "0.0") when = "taken at the instant";
  else if (frameOffset < 0) when = `taken ${size} ms before the instant`;
  return bound === undefined || bound === null ? when : `${when}, clock ±${bound.toFixed(1)} ms`;
}
