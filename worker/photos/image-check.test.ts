// Tests for sniffImage / looksComplete / extensionFor: real JPEG, PNG and WebP bytes, hand-made
// headers, cut files and things that are not images.
import { readFileSync } from "node:fs";
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { extensionFor, looksComplete, sniffImage } from "./image-check.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url)));

function encode(width: number, height: number, as: "jpeg" | "png" | "webp"): Uint8Array {
  const rgba = new Uint8Array(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 13) % 256));
  const image = new PhotonImage(rgba, width, height);
  try {
    return as === "jpeg" ? image.get_bytes_jpeg(80) : as === "png" ? image.get_bytes() : image.get_bytes_webp();
  } finally {
    image.free();
  }
}

const bytes = (...parts: Array<number[] | string>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));

/** A RIFF/WEBP file holding one chunk with `data`. */
const webp = (fourcc: string, data: number[]) => {
  const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
  return bytes("RIFF", le32(4 + 8 + data.length), "WEBP", fourcc, le32(data.length), data);
};

describe("sniffImage", () => {
  it("reads a JPEG's type and size from its frame header", () => {
    expect(sniffImage(encode(37, 23, "jpeg"))).toEqual({ type: "image/jpeg", width: 37, height: 23 });
  });

  it("reads the photo fixture as a 1600x1200 JPEG", () => {
    expect(sniffImage(fixture("photo.jpg"))).toEqual({ type: "image/jpeg", width: 1600, height: 1200 });
  });

  it("walks past APP segments and fill bytes to the frame header", () => {
    const jpeg = encode(40, 30, "jpeg");
    const app1 = [0xff, 0xe1, 0x00, 0x08, ...bytes("Exif\0\0")];
    const withApp = new Uint8Array([...jpeg.subarray(0, 2), ...app1, 0xff, 0xff, ...jpeg.subarray(2)]);
    expect(sniffImage(withApp)).toEqual({ type: "image/jpeg", width: 40, height: 30 });
  });

  it("reads a progressive (SOF2) frame header and skips DHT, DAC and JPG segments that precede it", () => {
    const fake = [0x08, 0x7f, 0x7f, 0x7f, 0x7f, 0x03]; // would read as 32639x32639 if taken for a SOF
    const segment = (marker: number) => [0xff, marker, 0x00, 2 + fake.length, ...fake];
    const sof2 = [0xff, 0xc2, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, ...Array(9).fill(0)];
    const jpeg = bytes([0xff, 0xd8], segment(0xc4), segment(0xcc), segment(0xc8), sof2, [0xff, 0xda]);
    expect(sniffImage(jpeg)).toEqual({ type: "image/jpeg", width: 640, height: 480 });
  });

  it("reads a PNG's size from IHDR", () => {
    expect(sniffImage(encode(51, 17, "png"))).toEqual({ type: "image/png", width: 51, height: 17 });
    expect(sniffImage(fixture("small.png"))).toEqual({ type: "image/png", width: 320, height: 240 });
  });

  it("reads a lossy WebP's size from its VP8 frame header", () => {
    expect(sniffImage(fixture("small.webp"))).toEqual({ type: "image/webp", width: 320, height: 240 });
  });

  it("reads a lossless WebP's size from its VP8L header", () => {
    expect(sniffImage(encode(123, 45, "webp"))).toEqual({ type: "image/webp", width: 123, height: 45 });
  });

  it("reads an extended WebP's canvas size from VP8X", () => {
    const vp8x = webp("VP8X", [0x10, 0, 0, 0, 0x9f, 0x0f, 0x00, 0xb7, 0x0b, 0x00]);
    expect(sniffImage(vp8x)).toEqual({ type: "image/webp", width: 4000, height: 3000 });
  });

  it("believes a patched JPEG header: big-header.jpg claims 4000x3000", () => {
    expect(sniffImage(fixture("big-header.jpg"))).toEqual({ type: "image/jpeg", width: 4000, height: 3000 });
  });

  it("refuses a truncated JPEG header", () => {
    const jpeg = fixture("tile.jpg");
    const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc0);
    for (const cut of [1, 2, 3, 10, sof, sof + 4, sof + 7]) expect(sniffImage(jpeg.subarray(0, cut))).toBeNull();
    expect(sniffImage(jpeg.subarray(0, sof + 19))).not.toBeNull();
  });

  it("refuses a truncated PNG header", () => {
    const png = encode(8, 8, "png");
    for (const cut of [4, 8, 16, 20, 23]) expect(sniffImage(png.subarray(0, cut))).toBeNull();
  });

  it("refuses truncated WebP headers", () => {
    const vp8 = fixture("small.webp"); // header complete at 30 bytes
    const vp8l = encode(9, 9, "webp"); // header complete at 25 bytes
    for (const cut of [4, 12, 16, 21, 29]) expect(sniffImage(vp8.subarray(0, cut))).toBeNull();
    for (const cut of [4, 12, 16, 21, 24]) expect(sniffImage(vp8l.subarray(0, cut))).toBeNull();
    expect(sniffImage(vp8.subarray(0, 30))).not.toBeNull();
    expect(sniffImage(vp8l.subarray(0, 25))).not.toBeNull();
    expect(sniffImage(webp("VP8X", [0, 0, 0, 0, 1, 0, 0, 1]))).toBeNull();
  });

  it("refuses a WebP with an unknown first chunk or a lossy frame that is not a key frame", () => {
    expect(sniffImage(webp("ALPH", Array(16).fill(0)))).toBeNull();
    expect(sniffImage(webp("VP8 ", [0x01, 0, 0, 0x9d, 0x01, 0x2a, 10, 0, 10, 0]))).toBeNull();
  });

  it("refuses a JPEG whose frame header declares zero height", () => {
    const sof0 = [0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x00, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00];
    expect(sniffImage(bytes([0xff, 0xd8], sof0))).toBeNull();
  });

  it("refuses random bytes", () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let n = 0; n < 50; n++) expect(sniffImage(Uint8Array.from({ length: 512 }, next))).toBeNull();
  });

  it("refuses a text file and an empty file", () => {
    expect(sniffImage(new TextEncoder().encode("hello, this is not a picture\n".repeat(20)))).toBeNull();
    expect(sniffImage(new Uint8Array(0))).toBeNull();
  });
});

describe("looksComplete", () => {
  it("accepts whole JPEG, PNG and WebP files", () => {
    expect(looksComplete(fixture("photo.jpg"), "image/jpeg")).toBe(true);
    expect(looksComplete(fixture("small.png"), "image/png")).toBe(true);
    expect(looksComplete(fixture("small.webp"), "image/webp")).toBe(true);
  });

  it("accepts a JPEG with a little padding after its end marker", () => {
    const jpeg = fixture("tile.jpg");
    expect(looksComplete(new Uint8Array([...jpeg, 0, 0, 0, 0]), "image/jpeg")).toBe(true);
  });

  it("refuses files cut short", () => {
    const cut = (b: Uint8Array) => b.subarray(0, b.length - 100);
    expect(looksComplete(cut(fixture("photo.jpg")), "image/jpeg")).toBe(false);
    expect(looksComplete(cut(fixture("small.png")), "image/png")).toBe(false);
    expect(looksComplete(cut(fixture("small.webp")), "image/webp")).toBe(false);
  });
});

describe("extensionFor", () => {
  it("names the file extension for each image type", () => {
    expect(extensionFor("image/jpeg")).toBe("jpg");
    expect(extensionFor("image/png")).toBe("png");
    expect(extensionFor("image/webp")).toBe("webp");
  });
});
