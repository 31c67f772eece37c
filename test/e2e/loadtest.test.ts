// The k6 load test (loadtest/room.ts) through the project's k6-compatible runner at 50 clients against
// each server under test: every phase completes, no acknowledged photo is lost, no shoot arrives late.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";

const CLIENTS = 50;

function loadtest(url: string, summary: string): Promise<{ code: number | null; output: string }> {
  const args = ["--import", "tsx", "loadtest/runner/cli.ts", "--runner", "builtin", "--clients", String(CLIENTS)];
  const child = spawn(process.execPath, [...args, "--url", url, "--summary", summary, "-e", "SKEW=1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, output })));
}

for (const server of inject("servers")) {
  describe(`load test on ${server.kind}`, () => {
    it(`${CLIENTS} clients complete every phase with no lost photo and no late shoot`, async () => {
      const summary = join(mkdtempSync(join(tmpdir(), "simulshot-loadtest-")), "summary.json");
      const { code, output } = await loadtest(server.url, summary);
      // 99 means a timing threshold was crossed: a loaded CI machine may do that; the checks below may not fail.
      expect([0, 99], output).toContain(code);
      const s = JSON.parse(readFileSync(summary, "utf8"));
      expect(s, output).toMatchObject({
        clients: CLIENTS,
        connected: CLIENTS,
        joined: CLIENTS,
        fired: CLIENTS,
        uploaded: CLIENTS,
        lost: 0,
        late: 0,
        corrupt: 0,
        errors: 0,
      });
      for (const [phase, ms] of Object.entries(s.phases)) expect(ms, phase).toBeTypeOf("number");
      expect(s.downloaded).toBeGreaterThanOrEqual(CLIENTS);
      expect(output).toContain(`${CLIENTS} clients connected, took:`);
    });
  });
}
