// Walks a whole JPEG, entropy-coded data included, to the size its decoder will allocate: every frame
// header (SOF) in the file counts, not just the first. Only one frame, Huffman-coded baseline, extended
// or progressive with a bounded number of scans, ending at EOI with nothing but padding after it.
import { ErrorCode } from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { Result } from "../platform.ts";
import { type Dimensions, onlyPadding, u16be } from "./byte-reader.ts";

/** libjpeg writes 10 scans for a progressive JPEG; each scan is a pass over the image's coefficients. */
export const MAX_JPEG_SCANS = 32;

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const DNL = 0xdc;

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
const isFrameHeader = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

export function walkJpeg(b: Uint8Array): Result<{ size: Dimensions }> {
  const truncated = () => fail(400, ErrorCode.TruncatedImage, "the JPEG ends before its end marker");
  const malformed = (why: string) => fail(400, ErrorCode.MalformedImage, `JPEG: ${why}`);
  let size: Dimensions | null = null;
  let scans = 0;
  let i = 2; // after SOI
  for (;;) {
    if (i >= b.length) return truncated();
    if (b[i] !== 0xff) return malformed(`byte ${i} is not a marker`);
    while (b[i] === 0xff) i++; // fill bytes before a marker
    if (i >= b.length) return truncated();
    const marker = b[i]!;
    i++;
    if (marker === EOI) {
      if (!size || scans === 0) return malformed("no frame or no scan before the end marker");
      if (!onlyPadding(b, i)) return malformed("data after the end marker");
      return { ok: true, size };
    }
    // A stuffed zero, TEM, a restart marker or a second SOI outside entropy-coded data.
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= SOI)) {
      return malformed(`marker ${marker.toString(16)} out of place`);
    }
    const length = u16be(b, i);
    if (length === null || i + length > b.length) return truncated();
    if (length < 2) return malformed("a segment shorter than its length field");
    if (isFrameHeader(marker)) {
      if (size) return malformed("more than one frame header");
      const frame = readFrame(b, i, length, marker);
      if (!frame.ok) return frame;
      size = frame.size;
    } else if (marker === SOS) {
      if (!size) return malformed("a scan before the frame header");
      scans++;
      if (scans > MAX_JPEG_SCANS) return malformed(`more than ${MAX_JPEG_SCANS} scans`);
      const components = b[i + 2] ?? 0;
      if (components < 1 || components > 4 || length !== 6 + 2 * components) return malformed("a bad scan header");
      const end = endOfEntropyData(b, i + length);
      if (end === null) return truncated();
      i = end;
      continue;
    } else if (marker === DNL || marker === 0xde || marker === 0xdf) {
      return malformed("DNL and hierarchical markers are not accepted");
    }
    i += length;
  }
}

function readFrame(b: Uint8Array, i: number, length: number, marker: number): Result<{ size: Dimensions }> {
  const malformed = (why: string) => fail(400, ErrorCode.MalformedImage, `JPEG: ${why}`);
  if (marker > 0xc2) return malformed("only Huffman-coded baseline, extended and progressive JPEGs are accepted");
  const precision = b[i + 2];
  const height = u16be(b, i + 3) ?? 0;
  const width = u16be(b, i + 5) ?? 0;
  const components = b[i + 7] ?? 0;
  if (precision !== 8) return malformed("only 8-bit samples are accepted");
  if (width < 1 || height < 1) return malformed("a frame of zero width or height");
  if (![1, 3, 4].includes(components) || length !== 8 + 3 * components) return malformed("a bad frame header");
  for (let c = 0; c < components; c++) {
    const sampling = b[i + 9 + 3 * c]!;
    const h = sampling >> 4;
    const v = sampling & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) return malformed("a bad sampling factor");
  }
  return { ok: true, size: { width, height } };
}

/** The index of the 0xFF that starts the marker after a scan's entropy-coded data, or null if none. */
function endOfEntropyData(b: Uint8Array, from: number): number | null {
  let i = from;
  for (;;) {
    const ff = b.indexOf(0xff, i);
    if (ff < 0) return null;
    let k = ff + 1;
    while (b[k] === 0xff) k++;
    if (k >= b.length) return null;
    const next = b[k]!;
    // A stuffed zero or a restart marker belongs to the data.
    if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) return ff;
    i = k + 1;
  }
}
