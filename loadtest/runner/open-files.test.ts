// The open-file limit a run of N clients wants (~2 a client): a real runner under a low limit stops before it
// starts when it cannot hold one a client, and warns when it may run short of two.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fileLimit, filePlan, parseFileLimit } from "./open-files.ts";

describe("the open-file limit", () => {
  it("reads /proc's limits row", () => {
    const limits =
      "Max processes             95318                95318                processes\nMax open files            1024                 20000                files\n";
    expect(parseFileLimit(limits)).toEqual({ soft: 1024, hard: 20000 });
    expect(parseFileLimit("Max open files            unlimited            unlimited            files")).toEqual({
      soft: Infinity,
      hard: Infinity,
    });
    expect(parseFileLimit("nothing here")).toBeNull();
  });

  it("is content with ~2 a client, warns below that and stops below one a client", () => {
    expect(filePlan(1000, { soft: 20000, hard: 20000 })).toEqual({ action: "ok" });
    const short = filePlan(10000, { soft: 20000, hard: 20000 });
    expect(short.action).toBe("short");
    expect("message" in short && short.message).toMatch(
      /is 20000 \(hard 20000\) and 10000 clients want ~21000.*hard limit/,
    );
    const fail = filePlan(10000, { soft: 4096, hard: 30000 });
    expect(fail.action).toBe("fail");
    expect("message" in fail && fail.message).toContain("ulimit -Sn 21000");
  });

  // Node lifts its own soft limit to the hard one, so the test sets both in the shell that starts the runner.
  const run = (clients: number) => {
    const cli = `"${process.execPath}" --import tsx loadtest/runner/cli.ts --processes 1 --url http://127.0.0.1:9`;
    const child = spawn("sh", ["-c", `ulimit -n 1200 && exec ${cli} --clients ${clients}`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    return new Promise<{ code: number | null; output: string }>((r) => child.on("exit", (code) => r({ code, output })));
  };

  it.skipIf(!fileLimit() || fileLimit()!.hard < 1200)(
    "refuses a run its limit cannot hold before it starts, and warns about one it may run short in",
    async () => {
      const refused = await run(500);
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(
        "the open-file limit (ulimit -n) is 1200 (hard 1200) and 500 clients want ~2000",
      );
      expect(refused.output).not.toContain("running loadtest/room.ts");
      // 150 clients fit one descriptor a client, not two: the run goes on (and fails here, with no server).
      const warned = await run(150);
      expect(warned.output).toContain(
        "warning: the open-file limit (ulimit -n) is 1200 (hard 1200) and 150 clients want ~1300",
      );
      expect(warned.output).toContain("running loadtest/room.ts");
    },
    60_000,
  );
});
