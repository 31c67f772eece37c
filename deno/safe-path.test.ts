import { describe, expect, it } from "vitest";
import { safePath } from "./safe-path.ts";

describe("safe paths under a folder", () => {
  it("puts a server-made key under the folder", () => {
    expect(safePath("/data/blobs", "rooms/AAAAAAAAAAAAAAAAAAAAAA/0123abcd.jpg")).toBe(
      "/data/blobs/rooms/AAAAAAAAAAAAAAAAAAAAAA/0123abcd.jpg",
    );
  });

  it.each([
    "../etc/passwd",
    "rooms/../../etc/passwd",
    "rooms/./x.jpg",
    "/etc/passwd",
    "rooms//x.jpg",
    "rooms/x.jpg/",
    "rooms\\..\\x.jpg",
    ".hidden",
    "",
    "rooms/x\u0000.jpg",
    "rooms/%2e%2e/x.jpg",
    `rooms/${"a".repeat(600)}.jpg`,
  ])("refuses a path that could leave the folder or is not a plain path: %j", (key) => {
    expect(safePath("/data/blobs", key)).toBeNull();
  });
});
