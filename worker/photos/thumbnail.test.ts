// Tests for checkThumb / decodeSmall / makeThumb / makeTile / checkTile / decodeTile: JPEG only, pixel budgets
// from the true size, refusals as results (never exceptions), thumbnail sizes and tile cropping.
import { readFileSync } from "node:fs";
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it, vi } from "vitest";
import { checkImage, sniffImage } from "./image-check.ts";
import { decoderCounts } from "./isolated-decoder.ts";
import { walkJpeg } from "./jpeg-structure.ts";
import {
  SERVER_THUMB_MAX_PIXELS,
  checkThumb,
  checkTile,
  decodeSmall,
  decodeTile,
  makeThumb,
  makeTile,
} from "./thumbnail.ts";

// Counts the structure walks (the wrapper calls the real walker).
vi.mock("./jpeg-structure.ts", async (original) => {
  const real = await original<typeof import("./jpeg-structure.ts")>();
  return { ...real, walkJpeg: vi.fn(real.walkJpeg) };
});

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url)));

type Rgb = [number, number, number];

/** An image of vertical bands of solid colour, encoded as JPEG or PNG. */
function bands(width: number, height: number, colours: Rgb[], as: "jpeg" | "png" = "png"): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const c = colours[Math.floor(((i % width) * colours.length) / width)]!;
    rgba.set([...c, 255], i * 4);
  }
  const image = new PhotonImage(rgba, width, height);
  try {
    return as === "jpeg" ? image.get_bytes_jpeg(90) : image.get_bytes();
  } finally {
    image.free();
  }
}

const pixel = (rgba: Uint8Array, size: number, x: number, y: number) => [
  ...rgba.subarray((y * size + x) * 4, (y * size + x) * 4 + 4),
];

/** Within a few levels per channel: JPEG is lossy. */
const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 8);

describe("decodeSmall", () => {
  it("decodes a JPEG within the pixel budget and hands the caller the PhotonImage", () => {
    const r = decodeSmall(fixture("thumb.jpg"), 256 * 192);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([r.image.get_width(), r.image.get_height(), r.info.type]).toEqual([256, 192, "image/jpeg"]);
    r.image.free();
  });

  it("refuses an image whose frame header says more pixels than the budget, without decoding it", () => {
    // big-header.jpg's pixel data is 64x48: a decode would not fail, so image_too_large can only come from the header.
    const before = decoderCounts();
    expect(decodeSmall(fixture("big-header.jpg"), SERVER_THUMB_MAX_PIXELS)).toMatchObject({
      ok: false,
      status: 413,
      code: "image_too_large",
    });
    expect(decodeSmall(fixture("thumb.jpg"), 256 * 192 - 1)).toMatchObject({ ok: false, code: "image_too_large" });
    expect(decodeSmall(fixture("hostile/jpeg-65535x65535.jpg"), SERVER_THUMB_MAX_PIXELS)).toMatchObject({
      code: "image_too_large",
    });
    expect(decoderCounts()).toEqual(before);
  });

  it("decodes JPEG only: PNG and WebP are refused before a decoder sees them", () => {
    expect(decodeSmall(fixture("small.png"), SERVER_THUMB_MAX_PIXELS)).toMatchObject({ status: 415 });
    expect(decodeSmall(fixture("small.webp"), SERVER_THUMB_MAX_PIXELS)).toMatchObject({ status: 415 });
    const text = new TextEncoder().encode("GIF89a is not supported either");
    expect(decodeSmall(text, SERVER_THUMB_MAX_PIXELS)).toMatchObject({ ok: false, status: 415, code: "not_an_image" });
  });

  it("refuses a truncated JPEG before it reaches the decoder", () => {
    const photo = fixture("photo.jpg");
    const r = decodeSmall(photo.subarray(0, photo.length / 2), SERVER_THUMB_MAX_PIXELS);
    expect(r).toMatchObject({ ok: false, status: 400, code: "truncated_image" });
  });

  it("returns a refusal, not an exception, when the decoder traps on a well-formed file, and decodes the next", () => {
    const tile = fixture("tile.jpg");
    const before = decoderCounts();
    expect(decodeSmall(fixture("hostile/jpeg-bad-huffman.jpg"), SERVER_THUMB_MAX_PIXELS)).toMatchObject({
      ok: false,
      status: 422,
      code: "undecodable_image",
    });
    expect(decoderCounts().traps).toBe(before.traps + 1);
    const again = decodeSmall(tile, SERVER_THUMB_MAX_PIXELS);
    expect(again.ok).toBe(true);
    if (again.ok) again.image.free();
  });
});

describe("checkThumb", () => {
  it("takes a whole JPEG of at most 256x256 px and never decodes", () => {
    const before = decoderCounts();
    expect(checkThumb(fixture("thumb.jpg"))).toMatchObject({ ok: true, info: { width: 256, height: 192 } });
    expect(checkThumb(fixture("hostile/jpeg-bad-huffman.jpg"))).toMatchObject({ ok: true });
    expect(checkThumb(fixture("photo.jpg"))).toMatchObject({ ok: false, code: "image_too_large" });
    expect(checkThumb(fixture("small.png"))).toMatchObject({ ok: false, code: "not_an_image" });
    expect(checkThumb(fixture("hostile/webp-canvas-1x1-vp8l-16384.webp"))).toMatchObject({ ok: false });
    expect(decoderCounts()).toEqual(before);
  });
});

describe("makeThumb", () => {
  it("scales a 1600x1200 photo to a 256x192 JPEG", () => {
    const r = makeThumb(fixture("photo.jpg"), { maxSide: 256 });
    expect(r).toMatchObject({ ok: true, width: 256, height: 192 });
    if (r.ok) expect(sniffImage(r.jpeg)).toEqual({ type: "image/jpeg", width: 256, height: 192 });
  });

  it("scales a portrait image by its long side", () => {
    const r = makeThumb(bands(300, 600, [[200, 0, 0]], "jpeg"), { maxSide: 100 });
    expect(r).toMatchObject({ ok: true, width: 50, height: 100 });
  });

  it("does not scale up a small image but still returns a JPEG", () => {
    const r = makeThumb(bands(320, 240, [[0, 90, 0]], "jpeg"), { maxSide: 512 });
    expect(r).toMatchObject({ ok: true, width: 320, height: 240 });
    if (r.ok) expect(sniffImage(r.jpeg)?.type).toBe("image/jpeg");
  });

  it("refuses a photo over SERVER_THUMB_MAX_PIXELS", () => {
    expect(makeThumb(fixture("big-header.jpg"))).toMatchObject({ ok: false, code: "image_too_large" });
    expect(makeThumb(bands(1500, 1500, [[0, 0, 0]], "jpeg"))).toMatchObject({ ok: false, code: "image_too_large" });
  });
});

describe("makeTile", () => {
  it("takes the centre square of a wide image and scales it to 64x64 RGBA", () => {
    const red: Rgb = [255, 0, 0];
    const green: Rgb = [0, 255, 0];
    const r = makeTile(bands(192, 96, [red, red, green, green, red, red], "jpeg"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rgba.length).toBe(64 * 64 * 4);
    // The centre 96x96 square is 16 px red, 64 px green, 16 px red: about 11, 43 and 11 px once scaled.
    expect(near(pixel(r.rgba, 64, 4, 32), [255, 0, 0, 255])).toBe(true);
    expect(near(pixel(r.rgba, 64, 32, 32), [0, 255, 0, 255])).toBe(true);
    expect(near(pixel(r.rgba, 64, 60, 32), [255, 0, 0, 255])).toBe(true);
  });

  it("makes a tile from the photo fixture", () => {
    expect(makeTile(fixture("photo.jpg"))).toMatchObject({ ok: true, rgba: expect.any(Uint8Array) });
  });
});

describe("checkTile and decodeTile", () => {
  it("returns an exactly 64x64 JPEG tile's pixels, unscaled", () => {
    const jpeg = bands(
      64,
      64,
      [
        [10, 20, 200],
        [200, 50, 60],
      ],
      "jpeg",
    );
    const rgba = decodeTile(jpeg);
    expect(rgba?.length).toBe(64 * 64 * 4);
    // JPEG is lossy: near the colours, far from each other.
    expect(pixel(rgba!, 64, 0, 0)[2]).toBeGreaterThan(150);
    expect(pixel(rgba!, 64, 63, 63)[0]).toBeGreaterThan(150);
  });

  it("scales an uploaded tile of up to 128x128 to 64x64", () => {
    expect(decodeTile(bands(128, 128, [[0, 0, 255]], "jpeg"))?.length).toBe(64 * 64 * 4);
    expect(decodeTile(fixture("tile.jpg"))?.length).toBe(64 * 64 * 4);
  });

  it("refuses, without decoding, a tile over 128 px a side, a PNG, a non-image and a patched header", () => {
    const before = decoderCounts();
    expect(checkTile(bands(129, 16, [[0, 0, 0]], "jpeg"))).toMatchObject({ ok: false, code: "image_too_large" });
    expect(checkTile(fixture("thumb.jpg"))).toMatchObject({ ok: false, code: "image_too_large" });
    expect(checkTile(bands(64, 64, [[0, 0, 0]]))).toMatchObject({ ok: false, code: "not_an_image" });
    expect(checkTile(new TextEncoder().encode("tile"))).toMatchObject({ ok: false, code: "not_an_image" });
    expect(checkTile(fixture("big-header.jpg"))).toMatchObject({ ok: false, code: "image_too_large" });
    expect(decodeTile(fixture("big-header.jpg"))).toBeNull();
    expect(decoderCounts()).toEqual(before);
  });

  it("a well-formed tile photon cannot decode passes checkTile and decodes to null", () => {
    expect(checkTile(fixture("hostile/jpeg-bad-huffman.jpg")).ok).toBe(true);
    expect(decodeTile(fixture("hostile/jpeg-bad-huffman.jpg"))).toBeNull();
  });
});

describe("a file already checked", () => {
  it("is decoded by makeThumb, makeTile and decodeTile without walking its structure again", () => {
    const photo = fixture("photo.jpg");
    const tile = fixture("tile.jpg");
    const photoCheck = checkImage(photo, { maxPixels: SERVER_THUMB_MAX_PIXELS });
    const tileCheck = checkTile(tile);
    expect(photoCheck.ok && tileCheck.ok).toBe(true);
    if (!photoCheck.ok || !tileCheck.ok) return;
    vi.mocked(walkJpeg).mockClear();
    const thumb = makeThumb(photo, { maxSide: 256, walked: photoCheck.info });
    expect(thumb).toMatchObject({ ok: true, width: 256, height: 192 });
    expect(makeTile(photo, 64, SERVER_THUMB_MAX_PIXELS, photoCheck.info)).toMatchObject({ ok: true });
    expect(decodeTile(tile, tileCheck.info)?.length).toBe(64 * 64 * 4);
    expect(walkJpeg).not.toHaveBeenCalled();
  });

  it("is still held to the budget and the type by what its walk read, without decoding", () => {
    const info = { type: "image/jpeg", width: 256, height: 192 } as const;
    const before = decoderCounts();
    vi.mocked(walkJpeg).mockClear();
    const thumb = fixture("thumb.jpg");
    expect(decodeSmall(thumb, 256 * 192 - 1, info)).toMatchObject({ ok: false, code: "image_too_large" });
    expect(decodeSmall(thumb, SERVER_THUMB_MAX_PIXELS, { ...info, type: "image/png" })).toMatchObject({
      ok: false,
      code: "not_an_image",
    });
    expect(decodeTile(thumb, info)).toBeNull();
    expect(walkJpeg).not.toHaveBeenCalled();
    expect(decoderCounts()).toEqual(before);
  });
});
