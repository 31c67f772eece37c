// The Deno server's secret: refused when short, refused without one off loopback, and on loopback a random
// one made once in DATA_DIR and read back on every later start.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SECRET_FILE, isLoopback, serverSecret } from "./server-secret.ts";

const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), "simulshot-secret-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the Deno server's secret", () => {
  it("takes AUTH_SECRET when it has 32 bytes or more, and refuses a shorter one on any address", () => {
    const secret = "s".repeat(32);
    expect(serverSecret({ secret, hostname: "0.0.0.0", dataDir: dataDir() })).toBe(secret);
    for (const hostname of ["0.0.0.0", "127.0.0.1"])
      expect(() => serverSecret({ secret: "s".repeat(31), hostname, dataDir: dataDir() })).toThrow(/32 bytes/);
  });

  it("refuses to start without a secret on an address others can reach", () => {
    for (const hostname of ["0.0.0.0", "::", "192.168.1.20", "example.org", "127.0.0.1.example.org"]) {
      const dir = dataDir();
      expect(() => serverSecret({ secret: undefined, hostname, dataDir: dir })).toThrow(/AUTH_SECRET is not set/);
      expect(() => statSync(join(dir, SECRET_FILE))).toThrow();
    }
  });

  it("on loopback makes a random secret once, private to its owner, and keeps it across starts", () => {
    const dir = dataDir();
    const first = serverSecret({ secret: undefined, hostname: "127.0.0.1", dataDir: dir });
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(serverSecret({ secret: "", hostname: "localhost", dataDir: dir })).toBe(first);
    expect(readFileSync(join(dir, SECRET_FILE), "utf8")).toBe(first);
    expect(serverSecret({ secret: undefined, hostname: "127.0.0.1", dataDir: dataDir() })).not.toBe(first);
    // A file someone emptied is not silently trusted.
    writeFileSync(join(dir, SECRET_FILE), "short");
    expect(() => serverSecret({ secret: undefined, hostname: "::1", dataDir: dir })).toThrow(/delete it/);
  });

  it("knows loopback addresses", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopback(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "localhost.example"]) expect(isLoopback(h)).toBe(false);
  });
});
