// Writes the image fixtures in test/fixtures/ deterministically (seeded PRNG): `npx tsx scripts/make-fixtures.ts`.
// Re-running it gives the same bytes; small.webp needs Debian ImageMagick at /usr/bin/convert.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PhotonImage, SamplingFilter, resize } from "@cf-wasm/photon";
import { makeThumb, makeTile } from "../worker/photos/thumbnail.ts";
import { mulberry32 } from "./prng.ts";

const OUT = join(import.meta.dirname, "..", "test", "fixtures");
const IMAGEMAGICK_CONVERT = "/usr/bin/convert"; // not a bare `convert`: PATH may hold a stand-in

/** Smooth value noise in [0, 1): random values on a grid `cell` px apart, bilinearly interpolated. */
function valueNoise(rand: () => number, width: number, height: number, cell: number): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const grid = Float32Array.from({ length: gw * (Math.ceil(height / cell) + 2) }, rand);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = Math.floor(y / cell);
    const fy = y / cell - gy;
    for (let x = 0; x < width; x++) {
      const gx = Math.floor(x / cell);
      const fx = x / cell - gx;
      const i = gy * gw + gx;
      const top = grid[i]! * (1 - fx) + grid[i + 1]! * fx;
      const bottom = grid[i + gw]! * (1 - fx) + grid[i + gw + 1]! * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** RGBA pixels of a photo-like scene: sky and ground gradients, textured noise, a sun and "people". */
function photoPixels(width: number, height: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  const coarse = valueNoise(rand, width, height, 160);
  const fine = valueNoise(rand, width, height, 12);
  const horizon = Math.round(height * 0.55);
  const people = Array.from({ length: 9 }, () => ({
    x: width * (0.08 + rand() * 0.84),
    r: height * (0.05 + rand() * 0.04),
    colour: [rand() * 255, rand() * 255, rand() * 255] as const,
  }));
  const px = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const n = coarse[i]! * 40 + fine[i]! * 24 + rand() * 10 - 37;
      let rgb: [number, number, number] =
        y < horizon
          ? [90 + (y / horizon) * 100, 140 + (y / horizon) * 70, 230 - (y / horizon) * 30]
          : [70 + coarse[i]! * 60, 110 + fine[i]! * 70, 50 + coarse[i]! * 30];
      const sun = Math.hypot(x - width * 0.78, y - height * 0.18);
      if (sun < height * 0.08) rgb = [255, 236, 160];
      for (const p of people) {
        const headY = horizon - p.r * 2.2;
        const inHead = Math.hypot(x - p.x, y - headY) < p.r;
        const inBody = Math.abs(x - p.x) < p.r * 1.3 && y > headY + p.r && y < horizon + p.r * 4;
        if (inHead) rgb = [225, 180, 150];
        else if (inBody) rgb = [p.colour[0], p.colour[1], p.colour[2]];
      }
      px[i * 4] = clamp(rgb[0] + n);
      px[i * 4 + 1] = clamp(rgb[1] + n);
      px[i * 4 + 2] = clamp(rgb[2] + n);
      px[i * 4 + 3] = 255;
    }
  }
  return px;
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** Offset of the SOFn segment's length field in a JPEG (the same walk as sniffImage). */
function sofOffset(jpeg: Uint8Array): number {
  let i = 2;
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return i + 2;
    i += 2 + ((jpeg[i + 2]! << 8) | jpeg[i + 3]!);
  }
  throw new Error("no SOF marker found");
}

function write(name: string, bytes: Uint8Array): void {
  writeFileSync(join(OUT, name), bytes);
  console.log(`${name.padEnd(16)} ${String(bytes.length).padStart(7)} bytes`);
}

function unwrapOk<T>(r: ({ ok: true } & T) | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(r.message);
  return r;
}

mkdirSync(OUT, { recursive: true });

const photo = new PhotonImage(photoPixels(1600, 1200, 20240501), 1600, 1200);
const photoJpeg = photo.get_bytes_jpeg(80);
write("photo.jpg", photoJpeg);
write("thumb.jpg", unwrapOk(makeThumb(photoJpeg, { maxSide: 256, maxPixels: 1600 * 1200 })).jpeg);

const tile = new PhotonImage(unwrapOk(makeTile(photoJpeg, 64, 1600 * 1200)).rgba, 64, 64);
write("tile.jpg", tile.get_bytes_jpeg(80));
tile.free();

const small = resize(photo, 320, 240, SamplingFilter.Triangle);
write("small.png", small.get_bytes());
small.free();

// big-header.jpg: a valid 64x48 JPEG whose SOF header is patched to claim 4000x3000 pixels. It is
// for checking that the server refuses from the header alone; decoding it would fail or mislead.
const bigSource = resize(photo, 64, 48, SamplingFilter.Triangle);
const bigHeader = bigSource.get_bytes_jpeg(80);
bigSource.free();
const sof = sofOffset(bigHeader);
new DataView(bigHeader.buffer, bigHeader.byteOffset).setUint16(sof + 3, 3000); // height
new DataView(bigHeader.buffer, bigHeader.byteOffset).setUint16(sof + 5, 4000); // width
write("big-header.jpg", bigHeader);
photo.free();

if (existsSync(IMAGEMAGICK_CONVERT)) {
  // -strip keeps the file a plain lossy "VP8 " WebP, without metadata chunks.
  execFileSync(IMAGEMAGICK_CONVERT, [join(OUT, "small.png"), "-strip", "-quality", "75", join(OUT, "small.webp")]);
  write("small.webp", readFileSync(join(OUT, "small.webp")));
} else {
  console.log(`small.webp       skipped: ${IMAGEMAGICK_CONVERT} not installed`);
}

writeFileSync(
  join(OUT, "README.md"),
  `# Image fixtures

Written by \`npx tsx scripts/make-fixtures.ts\` (seeded, so re-running gives the same files). Do not edit by hand.

- photo.jpg: 1600x1200 photo-like JPEG (gradients, noise, shapes), about 220 KB.
- thumb.jpg: photo.jpg through makeThumb (long side 256).
- tile.jpg: photo.jpg through makeTile (64x64), as JPEG.
- small.png: 320x240 RGBA PNG.
- small.webp: small.png as lossy ("VP8 ") WebP, made by /usr/bin/convert (absent if ImageMagick is missing).
- big-header.jpg: a valid 64x48 JPEG whose SOF header is **patched** to claim 4000x3000, to check that
  the server refuses to decode from the header alone. Its pixel data does not match the header.
`,
);

const names = ["photo.jpg", "thumb.jpg", "tile.jpg", "small.png", "small.webp", "big-header.jpg"];
const total = names.filter((n) => existsSync(join(OUT, n))).reduce((sum, n) => sum + statSync(join(OUT, n)).size, 0);
console.log(`total            ${String(total).padStart(7)} bytes`);
