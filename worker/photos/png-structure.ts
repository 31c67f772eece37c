// Walks a whole PNG chunk by chunk: the IHDR first (its size is what a decoder allocates), every chunk's
// CRC, animation frames inside the canvas, at least one IDAT, and IEND last with nothing but padding after.
import { ErrorCode } from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { Result } from "../platform.ts";
import { type Dimensions, fourcc, onlyPadding, u32be } from "./byte-reader.ts";

const SIGNATURE_LENGTH = 8;
/** Critical chunks (upper-case first letter) a decoder must understand; any other is refused. */
const CRITICAL = new Set(["IHDR", "PLTE", "IDAT", "IEND"]);
/** Allowed bit depths per colour type (PNG spec, table 11.1). */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export function walkPng(b: Uint8Array): Result<{ size: Dimensions }> {
  const truncated = () => fail(400, ErrorCode.TruncatedImage, "the PNG ends before its IEND chunk");
  const malformed = (why: string) => fail(400, ErrorCode.MalformedImage, `PNG: ${why}`);
  let size: Dimensions | null = null;
  let dataChunks = 0;
  let i = SIGNATURE_LENGTH;
  for (;;) {
    const length = u32be(b, i);
    const type = fourcc(b, i + 4);
    if (length === null || type === "") return truncated();
    if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) return malformed("a bad chunk header");
    const data = i + 8;
    const end = data + length;
    if (end + 4 > b.length) return truncated();
    if (crc32(b.subarray(i + 4, end)) !== u32be(b, end)) return malformed(`the ${type} chunk's CRC does not match`);
    if ((i === SIGNATURE_LENGTH) !== (type === "IHDR")) return malformed("IHDR is not the one first chunk");
    if (type === "IHDR") {
      const header = readHeader(b, data, length);
      if (!header.ok) return header;
      size = header.size;
    } else if (type === "IDAT") {
      dataChunks++;
    } else if (type === "fcTL" && !frameInside(b, data, length, size!)) {
      return malformed("an animation frame outside the canvas");
    } else if (type === "IEND") {
      if (dataChunks === 0) return malformed("no image data");
      if (!onlyPadding(b, end + 4)) return malformed("data after IEND");
      return { ok: true, size: size! };
    } else if (type.charCodeAt(0) < 0x61 && !CRITICAL.has(type)) {
      return malformed(`an unknown critical chunk ${type}`);
    }
    i = end + 4;
  }
}

function readHeader(b: Uint8Array, at: number, length: number): Result<{ size: Dimensions }> {
  const malformed = (why: string) => fail(400, ErrorCode.MalformedImage, `PNG: ${why}`);
  const width = u32be(b, at) ?? 0;
  const height = u32be(b, at + 4) ?? 0;
  const [depth, colour, compression, filter, interlace] = b.subarray(at + 8, at + 13);
  if (length !== 13) return malformed("a bad IHDR");
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) return malformed("a bad image size");
  if (!DEPTHS[colour!]?.includes(depth!) || compression !== 0 || filter !== 0 || interlace! > 1) {
    return malformed("a bad IHDR");
  }
  return { ok: true, size: { width, height } };
}

/** An APNG frame control chunk: sequence, width, height, x, y, … must lie inside the canvas. */
function frameInside(b: Uint8Array, at: number, length: number, canvas: Dimensions): boolean {
  const [w, h, x, y] = [4, 8, 12, 16].map((o) => u32be(b, at + o) ?? 0);
  return length === 26 && w! >= 1 && h! >= 1 && x! + w! <= canvas.width && y! + h! <= canvas.height;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
