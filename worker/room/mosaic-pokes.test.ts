// Which uploads poke the mosaic builder: the first of a shot at once, then one in POKE_GAP_MS, on a fake clock.
import { describe, expect, it } from "vitest";
import { POKE_GAP_MS } from "../mosaic/mosaic-host.ts";
import { MosaicPokes } from "./mosaic-pokes.ts";

describe("the uploads that poke the mosaic builder", () => {
  it("are one in POKE_GAP_MS of a shot, and the first of another shot", () => {
    let now = 0;
    const pokes = new MosaicPokes(() => now);
    const poked: number[] = [];
    for (; now < 3 * POKE_GAP_MS; now += 100) if (pokes.due("s1")) poked.push(now);
    expect(poked).toEqual([0, POKE_GAP_MS, 2 * POKE_GAP_MS]);
    expect(pokes.due("s2")).toBe(true);
    expect(pokes.due("s2")).toBe(false);
  });
});
