// Picking the photo's frame: the best available timestamp, and the frame nearest the instant even
// when it came after it.
import { describe, expect, it } from "vitest";
import { frameStamp, nearestFrame } from "./frame-pick.ts";

const frames = [100, 133.3, 166.7, 200].map((time, i) => ({ time, source: "captureTime" as const, image: i }));

describe("frameStamp", () => {
  it("prefers the capture time", () => {
    expect(frameStamp({ captureTime: 90, expectedDisplayTime: 120 }, 110)).toEqual({ time: 90, source: "captureTime" });
  });
  it("falls back to the expected display time, then to the callback time", () => {
    expect(frameStamp({ expectedDisplayTime: 120 }, 110)).toEqual({ time: 120, source: "expectedDisplayTime" });
    expect(frameStamp(null, 110)).toEqual({ time: 110, source: "now" });
  });
});

describe("nearestFrame", () => {
  it("picks a frame after the instant when it is nearer than the one before", () => {
    expect(nearestFrame(frames, 160)?.image).toBe(2);
  });
  it("picks the frame before when it is nearer", () => {
    expect(nearestFrame(frames, 140)?.image).toBe(1);
  });
  it("takes the earlier frame on an exact tie", () => {
    expect(nearestFrame(frames, 150)?.image).toBe(1);
  });
  it("returns null without frames", () => {
    expect(nearestFrame([], 150)).toBeNull();
  });
});
