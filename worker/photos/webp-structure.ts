// Walks a whole WebP (RIFF) file to the size its decoder will allocate: the VP8 or VP8L frame's own size,
// which must equal the VP8X canvas when there is one (a 1×1 canvas over a 16384² frame is refused).
// Still images only: an animation is refused.
import { ErrorCode } from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { Result } from "../platform.ts";
import { type Dimensions, fourcc, onlyPadding, u16le, u24le, u32le } from "./byte-reader.ts";

const VP8X_ANIMATION = 0x02;

type Chunk = { type: string; data: number; length: number };

export function walkWebp(b: Uint8Array): Result<{ size: Dimensions }> {
  const truncated = () => fail(400, ErrorCode.TruncatedImage, "the WebP is shorter than its RIFF header says");
  const malformed = (why: string) => fail(400, ErrorCode.MalformedImage, `WebP: ${why}`);
  const riffSize = u32le(b, 4) ?? 0;
  if (riffSize < 4 + 8 || riffSize > 0xfffffff6) return malformed("a bad RIFF size");
  const end = 8 + riffSize;
  if (end > b.length) return truncated();
  if (!onlyPadding(b, end)) return malformed("data after the RIFF chunk");
  const chunks: Chunk[] = [];
  for (let i = 12; i < end;) {
    const length = u32le(b, i + 4);
    if (length === null || i + 8 + length > end) return malformed("a chunk longer than the file");
    chunks.push({ type: fourcc(b, i), data: i + 8, length });
    i += 8 + length + (length & 1); // chunks are padded to an even length
  }
  const [first, ...rest] = chunks;
  if (!first) return malformed("no chunks");
  if (first.type === "VP8 " || first.type === "VP8L") {
    if (rest.length > 0) return malformed("a simple WebP holds one chunk");
    return frameSize(b, first);
  }
  if (first.type !== "VP8X" || first.length < 10) return malformed(`an unknown first chunk ${first.type}`);
  if ((b[first.data]! & VP8X_ANIMATION) !== 0 || rest.some((c) => c.type === "ANIM" || c.type === "ANMF")) {
    return malformed("animated WebP is not accepted");
  }
  const canvas = { width: u24le(b, first.data + 4)! + 1, height: u24le(b, first.data + 7)! + 1 };
  const frames = rest.filter((c) => c.type === "VP8 " || c.type === "VP8L");
  if (frames.length !== 1) return malformed("a still WebP holds one VP8 or VP8L chunk");
  const frame = frameSize(b, frames[0]!);
  if (!frame.ok) return frame;
  if (frame.size.width !== canvas.width || frame.size.height !== canvas.height) {
    const f = frame.size;
    return malformed(`a ${canvas.width}x${canvas.height} canvas over a ${f.width}x${f.height} frame`);
  }
  return frame;
}

/** The size a VP8 (lossy) or VP8L (lossless) bitstream declares in its own header. */
function frameSize(b: Uint8Array, chunk: Chunk): Result<{ size: Dimensions }> {
  const malformed = (why: string) => fail(400, ErrorCode.MalformedImage, `WebP: ${why}`);
  const d = chunk.data;
  if (chunk.type === "VP8L") {
    // Signature 0x2f, then width-1 and height-1 as 14-bit fields, an alpha bit and a 3-bit version (0).
    const bits = u32le(b, d + 1);
    if (chunk.length < 5 || b[d] !== 0x2f || bits === null || bits >>> 29 !== 0) return malformed("a bad VP8L header");
    return { ok: true, size: { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 } };
  }
  // A key frame's 3-byte tag (bit 0 clear; the first partition's size in bits 5..23), the start code
  // 9d 01 2a, then 14-bit width and height, each with a 2-bit upscaling hint that decoders ignore.
  const tag = u24le(b, d);
  if (chunk.length < 10 || tag === null || (tag & 1) !== 0 || tag >>> 5 > chunk.length - 10) {
    return malformed("a bad VP8 frame tag");
  }
  if (b[d + 3] !== 0x9d || b[d + 4] !== 0x01 || b[d + 5] !== 0x2a) return malformed("no VP8 start code");
  const width = u16le(b, d + 6)! & 0x3fff;
  const height = u16le(b, d + 8)! & 0x3fff;
  if (width < 1 || height < 1) return malformed("a frame of zero width or height");
  return { ok: true, size: { width, height } };
}
