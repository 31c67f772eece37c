// The organiser key comparison: right only for the exact key, whatever the lengths.
import { describe, expect, it } from "vitest";
import { sameSecret } from "./same-secret.ts";

describe("sameSecret", () => {
  it("is true only for the exact secret", async () => {
    expect(await sameSecret("organiser-key", "organiser-key")).toBe(true);
    for (const guess of ["", "organiser-ke", "organiser-key ", "Organiser-key", "organiser-kez", "x".repeat(5000)])
      expect(await sameSecret(guess, "organiser-key")).toBe(false);
  });
});
