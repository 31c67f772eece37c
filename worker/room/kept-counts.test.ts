// Tests for counts kept beside rows: counted once, moved by writes, never kept for keys the predicate refuses.
import { describe, expect, it } from "vitest";
import { KeptCounts } from "./kept-counts.ts";

describe("KeptCounts", () => {
  it("counts a kept key once, then follows bumps until forgotten", () => {
    const kept = new KeptCounts();
    let reads = 0;
    const count = () => (reads++, 3);
    expect(kept.get("a", count, () => true)).toBe(3);
    kept.bump("a", 1);
    kept.bump("a", -2);
    expect(kept.get("a", count, () => true)).toBe(2);
    expect(reads).toBe(1);
    kept.forget("a");
    expect(kept.get("a", count, () => true)).toBe(3);
    expect(reads).toBe(2);
  });

  it("reads a refused key every time, and a bump of a key it does not keep changes nothing", () => {
    const kept = new KeptCounts();
    let reads = 0;
    const read = () =>
      kept.get(
        "x",
        () => (reads++, 0),
        (n) => n > 0,
      );
    kept.bump("x", 5);
    expect(read()).toBe(0);
    expect(read()).toBe(0);
    expect(reads).toBe(2);
  });
});
