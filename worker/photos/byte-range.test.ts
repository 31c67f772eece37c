// Tests for byte ranges and ETag matching: each Range form against a size, the edges that make a
// range unsatisfiable or ignored, and a stream cut to a range across chunk boundaries.
import { describe, expect, it } from "vitest";
import { etagMatches, resolveRange, sliceStream } from "./byte-range.ts";

describe("resolveRange", () => {
  it("reads bytes=a-b, bytes=a- and bytes=-n against the size", () => {
    expect(resolveRange("bytes=0-9", 100)).toEqual({ kind: "range", start: 0, end: 9 });
    expect(resolveRange("bytes=90-", 100)).toEqual({ kind: "range", start: 90, end: 99 });
    expect(resolveRange("bytes=-10", 100)).toEqual({ kind: "range", start: 90, end: 99 });
  });

  it("clips an end past the last byte and a suffix longer than the body", () => {
    expect(resolveRange("bytes=50-500", 100)).toEqual({ kind: "range", start: 50, end: 99 });
    expect(resolveRange("bytes=-500", 100)).toEqual({ kind: "range", start: 0, end: 99 });
  });

  it("calls a start at or past the end, a zero suffix and any range of an empty body unsatisfiable", () => {
    expect(resolveRange("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRange("bytes=100-200", 100)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRange("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRange("bytes=-5", 0)).toEqual({ kind: "unsatisfiable" });
  });

  it("ignores no header, other units, several ranges, reversed and malformed ranges", () => {
    for (const h of [undefined, "items=0-1", "bytes=0-1,5-6", "bytes=9-3", "bytes=-", "bytes=a-b", "bytes 0-1"])
      expect(resolveRange(h, 100)).toEqual({ kind: "none" });
  });
});

describe("sliceStream", () => {
  const chunks = (sizes: number[]) => {
    let n = 0;
    const parts = sizes.map((s) => Uint8Array.from({ length: s }, () => n++ % 256));
    return new ReadableStream<Uint8Array>({
      start(c) {
        parts.forEach((p) => c.enqueue(p));
        c.close();
      },
    });
  };
  const collect = async (s: ReadableStream<Uint8Array>) => [...new Uint8Array(await new Response(s).arrayBuffer())];
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

  it("returns exactly the bytes of the range when it spans several chunks", async () => {
    expect(await collect(sliceStream(chunks([10, 10, 10]), 5, 24))).toEqual(range(5, 24));
  });

  it("returns a range inside one chunk, the first byte and the last byte", async () => {
    expect(await collect(sliceStream(chunks([30]), 12, 14))).toEqual([12, 13, 14]);
    expect(await collect(sliceStream(chunks([4, 4]), 0, 0))).toEqual([0]);
    expect(await collect(sliceStream(chunks([4, 4]), 7, 7))).toEqual([7]);
  });

  it("stops reading the source once the range is complete", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(8));
      },
    });
    expect(await collect(sliceStream(endless, 0, 19))).toHaveLength(20);
    expect(pulled).toBeLessThan(6);
  });
});

describe("etagMatches", () => {
  it("matches the tag, its weak form, one of a list and *", () => {
    expect(etagMatches('"abc"', '"abc"')).toBe(true);
    expect(etagMatches('W/"abc"', '"abc"')).toBe(true);
    expect(etagMatches('"x", "abc"', '"abc"')).toBe(true);
    expect(etagMatches("*", '"abc"')).toBe(true);
  });

  it("does not match another tag or no header", () => {
    expect(etagMatches('"abd"', '"abc"')).toBe(false);
    expect(etagMatches(undefined, '"abc"')).toBe(false);
    expect(etagMatches("", '"abc"')).toBe(false);
  });
});
