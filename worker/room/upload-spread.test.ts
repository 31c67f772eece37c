// The upload spread's rule: none for a room that fits in a second at the target rate, then guests ÷ rate.
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../shared/protocol.ts";
import { uploadSpreadMs } from "./upload-spread.ts";

describe("uploadSpreadMs", () => {
  it("spreads nothing in a room that uploads within a second at the target rate", () => {
    expect(uploadSpreadMs(0, 200)).toBe(0);
    expect(uploadSpreadMs(10, 200)).toBe(0);
    expect(uploadSpreadMs(200, 200)).toBe(0);
  });

  it("grows with the room: guests ÷ rate seconds", () => {
    expect(uploadSpreadMs(201, 200)).toBe(1005);
    expect(uploadSpreadMs(3000, 200)).toBe(15_000);
    expect(uploadSpreadMs(1_000_000, 2000)).toBe(500_000);
  });

  it("is capped, so no client is told to wait past the protocol's limit", () => {
    expect(uploadSpreadMs(10_000_000, 1)).toBe(LIMITS.maxUploadSpreadMs);
  });

  it("treats a rate that is not positive as no spread", () => {
    expect(uploadSpreadMs(5000, 0)).toBe(0);
    expect(uploadSpreadMs(5000, Number.NaN)).toBe(0);
  });
});
