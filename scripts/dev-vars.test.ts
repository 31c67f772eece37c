// `npm start`'s .dev.vars step: a fresh clone gets a random AUTH_SECRET; one already there is kept.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDevSecret } from "./dev-vars.ts";

const dir = mkdtempSync(join(tmpdir(), "simulshot-devvars-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secretIn = (path: string) => /^AUTH_SECRET=(.*)$/m.exec(readFileSync(path, "utf8"))?.[1];

describe(".dev.vars", () => {
  it("is written with a random secret of 32+ bytes when missing, private, and kept on the next start", () => {
    const path = join(dir, "fresh.vars");
    expect(ensureDevSecret(path)).toBe("created");
    const secret = secretIn(path)!;
    expect(Buffer.byteLength(secret)).toBeGreaterThanOrEqual(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(ensureDevSecret(path)).toBe("kept");
    expect(secretIn(path)).toBe(secret);
    const other = join(dir, "other.vars");
    ensureDevSecret(other);
    expect(secretIn(other)).not.toBe(secret);
  });

  it("gains a secret when it has other settings but none, and a short one is reported, not replaced", () => {
    const path = join(dir, "key-only.vars");
    writeFileSync(path, "ORGANIZER_KEY=abc\n# AUTH_SECRET=commented-out");
    expect(ensureDevSecret(path)).toBe("added");
    expect(readFileSync(path, "utf8")).toMatch(
      /^ORGANIZER_KEY=abc\n# AUTH_SECRET=commented-out\nAUTH_SECRET=\S{32,}\n$/,
    );
    const short = join(dir, "short.vars");
    writeFileSync(short, "AUTH_SECRET=change-me\n");
    expect(ensureDevSecret(short)).toBe("too-short");
    expect(readFileSync(short, "utf8")).toBe("AUTH_SECRET=change-me\n");
  });
});
