import { describe, expect, it } from "vitest";
import type { PhotoView } from "../../../../shared/protocol.ts";
import { moveTo, sweepOrder } from "./sweep-order.ts";

const photo = (photoId: string, place?: number, firedAt?: number): PhotoView => ({
  photoId,
  shotId: "s",
  memberId: `m-${photoId}`,
  name: photoId,
  url: `/p/${photoId}`,
  thumbUrl: null,
  bytes: 1,
  ...(place !== undefined ? { place } : {}),
  ...(firedAt !== undefined ? { firedAt } : {}),
});
const ids = (ps: PhotoView[]) => ps.map((p) => p.photoId);

describe("the sweep's order", () => {
  it("follows each guest's place around the ring, guests without a place last", () => {
    const order = sweepOrder([photo("a", 270), photo("b"), photo("c", 10), photo("d", 90)]);
    expect(ids(order)).toEqual(["c", "d", "a", "b"]);
  });

  it("breaks ties by the instant each phone fired, then by upload order", () => {
    const order = sweepOrder([photo("a", 5, 102), photo("b", 5, 101), photo("c"), photo("d")]);
    expect(ids(order)).toEqual(["b", "a", "c", "d"]);
  });

  it("puts the organiser's dragged order first and ignores ids of removed photos", () => {
    const order = sweepOrder([photo("a", 1), photo("b", 2), photo("c", 3)], ["c", "gone", "a"]);
    expect(ids(order)).toEqual(["c", "a", "b"]);
  });

  it("moves one item to a new index, clamped to the list", () => {
    expect(moveTo(["a", "b", "c", "d"], 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moveTo(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
    expect(moveTo(["a", "b", "c"], 1, 99)).toEqual(["a", "c", "b"]);
    expect(moveTo(["a", "b"], 5, 0)).toEqual(["a", "b"]);
  });
});
