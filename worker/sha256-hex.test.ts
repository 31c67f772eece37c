// Tests for the hex of stored bytes' hashes and names: the digits of every byte, and a known SHA-256.
import { describe, expect, it } from "vitest";
import { sha256Hex, toHex } from "./sha256-hex.ts";

describe("hex", () => {
  it("writes two lowercase digits for every byte", () => {
    expect(toHex(new Uint8Array([0, 9, 15, 16, 171, 255]))).toBe("00090f10abff");
    const all = toHex(Uint8Array.from({ length: 256 }, (_, i) => i));
    expect(all).toBe(Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0")).join(""));
  });

  it("gives SHA-256 as the standard's test vector", async () => {
    expect(await sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});
