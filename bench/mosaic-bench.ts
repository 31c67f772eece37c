// Mosaic benchmark: photon (decode 64 px tile JPEGs + composeMosaic, which runs the builder's own
// composeChunked) against ImageMagick montage on 256 px thumbnails, for 100 and 1000 tiles.
// Run: `npx tsx bench/mosaic-bench.ts`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { PhotonImage, initPhoton, watermark } from "@cf-wasm/photon";
import { composeMosaic, mosaicGrid } from "../worker/mosaic/compose.ts";

const SIZES = [100, 1000];
const PHOTON_RUNS = 5;
const MONTAGE_RUNS = 3;
const MONTAGE = "/usr/bin/montage"; // Debian ImageMagick; not whatever `montage` PATH finds
const GNU_TIME = "/usr/bin/time";
const TILE = 64;

type PhotonResult = { decodeCompose: number; compose: number; wasmStart: number; wasmPeak: number; jsBuffers: number };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function timed<T>(f: () => T): [T, number] {
  const t = performance.now();
  const out = f();
  return [out, performance.now() - t];
}

/** A distinct picture for index i: a hue from i, a diagonal gradient and a few stripes from i's bits. */
function pictureJpeg(i: number, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const [r, g, b] = [(i * 53) % 256, (i * 97) % 256, (i * 151) % 256];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shade = ((x + y) * 96) / (width + height) + ((i >> Math.floor((y * 8) / height)) & 1 ? 40 : 0);
      const noise = ((x * 7919 + y * 104729 + i * 31) % 17) - 8;
      rgba.set(
        [(r + shade + noise) & 255, (g + shade + noise) & 255, (b + noise + 64) & 255, 255],
        (y * width + x) * 4,
      );
    }
  }
  const image = new PhotonImage(rgba, width, height);
  const jpeg = image.get_bytes_jpeg(80);
  image.free();
  return jpeg;
}

function writePictures(dir: string, n: number, width: number, height: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const file = join(dir, `${width}-${String(i).padStart(5, "0")}.jpg`);
    writeFileSync(file, pictureJpeg(i, width, height));
    return file;
  });
}

const decodeTile = (jpeg: Uint8Array) => {
  const image = PhotonImage.new_from_byteslice(jpeg);
  const rgba = image.get_raw_pixels();
  image.free();
  return rgba;
};

/** Child mode: the project path on tile files, in a fresh process so the WASM peak is this N's alone. */
async function photonChild(files: string[]): Promise<PhotonResult> {
  const { memory } = await initPhoton.ensure(); // the node build's wasm-bindgen exports
  const jpegs = files.map((f) => new Uint8Array(readFileSync(f)));
  const wasmStart = memory.buffer.byteLength;
  const full: number[] = [];
  const composeOnly: number[] = [];
  let mosaic: Uint8Array = new Uint8Array(0);
  for (let run = 0; run < PHOTON_RUNS; run++)
    full.push(timed(() => (mosaic = composeMosaic(jpegs.map(decodeTile))))[1]);
  const tiles = jpegs.map(decodeTile);
  for (let run = 0; run < PHOTON_RUNS; run++) composeOnly.push(timed(() => composeMosaic(tiles))[1]);
  // JS-side buffers alive at the peak (input JPEGs, decoded tiles, the canvas, the output), counted
  // rather than sampled: process.memoryUsage().arrayBuffers excludes WASM memory and depends on GC timing.
  const { cols, rows } = mosaicGrid(files.length);
  const jsBuffers =
    jpegs.reduce((sum, j) => sum + j.length, 0) + (files.length + cols * rows) * TILE * TILE * 4 + mosaic.length;
  return {
    decodeCompose: median(full),
    compose: median(composeOnly),
    wasmStart,
    wasmPeak: memory.buffer.byteLength,
    jsBuffers,
  };
}

/** Child mode: the same compose with photon's watermark() per tile instead of TypedArray.set. */
function watermarkChild(files: string[]): number {
  const tiles = files.map((f) => decodeTile(new Uint8Array(readFileSync(f))));
  const { cols, rows } = mosaicGrid(tiles.length);
  const runs = Array.from(
    { length: PHOTON_RUNS },
    () =>
      timed(() => {
        const canvas = new PhotonImage(
          new Uint8Array(cols * rows * TILE * TILE * 4).fill(255),
          cols * TILE,
          rows * TILE,
        );
        tiles.forEach((rgba, i) => {
          const tile = new PhotonImage(rgba, TILE, TILE);
          watermark(canvas, tile, BigInt((i % cols) * TILE), BigInt(Math.floor(i / cols) * TILE));
          tile.free();
        });
        canvas.get_bytes_jpeg(80);
        canvas.free();
      })[1],
  );
  return median(runs);
}

function runChild(mode: "--photon" | "--watermark", listFile: string): string {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, mode, listFile], {
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`${mode} child failed: ${child.stderr}`);
  return child.stdout.trim();
}

/** Median ms of montage over `files`, and its peak RSS in KB when GNU time is there (else null). */
function montage(files: string[], out: string): { ms: number; maxRssKb: number | null } {
  const args = ["-geometry", `${TILE}x${TILE}+0+0`, "-tile", `${mosaicGrid(files.length).cols}x`, ...files, out];
  let maxRssKb: number | null = null;
  const runs = Array.from({ length: MONTAGE_RUNS }, () => {
    if (!existsSync(GNU_TIME)) return timed(() => execFileSync(MONTAGE, args))[1];
    const [res, ms] = timed(() => spawnSync(GNU_TIME, ["-f", "%M", MONTAGE, ...args], { encoding: "utf8" }));
    if (res.status !== 0) throw new Error(`montage failed: ${res.stderr}`);
    maxRssKb = Math.max(maxRssKb ?? 0, Number(res.stderr.trim().split("\n").pop()));
    return ms;
  });
  return { ms: median(runs), maxRssKb };
}

async function main(): Promise<void> {
  const [mode, listFile] = process.argv.slice(2);
  if (mode === "--photon" || mode === "--watermark") {
    const files = readFileSync(listFile!, "utf8").split("\n");
    console.log(JSON.stringify(mode === "--photon" ? await photonChild(files) : watermarkChild(files)));
    return;
  }
  const hasMontage = existsSync(MONTAGE);
  console.log(`mosaic bench: ${cpus().length} cores, ${mb(totalmem())} RAM, Node ${process.version}`);
  if (!hasMontage) console.log("montage not installed: skipping the ImageMagick rows");
  const dir = mkdtempSync(join(tmpdir(), "mosaic-bench-"));
  const rows: string[][] = [];
  try {
    for (const n of SIZES) {
      const tileFiles = writePictures(dir, n, TILE, TILE);
      const listFile = join(dir, `tiles-${n}.txt`);
      writeFileSync(listFile, tileFiles.join("\n"));
      const p = JSON.parse(runChild("--photon", listFile)) as PhotonResult;
      const wm = Number(runChild("--watermark", listFile));
      const row = [
        String(n),
        p.decodeCompose.toFixed(0),
        p.compose.toFixed(0),
        wm.toFixed(0),
        `${mb(p.wasmStart)} -> ${mb(p.wasmPeak)}`,
        mb(p.jsBuffers),
        mb(p.wasmPeak + p.jsBuffers),
      ];
      if (hasMontage) {
        const thumbs = writePictures(dir, n, 256, 192);
        const onThumbs = montage(thumbs, join(dir, "out-thumbs.jpg"));
        const onTiles = montage(tileFiles, join(dir, "out-tiles.jpg"));
        const rss = onThumbs.maxRssKb === null ? "n/a" : mb(onThumbs.maxRssKb * 1024);
        row.push(onThumbs.ms.toFixed(0), rss, onTiles.ms.toFixed(0));
        row.push(`${(onThumbs.ms / p.decodeCompose).toFixed(1)}x`, `${(onTiles.ms / p.decodeCompose).toFixed(1)}x`);
      }
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const head = [
    "N",
    "photon decode+compose ms",
    "compose only ms",
    "watermark() compose ms",
    "WASM memory",
    "JS buffers",
    "WASM + JS",
  ];
  if (hasMontage) head.push("montage 256px ms", "montage RSS", "montage 64px ms", "ratio 256px", "ratio 64px");
  console.log(`| ${head.join(" | ")} |\n|${head.map(() => "---").join("|")}|`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(
    `photon: median of ${PHOTON_RUNS}; montage: median of ${MONTAGE_RUNS}; ratio = montage / photon decode+compose.`,
  );
}

await main();
