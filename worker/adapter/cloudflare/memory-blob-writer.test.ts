// Tests for the Workers upload writer: the bytes it puts are the bytes written, in one piece or many, past its size
// hint or not, and a discarded writer puts nothing.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../sha256-hex.ts";
import { memoryBlobWriter } from "./memory-blob-writer.ts";

function store() {
  const puts: Array<[string, Uint8Array]> = [];
  return { puts, put: async (key: string, bytes: Uint8Array) => void puts.push([key, bytes.slice()]) };
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

describe("memoryBlobWriter", () => {
  it("puts exactly the bytes written, whatever the pieces and the size hint", async () => {
    const whole = bytes(10_000, 7);
    for (const [hint, pieces] of [
      [10_000, [10_000]],
      [4_096, [10_000]],
      [10_000, [1, 4_095, 5_904]],
      [100, [3_000, 3_000, 4_000]],
      [50_000, [2_500, 2_500, 2_500, 2_500]],
    ] as const) {
      const s = store();
      const w = memoryBlobWriter(s.put, hint);
      let at = 0;
      for (const n of pieces) {
        await w.write(whole.slice(at, at + n));
        at += n;
      }
      expect(await w.finish()).toEqual({ sha256: await sha256Hex(whole), size: whole.length });
      expect(await w.read()).toEqual(whole);
      await w.commit("k", "image/jpeg");
      expect(s.puts, `${hint} ${pieces.join("+")}`).toEqual([["k", whole]]);
    }
  });

  it("drops what it held when discarded", async () => {
    const w = memoryBlobWriter(store().put, 10);
    await w.write(bytes(20, 1));
    await w.discard();
    expect((await w.read()).length).toBe(0);
  });
});
