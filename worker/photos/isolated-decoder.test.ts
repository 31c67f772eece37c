// Tests for decodeIsolated: real decodes, and a thousand traps that leave nothing behind (each trapped
// instance is dropped with its memory, and the next decode gets a fresh one).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeIsolated, decoderCounts } from "./isolated-decoder.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url)));

describe("decodeIsolated", () => {
  it("decodes a JPEG to RGBA at its own size", () => {
    const d = decodeIsolated(fixture("thumb.jpg"));
    expect(d).toMatchObject({ width: 256, height: 192 });
    expect(d!.rgba.length).toBe(256 * 192 * 4);
  });

  it("answers null for a well-formed JPEG photon traps on, and replaces the trapped instance", () => {
    const before = decoderCounts();
    expect(decodeIsolated(fixture("hostile/jpeg-bad-huffman.jpg"))).toBeNull();
    expect(decoderCounts()).toMatchObject({ traps: before.traps + 1, memoryBytes: 0 });
    expect(decodeIsolated(fixture("tile.jpg"))).toMatchObject({ width: 64, height: 64 });
    expect(decoderCounts().instances).toBe(before.instances + 1);
  });

  it("after 1000 traps the decoder holds no more memory than after one good decode", () => {
    const good = fixture("thumb.jpg");
    const bad = fixture("hostile/jpeg-bad-huffman.jpg");
    decodeIsolated(bad);
    decodeIsolated(good);
    const fresh = decoderCounts().memoryBytes;
    const before = decoderCounts();
    for (let i = 0; i < 1000; i++) expect(decodeIsolated(bad)).toBeNull();
    expect(decodeIsolated(good)).toMatchObject({ width: 256, height: 192 });
    const after = decoderCounts();
    expect(after.traps - before.traps).toBe(1000);
    expect(after.memoryBytes).toBe(fresh);
  }, 120_000);

  it("keeps one instance across good decodes", () => {
    decodeIsolated(fixture("tile.jpg"));
    const before = decoderCounts();
    for (let i = 0; i < 20; i++) decodeIsolated(fixture("tile.jpg"));
    expect(decoderCounts().instances).toBe(before.instances);
  });
});
