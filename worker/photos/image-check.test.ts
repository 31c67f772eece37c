// Tests for inspectImage / checkImage / sniffImage: the true size of real JPEG, PNG and WebP files read from
// their whole bitstream, and every file of the hostile corpus (test/fixtures/hostile) refused with its code.
import { readFileSync } from "node:fs";
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../shared/protocol.ts";
import { checkImage, extensionFor, inspectImage, sniffImage } from "./image-check.ts";
import { MAX_JPEG_SCANS } from "./jpeg-structure.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url)));
const hostile = (name: string) => fixture(`hostile/${name}`);
const photoRules = { maxPixels: LIMITS.maxPhotoPixels };

function encode(width: number, height: number, as: "jpeg" | "png" | "webp"): Uint8Array {
  const rgba = new Uint8Array(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 13) % 256));
  const image = new PhotonImage(rgba, width, height);
  try {
    return as === "jpeg" ? image.get_bytes_jpeg(80) : as === "png" ? image.get_bytes() : image.get_bytes_webp();
  } finally {
    image.free();
  }
}

const bytes = (...parts: Array<number[] | string | Uint8Array>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : [...p])));

describe("inspectImage on real images", () => {
  it("reads a JPEG's type and size from its frame header", () => {
    expect(sniffImage(encode(37, 23, "jpeg"))).toEqual({ type: "image/jpeg", width: 37, height: 23 });
    expect(sniffImage(fixture("photo.jpg"))).toEqual({ type: "image/jpeg", width: 1600, height: 1200 });
    expect(sniffImage(fixture("thumb.jpg"))).toEqual({ type: "image/jpeg", width: 256, height: 192 });
  });

  it("walks past APP segments and fill bytes to the frame header", () => {
    const jpeg = encode(40, 30, "jpeg");
    const app1 = [0xff, 0xe1, 0x00, 0x08, ...bytes("Exif\0\0")];
    const withApp = bytes(jpeg.subarray(0, 2), app1, [0xff, 0xff], jpeg.subarray(2));
    expect(sniffImage(withApp)).toEqual({ type: "image/jpeg", width: 40, height: 30 });
  });

  it("reads a PNG's size from IHDR after checking every chunk's CRC", () => {
    expect(sniffImage(encode(51, 17, "png"))).toEqual({ type: "image/png", width: 51, height: 17 });
    expect(sniffImage(fixture("small.png"))).toEqual({ type: "image/png", width: 320, height: 240 });
  });

  it("reads a lossy WebP's size from its VP8 frame and a lossless one's from its VP8L frame", () => {
    expect(sniffImage(fixture("small.webp"))).toEqual({ type: "image/webp", width: 320, height: 240 });
    expect(sniffImage(encode(123, 45, "webp"))).toEqual({ type: "image/webp", width: 123, height: 45 });
  });

  it("takes a little zero padding after a JPEG's end marker", () => {
    const jpeg = fixture("tile.jpg");
    expect(sniffImage(bytes(jpeg, [0, 0, 0, 0]))).toEqual({ type: "image/jpeg", width: 64, height: 64 });
  });

  it("believes a JPEG frame header it cannot disprove: big-header.jpg's one SOF says 4000x3000", () => {
    expect(sniffImage(fixture("big-header.jpg"))).toEqual({ type: "image/jpeg", width: 4000, height: 3000 });
  });
});

describe("inspectImage on broken and foreign files", () => {
  it("refuses every cut of a JPEG, a PNG and a WebP as truncated", () => {
    for (const name of ["tile.jpg", "small.png", "small.webp"]) {
      const whole = fixture(name);
      for (const cut of [16, 40, whole.length >> 1, whole.length - 2]) {
        expect(inspectImage(whole.subarray(0, cut)), `${name} cut at ${cut}`).toMatchObject({
          ok: false,
          status: 400,
          code: "truncated_image",
        });
      }
    }
  });

  it("refuses random bytes, a text file and an empty file as not an image", () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let n = 0; n < 50; n++) expect(sniffImage(Uint8Array.from({ length: 512 }, next))).toBeNull();
    const text = new TextEncoder().encode("hello, this is not a picture\n".repeat(20));
    expect(inspectImage(text)).toMatchObject({ ok: false, status: 415, code: "not_an_image" });
    expect(inspectImage(new Uint8Array(0))).toMatchObject({ ok: false, status: 415, code: "not_an_image" });
  });

  it("refuses a scan before the frame header and a JPEG with no scan", () => {
    const sof0 = [0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00];
    const sos = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x12, 0x34];
    expect(inspectImage(bytes([0xff, 0xd8], sos, [0xff, 0xd9]))).toMatchObject({ code: "malformed_image" });
    expect(inspectImage(bytes([0xff, 0xd8], sof0, [0xff, 0xd9]))).toMatchObject({ code: "malformed_image" });
    expect(inspectImage(bytes([0xff, 0xd8], sof0, sos, [0xff, 0xd9]))).toMatchObject({ ok: true });
  });
});

/** Each hostile fixture: what inspectImage reads (its true size, or why it refuses), then checkImage with
 *  the photo budget (LIMITS.maxPhotoPixels). */
const CORPUS: Array<[file: string, inspected: { width: number; height: number } | string, photo: [number, string]]> = [
  ["webp-canvas-1x1-vp8l-16384.webp", "malformed_image", [400, "malformed_image"]],
  ["webp-canvas-1x1-vp8l-4096.webp", "malformed_image", [400, "malformed_image"]],
  ["webp-canvas-1x1-vp8-16383.webp", "malformed_image", [400, "malformed_image"]],
  ["webp-canvas-16384-vp8l-16384.webp", { width: 16384, height: 16384 }, [413, "image_too_large"]],
  ["webp-vp8l-16384.webp", { width: 16384, height: 16384 }, [413, "image_too_large"]],
  ["webp-vp8-16383.webp", { width: 16383, height: 16383 }, [413, "image_too_large"]],
  ["webp-animated.webp", "malformed_image", [400, "malformed_image"]],
  ["webp-truncated.webp", "truncated_image", [400, "truncated_image"]],
  ["png-ihdr-100000x100000.png", { width: 100_000, height: 100_000 }, [413, "image_too_large"]],
  ["png-ihdr-8000x8000.png", { width: 8000, height: 8000 }, [413, "image_too_large"]],
  ["png-bad-crc.png", "malformed_image", [400, "malformed_image"]],
  ["png-truncated.png", "truncated_image", [400, "truncated_image"]],
  ["png-html-polyglot.png", "malformed_image", [400, "malformed_image"]],
  ["jpeg-65535x65535.jpg", { width: 65535, height: 65535 }, [413, "image_too_large"]],
  ["jpeg-second-sof.jpg", "malformed_image", [400, "malformed_image"]],
  ["jpeg-arithmetic.jpg", "malformed_image", [400, "malformed_image"]],
  ["jpeg-dnl-height-0.jpg", "malformed_image", [400, "malformed_image"]],
  ["jpeg-100-scans.jpg", "malformed_image", [400, "malformed_image"]],
  ["jpeg-truncated.jpg", "truncated_image", [400, "truncated_image"]],
  ["jpeg-zip-polyglot.jpg", "malformed_image", [400, "malformed_image"]],
  // Well formed: only decoding finds the garbled table (see isolated-decoder.test.ts).
  ["jpeg-bad-huffman.jpg", { width: 48, height: 32 }, [200, "ok"]],
];

describe("the hostile corpus", () => {
  for (const [file, inspected, [status, code]] of CORPUS) {
    it(`${file}: ${typeof inspected === "string" ? inspected : `${inspected.width}x${inspected.height}`}, as a photo ${status} ${code}`, () => {
      const b = hostile(file);
      const r = inspectImage(b);
      if (typeof inspected === "string") expect(r).toMatchObject({ ok: false, status: 400, code: inspected });
      else expect(r).toMatchObject({ ok: true, info: inspected });
      const checked = checkImage(b, photoRules);
      if (status === 200) expect(checked.ok).toBe(true);
      else expect(checked).toMatchObject({ ok: false, status, code });
    });
  }

  it("names the lie: the canvas and the frame size, the second frame, the data after the end", () => {
    expect(inspectImage(hostile("webp-canvas-1x1-vp8l-16384.webp"))).toMatchObject({
      message: "WebP: a 1x1 canvas over a 16384x16384 frame",
    });
    expect(inspectImage(hostile("jpeg-second-sof.jpg"))).toMatchObject({ message: "JPEG: more than one frame header" });
    expect(inspectImage(hostile("jpeg-100-scans.jpg"))).toMatchObject({
      message: `JPEG: more than ${MAX_JPEG_SCANS} scans`,
    });
    expect(inspectImage(hostile("jpeg-zip-polyglot.jpg"))).toMatchObject({
      message: "JPEG: data after the end marker",
    });
    expect(inspectImage(hostile("png-bad-crc.png"))).toMatchObject({
      message: "PNG: the IHDR chunk's CRC does not match",
    });
  });

  it("refuses what only JPEG may be, and a pixel budget, with checkImage", () => {
    const rules = { maxPixels: 64 * 64, types: ["image/jpeg"] as const };
    expect(checkImage(fixture("small.png"), rules)).toMatchObject({ ok: false, status: 415, code: "not_an_image" });
    expect(checkImage(fixture("thumb.jpg"), rules)).toMatchObject({ ok: false, status: 413, code: "image_too_large" });
    expect(checkImage(fixture("tile.jpg"), rules)).toMatchObject({ ok: true, info: { width: 64, height: 64 } });
  });
});

describe("inspectImage on mutated files", () => {
  it("answers a result, never an exception, for 3000 seeded mutations of real and hostile files", () => {
    const sources = ["tile.jpg", "small.png", "small.webp", "hostile/jpeg-second-sof.jpg", "hostile/png-bad-crc.png"];
    const files = sources.map(fixture);
    let seed = 20261202;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 3000; n++) {
      const b = files[n % files.length]!.slice(0, 1 + Math.floor(next() * 4000));
      for (let k = 0; k < 1 + next() * 8; k++) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
      const r = inspectImage(b);
      if (r.ok) expect(r.info.width * r.info.height).toBeGreaterThan(0);
      else expect([400, 415]).toContain(r.status);
    }
  });
});

describe("extensionFor", () => {
  it("names the file extension for each image type", () => {
    expect(extensionFor("image/jpeg")).toBe("jpg");
    expect(extensionFor("image/png")).toBe("png");
    expect(extensionFor("image/webp")).toBe("webp");
  });
});
