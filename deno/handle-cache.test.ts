import { describe, expect, it } from "vitest";
import { HandleCache } from "./handle-cache.ts";

function files(max: number) {
  let t = 0;
  const closed: string[] = [];
  const cache = new HandleCache<string>(
    max,
    (name) => closed.push(name),
    () => t,
  );
  const use = (key: string, fn: () => unknown = () => undefined) => cache.use(key, () => key, fn);
  return { cache, closed, use, tick: (ms: number) => (t += ms) };
}

describe("Deno's open file handles", () => {
  it("never keeps more than max open: the least recently used idle one is closed first", async () => {
    const { cache, closed, use } = files(2);
    await use("a");
    await use("b");
    await use("a"); // a is now the most recently used
    await use("c");
    expect(closed).toEqual(["b"]);
    expect(cache.size).toBe(2);
    for (let i = 0; i < 100; i++) await use(`shot-${i}`);
    expect(cache.size).toBe(2);
    expect(closed.length).toBe(101);
  });

  it("never closes a handle in use, and trims it once its work settles", async () => {
    const { cache, closed, use } = files(1);
    let finish!: () => void;
    const slow = use("busy", () => new Promise<void>((r) => (finish = r)));
    await use("other");
    expect(closed).toEqual(["other"]); // busy stayed open although it is the least recently used
    expect(cache.has("busy")).toBe(true);
    finish();
    await slow;
    await use("third");
    expect(closed).toEqual(["other", "busy"]);
  });

  it("a sweep closes the handles idle since the given time, and a closed one reopens on its next use", async () => {
    const { cache, closed, use, tick } = files(10);
    await use("old");
    tick(1000);
    await use("recent");
    expect(cache.sweep(500)).toBe(1);
    expect(closed).toEqual(["old"]);
    let opened = 0;
    await cache.use(
      "old",
      () => (opened++, "old"),
      () => undefined,
    );
    expect(opened).toBe(1);
    expect(cache.has("old")).toBe(true);
  });
});
