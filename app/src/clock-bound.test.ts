// The bound's words: a proven bound reads as "clock ±N ms", a wide one says the network is too slow.
import { describe, expect, it } from "vitest";
import { WIDE_CLOCK_BOUND_MS } from "../../shared/protocol.ts";
import { describeBound, describeWide } from "./clock-bound.ts";

describe("describeBound", () => {
  it("shows a proven bound as clock ±N ms", () => {
    expect(describeBound(0.84)).toBe("clock ±0.8 ms");
    expect(describeBound(WIDE_CLOCK_BOUND_MS)).toBe(`clock ±${WIDE_CLOCK_BOUND_MS} ms`);
  });

  it("says plainly when the network is too slow to prove better", () => {
    expect(describeBound(151.3)).toBe("network too slow to prove the clock better than ±151 ms");
  });
});

describe("describeWide", () => {
  it("counts the guests on a too-slow network, and says nothing when there are none", () => {
    expect(describeWide(0)).toBe("");
    expect(describeWide(1)).toBe(
      `1 guest's network is too slow to prove their clock better than ±${WIDE_CLOCK_BOUND_MS} ms`,
    );
    expect(describeWide(3)).toMatch(/^3 guests' networks are too slow/);
  });
});
