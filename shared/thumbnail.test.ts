// Thumb geometry, drawn onto a recording fake canvas: what is drawn from where, at what size.
import { describe, expect, it } from "vitest";
import { THUMB_MAX_SIDE, fitWithin, makeThumbnail, type Context2DLike } from "./thumbnail.ts";

type Source = { name: string };
type Draw = { sx: number; sy: number; sw: number; sh: number; dw: number; dh: number; smoothing: boolean };

class FakeCanvas {
  readonly draws: Draw[] = [];
  private readonly ctx: Context2DLike<Source>;
  constructor(
    public width: number,
    public height: number,
  ) {
    const draws = this.draws;
    this.ctx = {
      imageSmoothingEnabled: false,
      drawImage(_s, sx, sy, sw, sh, _dx, _dy, dw, dh) {
        draws.push({ sx, sy, sw, sh, dw, dh, smoothing: this.imageSmoothingEnabled });
      },
    };
  }
  getContext(): Context2DLike<Source> {
    return this.ctx;
  }
}

function tools() {
  const encoded: Array<{ canvas: FakeCanvas; quality: number }> = [];
  return {
    encoded,
    createCanvas: (w: number, h: number) => new FakeCanvas(w, h),
    encodeJpeg: async (canvas: FakeCanvas, quality: number) => {
      encoded.push({ canvas, quality });
      return `jpeg ${canvas.width}x${canvas.height}`;
    },
  };
}

describe("fitWithin", () => {
  it("scales a landscape image so its width is the long side limit", () => {
    expect(fitWithin({ width: 1920, height: 1080 }, 256)).toEqual({ width: 256, height: 144 });
  });
  it("scales a portrait image by its height", () => {
    expect(fitWithin({ width: 3024, height: 4032 }, 256)).toEqual({ width: 192, height: 256 });
  });
  it("never scales a small image up", () => {
    expect(fitWithin({ width: 200, height: 100 }, 256)).toEqual({ width: 200, height: 100 });
  });
  it("keeps a very thin image at least one pixel wide", () => {
    expect(fitWithin({ width: 10_000, height: 3 }, 256)).toEqual({ width: 256, height: 1 });
  });
});

describe("makeThumbnail", () => {
  it("draws the whole frame into the thumb, with smoothing", async () => {
    const t = tools();
    const out = await makeThumbnail({ name: "frame" }, { width: 1920, height: 1080 }, t, 0.7);
    expect(out).toEqual({ thumb: "jpeg 256x144", thumbSize: { width: 256, height: 144 } });
    expect(t.encoded).toHaveLength(1);
    expect(t.encoded[0]!.canvas.draws).toEqual([
      { sx: 0, sy: 0, sw: 1920, sh: 1080, dw: 256, dh: 144, smoothing: true },
    ]);
    expect(t.encoded[0]!.quality).toBe(0.7);
  });

  it("keeps the thumb within the long side limit for a portrait phone photo", async () => {
    const out = await makeThumbnail({ name: "p" }, { width: 3000, height: 4000 }, tools());
    expect(Math.max(out.thumbSize.width, out.thumbSize.height)).toBe(THUMB_MAX_SIDE);
    expect(out.thumbSize).toEqual({ width: 192, height: 256 });
  });

  it("refuses an image with no pixels", async () => {
    await expect(makeThumbnail({ name: "x" }, { width: 0, height: 480 }, tools())).rejects.toThrow(RangeError);
  });
});
