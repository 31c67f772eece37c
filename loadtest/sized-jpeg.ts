// A valid JPEG of an exact size for the load test's PHOTO_KB: a fixture JPEG with filler comment segments
// (COM, at most 65,535 bytes each) after its SOI. No TextEncoder or Node API: k6 runs this too.

const SOI_LENGTH = 2;
const COM_HEADER = 4;
const MAX_COM_PAYLOAD = 0xffff - 2;

/** `base` grown to exactly `bytes` bytes with comment segments, or null when `bytes` is below its size or the
 *  gap is too small for one segment (1–3 bytes). */
export function sizedJpeg(base: Uint8Array, bytes: number): Uint8Array | null {
  let gap = bytes - base.length;
  if (!Number.isInteger(bytes) || gap < 0 || (gap > 0 && gap < COM_HEADER)) return null;
  const out = new Uint8Array(bytes);
  out.set(base.subarray(0, SOI_LENGTH), 0);
  let at = SOI_LENGTH;
  while (gap > 0) {
    let payload = Math.min(gap - COM_HEADER, MAX_COM_PAYLOAD);
    // Never leave a remainder too small to hold a segment's header.
    const rest = gap - COM_HEADER - payload;
    if (rest > 0 && rest < COM_HEADER) payload -= COM_HEADER - rest;
    out.set([0xff, 0xfe, (payload + 2) >> 8, (payload + 2) & 0xff], at);
    out.fill(0x20, at + COM_HEADER, at + COM_HEADER + payload);
    at += COM_HEADER + payload;
    gap -= COM_HEADER + payload;
  }
  out.set(base.subarray(SOI_LENGTH), at);
  return out;
}

/** The largest of `bases` (smallest first) that fits in `bytes`, grown to it; null when none fits. */
export function photoOfSize(bases: Uint8Array[], bytes: number): Uint8Array | null {
  for (let i = bases.length - 1; i >= 0; i--) {
    const grown = sizedJpeg(bases[i]!, bytes);
    if (grown) return grown;
  }
  return null;
}
