// Tests for decodeSmall / makeThumb / makeTile / validateTile: pixel budgets from the header,
// refusals as results (never exceptions), thumbnail sizes and tile cropping.
import { readFileSync } from "node:fs";
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { sniffImage } from "./image-check.ts";
import { SERVER_THUMB_MAX_PIXELS, decodeSmall, makeThumb, makeTile, validateTile } from "./thumbnail.ts";

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

describe("decodeSmall", () => {
  it("decodes an image within the pixel budget and hands the caller the PhotonImage", () => {
    const r = decodeSmall(fixture("small.png"), 320 * 240);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([r.image.get_width(), r.image.get_height(), r.info.type]).toEqual([320, 240, "image/png"]);
    r.image.free();
  });

  it("refuses an image whose header claims more pixels than the budget, without decoding it", () => {
    // big-header.jpg's pixel data is 64x48: a decode would not fail, so image_too_large can only come from the header.
    expect(decodeSmall(fixture("big-header.jpg"), SERVER_THUMB_MAX_PIXELS)).toMatchObject({
      ok: false,
      status: 413,
      code: "image_too_large",
    });
    expect(decodeSmall(fixture("small.png"), 320 * 240 - 1)).toMatchObject({ ok: false, code: "image_too_large" });
  });

  it("refuses bytes that are not an image", () => {
    const text = new TextEncoder().encode("GIF89a is not supported either");
    expect(decodeSmall(text, SERVER_THUMB_MAX_PIXELS)).toMatchObject({ ok: false, status: 415, code: "not_an_image" });
  });

  it("refuses a truncated JPEG before it reaches the decoder", () => {
    const photo = fixture("photo.jpg");
    const r = decodeSmall(photo.subarray(0, photo.length / 2), SERVER_THUMB_MAX_PIXELS);
    expect(r).toMatchObject({ ok: false, status: 422, code: "truncated_image" });
  });

  it("returns a refusal, not an exception, when the decoder cannot read a whole-looking file", () => {
    const tile = fixture("tile.jpg");
    const broken = new Uint8Array([...tile.subarray(0, 300), 0xff, 0xd9]); // headers, a cut scan, then EOI
    expect(decodeSmall(broken, SERVER_THUMB_MAX_PIXELS)).toMatchObject({
      ok: false,
      status: 422,
      code: "undecodable_image",
    });
    // Photon's trap leaves it usable for the next image.
    const again = decodeSmall(tile, SERVER_THUMB_MAX_PIXELS);
    expect(again.ok).toBe(true);
    if (again.ok) again.image.free();
  });
});

describe("makeThumb", () => {
  it("scales a 1600x1200 photo to a 256x192 JPEG", () => {
    const r = makeThumb(fixture("photo.jpg"), { maxSide: 256 });
    expect(r).toMatchObject({ ok: true, width: 256, height: 192 });
    if (r.ok) expect(sniffImage(r.jpeg)).toEqual({ type: "image/jpeg", width: 256, height: 192 });
  });

  it("scales a portrait image by its long side", () => {
    const r = makeThumb(bands(300, 600, [[200, 0, 0]]), { maxSide: 100 });
    expect(r).toMatchObject({ ok: true, width: 50, height: 100 });
  });

  it("does not scale up a small image but still returns a JPEG", () => {
    const r = makeThumb(fixture("small.webp"), { maxSide: 512 });
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
    const r = makeTile(bands(192, 96, [red, red, green, green, red, red]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rgba.length).toBe(64 * 64 * 4);
    // The centre 96x96 square is 16 px red, 64 px green, 16 px red: about 11, 43 and 11 px once scaled.
    expect(pixel(r.rgba, 64, 4, 32)).toEqual([255, 0, 0, 255]);
    expect(pixel(r.rgba, 64, 32, 32)).toEqual([0, 255, 0, 255]);
    expect(pixel(r.rgba, 64, 60, 32)).toEqual([255, 0, 0, 255]);
  });

  it("makes a tile from the photo fixture", () => {
    expect(makeTile(fixture("photo.jpg"))).toMatchObject({ ok: true, rgba: expect.any(Uint8Array) });
  });
});

describe("validateTile", () => {
  it("returns an exactly 64x64 PNG tile's pixels unchanged", () => {
    const png = bands(64, 64, [
      [10, 20, 30],
      [40, 50, 60],
    ]);
    const rgba = validateTile(png);
    expect(rgba?.length).toBe(64 * 64 * 4);
    expect(pixel(rgba!, 64, 0, 0)).toEqual([10, 20, 30, 255]);
    expect(pixel(rgba!, 64, 63, 63)).toEqual([40, 50, 60, 255]);
  });

  it("scales an uploaded tile of up to 128x128 to 64x64", () => {
    expect(validateTile(bands(128, 128, [[0, 0, 255]], "jpeg"))?.length).toBe(64 * 64 * 4);
    expect(validateTile(fixture("tile.jpg"))?.length).toBe(64 * 64 * 4);
  });

  it("refuses a tile larger than 128 px a side, a non-image and a tile with a patched header", () => {
    expect(validateTile(bands(129, 16, [[0, 0, 0]]))).toBeNull();
    expect(validateTile(fixture("thumb.jpg"))).toBeNull();
    expect(validateTile(new TextEncoder().encode("tile"))).toBeNull();
    expect(validateTile(fixture("big-header.jpg"))).toBeNull();
  });
});
