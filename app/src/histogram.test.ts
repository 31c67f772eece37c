// The fire-error bands: signs fold together, edges fall in the upper band, missing reports are skipped.
import { describe, expect, it } from "vitest";
import { fireErrorBands } from "./histogram.ts";

describe("fireErrorBands", () => {
  it("counts early and late fires by their distance from the instant", () => {
    const bands = fireErrorBands([0.2, -0.7, 1.5, -3, 12, 400, null]);
    expect(bands.map((b) => [b.label, b.count])).toEqual([
      ["< 1 ms", 2],
      ["1–2 ms", 1],
      ["2–5 ms", 1],
      ["5–10 ms", 0],
      ["10–20 ms", 1],
      ["20–50 ms", 0],
      ["≥ 50 ms", 1],
    ]);
  });

  it("puts a value on an edge in the band above it", () => {
    const bands = fireErrorBands([1, 50]);
    expect(bands[1]).toEqual({ label: "1–2 ms", count: 1 });
    expect(bands[6]).toEqual({ label: "≥ 50 ms", count: 1 });
  });
});
