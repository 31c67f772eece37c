// PHOTO_KB's photos: a fixture JPEG grown to an exact size is still one the server's image check accepts,
// with its size, however the filler falls into comment segments, and still distinct per client once tagged.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tagJpeg } from "../shared/jpeg-tag.ts";
import { inspectImage } from "../worker/photos/image-check.ts";
import { photoOfSize, sizedJpeg } from "./sized-jpeg.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(`test/fixtures/${name}`));
const TILE = fixture("tile.jpg");
const THUMB = fixture("thumb.jpg");
const PHOTO = fixture("photo.jpg");

describe("a JPEG of a given size", () => {
  it("grows a fixture to exactly the size asked, as an image the server accepts with the fixture's dimensions", () => {
    const own = inspectImage(THUMB);
    // 4 bytes over (one empty segment), across a segment's 65,533-byte payload limit and its awkward remainders.
    for (const bytes of [
      THUMB.length,
      THUMB.length + 4,
      THUMB.length + 5,
      20 * 1024,
      12_037 + 4 + 65_533 + 1,
      12_037 + 4 + 65_533 + 3,
      300 * 1024,
    ]) {
      const grown = sizedJpeg(THUMB, bytes)!;
      expect(grown.length, String(bytes)).toBe(bytes);
      expect(inspectImage(grown), String(bytes)).toEqual(own);
      expect(inspectImage(tagJpeg(grown, "run VU 7"))).toEqual(own);
    }
  });

  it("refuses a size below the fixture's or one to three bytes over it", () => {
    expect(sizedJpeg(THUMB, THUMB.length - 1)).toBeNull();
    for (const over of [1, 2, 3]) expect(sizedJpeg(THUMB, THUMB.length + over)).toBeNull();
    expect(sizedJpeg(THUMB, 20.5 * 1024 + 0.25)).toBeNull();
  });

  it("starts from the largest fixture that fits", () => {
    expect(inspectImage(photoOfSize([TILE, THUMB, PHOTO], 20 * 1024)!)).toEqual(inspectImage(THUMB));
    expect(inspectImage(photoOfSize([TILE, THUMB, PHOTO], 4 * 1024)!)).toEqual(inspectImage(TILE));
    expect(inspectImage(photoOfSize([TILE, THUMB, PHOTO], 500 * 1024)!)).toEqual(inspectImage(PHOTO));
    expect(photoOfSize([TILE, THUMB, PHOTO], 1024)).toBeNull();
  });
});
