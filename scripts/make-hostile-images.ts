// Writes the hostile image corpus in test/fixtures/hostile/ (seeded, so re-running gives the same bytes):
// `npx tsx scripts/make-hostile-images.ts`. Size lies, bombs, truncated and corrupt files and polyglots,
// each small; test/fixtures/hostile/README.md (written too) says what each is and what the server answers.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PhotonImage } from "@cf-wasm/photon";
import { crc32 } from "../worker/photos/png-structure.ts";
import { mulberry32 } from "./prng.ts";

const OUT = join(import.meta.dirname, "..", "test", "fixtures", "hostile");
const rand = mulberry32(20261202);

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const le16 = (n: number) => [n & 255, (n >>> 8) & 255];
const le24 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
const be16 = (n: number) => [(n >>> 8) & 255, n & 255];
const be32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const concat = (...parts: Array<ArrayLike<number>>) => new Uint8Array(parts.flatMap((p) => Array.from(p)));

/** A real image of noise, encoded by photon. */
function encoded(width: number, height: number, as: "jpeg" | "png"): Uint8Array {
  const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 : rand() * 256));
  const image = new PhotonImage(rgba, width, height);
  try {
    return as === "jpeg" ? image.get_bytes_jpeg(85) : image.get_bytes();
  } finally {
    image.free();
  }
}

/** Index of the first `0xFF marker` in a JPEG's segments (the same walk a decoder does before the scan). */
function segment(jpeg: Uint8Array, marker: number): number {
  let i = 2;
  while (jpeg[i] === 0xff && jpeg[i + 1] !== marker) i += 2 + ((jpeg[i + 2]! << 8) | jpeg[i + 3]!);
  if (jpeg[i + 1] !== marker) throw new Error(`no marker ${marker.toString(16)}`);
  return i;
}

// ---- WebP: RIFF "WEBP" with chunks ----
const chunk = (fourcc: string, data: number[]) => [
  ...ascii(fourcc),
  ...le32(data.length),
  ...data,
  ...(data.length & 1 ? [0] : []),
];
const riff = (...chunks: number[][]) => {
  const body = chunks.flat();
  return concat(ascii("RIFF"), le32(4 + body.length), ascii("WEBP"), body);
};
/** VP8X header: flags, 3 reserved bytes, canvas width-1 and height-1 (24 bits each). */
const vp8x = (w: number, h: number, flags = 0) => chunk("VP8X", [flags, 0, 0, 0, ...le24(w - 1), ...le24(h - 1)]);
/** A VP8L bitstream header: signature, 14-bit width-1 and height-1, no alpha, version 0, then a few bytes. */
const vp8l = (w: number, h: number) => {
  const bits = ((w - 1) & 0x3fff) | (((h - 1) & 0x3fff) << 14);
  return chunk("VP8L", [0x2f, ...le32(bits >>> 0), 0x00, 0x00, 0x00]);
};
/** A VP8 key frame header: frame tag (key frame, version 0, shown, first partition of 2 bytes), start code, size. */
const vp8 = (w: number, h: number) => {
  const tag = (2 << 5) | 0x10;
  return chunk("VP8 ", [...le24(tag), 0x9d, 0x01, 0x2a, ...le16(w), ...le16(h), 0x00, 0x00]);
};

// ---- PNG ----
const pngChunk = (type: string, data: number[]) => {
  const typed = [...ascii(type), ...data];
  return [...be32(data.length), ...typed, ...be32(crc32(Uint8Array.from(typed)))];
};
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** One zlib stream of a few bytes: level-0 stored block of 4 zero bytes (a first scanline, then it ends). */
const tinyZlib = [0x78, 0x01, 0x01, 0x04, 0x00, 0xfb, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01];
const hugePng = (w: number, h: number) =>
  concat(
    PNG_SIGNATURE,
    pngChunk("IHDR", [...be32(w), ...be32(h), 8, 6, 0, 0, 0]),
    pngChunk("IDAT", tinyZlib),
    pngChunk("IEND", []),
  );

// ---- ZIP (stored, one file), for the polyglot ----
function zipOf(name: string, content: Uint8Array): Uint8Array {
  const n = ascii(name);
  const size = le32(content.length);
  // The fields the local header and the central directory entry share: flags, method (stored), time, date,
  // CRC, compressed and plain size, name length, extra length.
  const entry = [...le16(0), ...le16(0), ...le16(0), ...le16(0), ...le32(crc32(content)), ...size, ...size];
  const names = [...le16(n.length), ...le16(0)];
  const local = [...le32(0x04034b50), ...le16(10), ...entry, ...names, ...n];
  // Then comment length, disk, internal and external attributes, and the local header's offset (0).
  const central = [...le32(0x02014b50), ...le16(10), ...le16(10), ...entry, ...names];
  central.push(...le16(0), ...le16(0), ...le16(0), ...le32(0), ...le32(0), ...n);
  const end = [...le32(0x06054b50), ...le16(0), ...le16(0), ...le16(1), ...le16(1)];
  end.push(...le32(central.length), ...le32(local.length + content.length), ...le16(0));
  return concat(local, content, central, end);
}

const HTML = new Uint8Array(
  ascii("<!doctype html><html><body><script>alert(document.domain)</script></body></html>\n"),
);

const jpeg = encoded(48, 32, "jpeg");
const png = encoded(16, 16, "png");
const files: Array<[name: string, bytes: Uint8Array, what: string]> = [];
const add = (name: string, bytes: Uint8Array, what: string) => files.push([name, bytes, what]);

add(
  "webp-canvas-1x1-vp8l-16384.webp",
  riff(vp8x(1, 1), vp8l(16384, 16384)),
  "VP8X canvas 1×1 over a VP8L frame of 16384×16384 (the 46-byte bomb)",
);
add(
  "webp-canvas-1x1-vp8l-4096.webp",
  riff(vp8x(1, 1), vp8l(4096, 4096)),
  "VP8X canvas 1×1 over a VP8L frame of 4096×4096",
);
add(
  "webp-canvas-1x1-vp8-16383.webp",
  riff(vp8x(1, 1), vp8(16383, 16383)),
  "VP8X canvas 1×1 over a lossy VP8 key frame of 16383×16383",
);
add(
  "webp-canvas-16384-vp8l-16384.webp",
  riff(vp8x(16384, 16384), vp8l(16384, 16384)),
  "an honest VP8X canvas and VP8L frame of 16384×16384",
);
add("webp-vp8l-16384.webp", riff(vp8l(16384, 16384)), "a simple lossless WebP declaring 16384×16384");
add("webp-vp8-16383.webp", riff(vp8(16383, 16383)), "a simple lossy WebP declaring 16383×16383");
add(
  "webp-animated.webp",
  riff(vp8x(64, 64, 0x02), chunk("ANIM", [0, 0, 0, 0, 0, 0]), vp8l(64, 64)),
  "an animated WebP (refused)",
);
add("webp-truncated.webp", riff(vp8l(64, 64)).subarray(0, 24), "a WebP cut inside its VP8L chunk");
add("png-ihdr-100000x100000.png", hugePng(100_000, 100_000), "IHDR 100000×100000 RGBA over a 15-byte zlib stream");
add("png-ihdr-8000x8000.png", hugePng(8000, 8000), "IHDR 8000×8000 (64 MP) over a 15-byte zlib stream");
const badCrc = png.slice();
badCrc[8 + 8 + 13] = 0xff - badCrc[8 + 8 + 13]!; // IHDR's CRC
add("png-bad-crc.png", badCrc, "a real 16×16 PNG with its IHDR CRC broken");
add("png-truncated.png", png.subarray(0, png.length - 20), "a real 16×16 PNG cut before IEND");
add("png-html-polyglot.png", concat(png, HTML), "a real PNG with an HTML page after IEND");
const huge = jpeg.slice();
const sof = segment(huge, 0xc0);
huge.set([...be16(65535), ...be16(65535)], sof + 5); // height, width
add("jpeg-65535x65535.jpg", huge, "a real 48×32 JPEG whose SOF0 declares 65535×65535");
const eoi = jpeg.length - 2;
const secondFrame = [
  0xff,
  0xc0,
  0x00,
  0x11,
  0x08,
  ...be16(65535),
  ...be16(65535),
  0x03,
  0x01,
  0x22,
  0x00,
  0x02,
  0x11,
  0x01,
  0x03,
  0x11,
  0x01,
];
add(
  "jpeg-second-sof.jpg",
  concat(jpeg.subarray(0, eoi), secondFrame, jpeg.subarray(eoi)),
  "a real 48×32 JPEG with a second SOF0 of 65535×65535 after its scan",
);
const arithmetic = jpeg.slice();
arithmetic[sof + 1] = 0xc9;
add("jpeg-arithmetic.jpg", arithmetic, "a real JPEG relabelled arithmetic-coded (SOF9)");
const zeroHeight = jpeg.slice();
zeroHeight.set(be16(0), sof + 5);
add("jpeg-dnl-height-0.jpg", zeroHeight, "a JPEG whose SOF0 height is 0 (defined later by a DNL marker)");
const sos = segment(jpeg, 0xda);
const emptyScan = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00];
add(
  "jpeg-100-scans.jpg",
  concat(jpeg.subarray(0, sos), ...Array(100).fill(emptyScan), jpeg.subarray(sos)),
  "a JPEG with 100 scans (progressive decoding is a pass per scan)",
);
add("jpeg-truncated.jpg", jpeg.subarray(0, jpeg.length - 40), "a real JPEG cut inside its scan");
add(
  "jpeg-zip-polyglot.jpg",
  concat(jpeg, zipOf("index.html", HTML)),
  "a real JPEG with a ZIP (holding index.html) after EOI",
);
const badHuffman = jpeg.slice();
const dht = segment(badHuffman, 0xc4);
for (let i = dht + 5; i < dht + 21; i++) badHuffman[i] = 0xff - badHuffman[i]!;
add(
  "jpeg-bad-huffman.jpg",
  badHuffman,
  "a whole 48×32 JPEG whose Huffman table is garbled: well formed, but photon traps decoding it",
);

mkdirSync(OUT, { recursive: true });
for (const [name, bytes] of files) {
  writeFileSync(join(OUT, name), bytes);
  console.log(`${name.padEnd(36)} ${String(bytes.length).padStart(6)} bytes`);
}
writeFileSync(
  join(OUT, "README.md"),
  `# Hostile images

Written by \`npx tsx scripts/make-hostile-images.ts\` (seeded, so re-running gives the same files). Do not edit by
hand. What the server answers for each is in \`worker/photos/image-check.test.ts\` and \`test/e2e/image-bombs.test.ts\`.

${files.map(([name, bytes, what]) => `- ${name} (${bytes.length} bytes): ${what}.`).join("\n")}
`,
);
