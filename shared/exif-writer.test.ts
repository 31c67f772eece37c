// The EXIF writer, read back by an independent reader (exifr): the moment's time, subseconds and UTC
// offset, the description (ASCII and not), replacing an Exif segment already there, and a JPEG that still decodes.
import { readFileSync } from "node:fs";
import exifr from "exifr";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../worker/photos/image-check.ts";
import { checkThumb, makeThumb } from "../worker/photos/thumbnail.ts";
import { exifDateTime, toAscii, withExif } from "./exif-writer.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url)));
const RAW = { userComment: true, reviveValues: false, translateValues: false };

/** Every APPn segment's marker and the first bytes of its payload, in file order. */
function appSegments(jpeg: Uint8Array): Array<{ marker: number; id: string }> {
  const out: Array<{ marker: number; id: string }> = [];
  let i = 2;
  while (jpeg[i] === 0xff && jpeg[i + 1]! >= 0xe0 && jpeg[i + 1]! <= 0xef) {
    out.push({ marker: jpeg[i + 1]!, id: String.fromCharCode(...jpeg.subarray(i + 4, i + 8)) });
    i += 2 + ((jpeg[i + 2]! << 8) | jpeg[i + 3]!);
  }
  return out;
}

// 2026-12-02T14:15:42.3456Z
const TIME = Date.UTC(2026, 11, 2, 14, 15, 42, 345) + 0.6;

describe("withExif", () => {
  it("writes DateTimeOriginal, SubSecTimeOriginal and OffsetTimeOriginal in UTC", async () => {
    const out = withExif(fixture("photo.jpg"), { time: TIME, description: "hello" });
    const tags = await exifr.parse(out, RAW);
    expect(tags.DateTimeOriginal).toBe("2026:12:02 14:15:42");
    expect(tags.SubSecTimeOriginal).toBe("345");
    expect(tags.OffsetTimeOriginal).toBe("+00:00");
    expect(tags.ImageDescription).toBe("hello");
  });

  it("pads the date, the clock and the subseconds", () => {
    expect(exifDateTime(Date.UTC(2027, 0, 5, 3, 4, 5, 7))).toEqual({ dateTime: "2027:01:05 03:04:05", subSec: "007" });
  });

  it("keeps an ASCII description as is and writes no Unicode comment", async () => {
    const text = "Simulshot - Gala 2026 - Ann: taken 3.2 ms after the instant, clock +/-0.8 ms";
    const tags = await exifr.parse(withExif(fixture("photo.jpg"), { time: TIME, description: text }), RAW);
    expect(tags.ImageDescription).toBe(text);
    expect(tags.userComment).toBeUndefined();
    expect(tags.XPComment).toBeUndefined();
  });

  it("folds a non-ASCII name into ImageDescription and keeps it whole in UserComment and XPComment", async () => {
    const text = "Fête · Zoë 写真 ±0.8 ms";
    const out = withExif(fixture("photo.jpg"), { time: TIME, description: text });
    const tags = await exifr.parse(out, RAW);
    expect(tags.ImageDescription).toBe("Fete ? Zoe ?? +/-0.8 ms");
    const comment = new Uint8Array(tags.userComment as ArrayLike<number>);
    expect(String.fromCharCode(...comment.subarray(0, 8))).toBe("UNICODE\0");
    expect(new TextDecoder("utf-16le").decode(comment.subarray(8))).toBe(text);
    const revived = await exifr.parse(out);
    expect(revived.XPComment).toBe(text);
  });

  it("replaces an Exif segment already there, leaving one", async () => {
    const once = withExif(fixture("photo.jpg"), { time: TIME, description: "first" });
    const twice = withExif(once, { time: TIME + 1000, description: "second" });
    expect(appSegments(twice).filter((s) => s.marker === 0xe1 && s.id === "Exif")).toHaveLength(1);
    const tags = await exifr.parse(twice, RAW);
    expect(tags.ImageDescription).toBe("second");
    expect(tags.DateTimeOriginal).toBe("2026:12:02 14:15:43");
    expect(twice.length).toBe(once.length + ("second".length - "first".length) + 1);
  });

  it("puts the segment after a JFIF APP0 and keeps the other segments and the scan", () => {
    const plain = fixture("photo.jpg");
    const jfif = new Uint8Array([0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    const withJfif = new Uint8Array([...plain.subarray(0, 2), ...jfif, ...plain.subarray(2)]);
    const out = withExif(withJfif, { time: TIME, description: "x" });
    expect(appSegments(out).map((s) => s.id)).toEqual(["JFIF", "Exif", ...appSegments(plain).map((s) => s.id)]);
    expect(out.subarray(out.length - (plain.length - 2))).toEqual(plain.subarray(2));
  });

  it("gives a JPEG the server's checks accept and photon decodes", () => {
    const out = withExif(fixture("photo.jpg"), { time: TIME, description: "Zoë" });
    expect(inspectImage(out)).toMatchObject({ ok: true, info: { type: "image/jpeg", width: 1600, height: 1200 } });
    expect(makeThumb(out, { maxSide: 64 }).ok).toBe(true);
    const thumb = withExif(fixture("thumb.jpg"), { time: TIME, description: "Zoë" });
    expect(checkThumb(thumb).ok).toBe(true);
  });

  it("refuses bytes that are not a JPEG and a time that is not a number", () => {
    expect(() => withExif(fixture("small.png"), { time: TIME, description: "" })).toThrow(/not a JPEG/);
    expect(() => withExif(fixture("photo.jpg"), { time: NaN, description: "" })).toThrow(/finite/);
  });

  it("cuts a very long description so the segment stays within 64 KB", async () => {
    const out = withExif(fixture("photo.jpg"), { time: TIME, description: "é".repeat(100_000) });
    const tags = await exifr.parse(out, RAW);
    expect((tags.ImageDescription as string).length).toBe(2000);
  });
});

describe("toAscii", () => {
  it("spells ± and drops accents; other characters become ?", () => {
    expect(toAscii("±1 ms, Ångström, 東京\n")).toBe("+/-1 ms, Angstrom, ???");
  });
});
