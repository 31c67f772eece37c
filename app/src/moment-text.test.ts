// The moment's wording: after, before, at the instant, with and without the clock bound.
import { describe, expect, it } from "vitest";
import { momentText } from "./moment-text.ts";

describe("momentText", () => {
  it("says how far after or before the instant the frame was, and the clock bound", () => {
    expect(momentText(3.24, 0.81)).toBe("taken 3.2 ms after the instant, clock ±0.8 ms");
    expect(momentText(-16.66, 2)).toBe("taken 16.7 ms before the instant, clock ±2.0 ms");
    expect(momentText(0.01, null)).toBe("taken at the instant");
    expect(momentText(-0.04)).toBe("taken at the instant");
  });
});
