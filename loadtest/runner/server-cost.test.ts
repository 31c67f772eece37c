// The server's CPU per member and phase: the phase windows taken from a summary's timeline, the division by
// the members, and "unknown" when the runner had no server of its own to read.
import { describe, expect, it } from "vitest";
import { perMember, phaseWindows, serverCost, serverCostLine } from "./server-cost.ts";

const timeline: Record<string, [number | null, number | null]> = {
  connect: [600, 900],
  join: [650, 2600],
  shoot: [2700, 2760],
  fire: [2720, 4200],
  upload: [4300, 9000],
  download: [null, null],
};

describe("server CPU per member", () => {
  it("costs join, wait, shot, upload and the whole run from the timeline's edges", () => {
    expect(phaseWindows(timeline)).toEqual({
      join: [600, 2600],
      wait: [2600, 2700],
      // to the last fire and its report, before which no upload starts
      shot: [2700, 4300],
      upload: [4300, 9000],
      run: [0, 9000],
    });
    // A run whose shoot never came has no wait or shot phase.
    expect(Object.keys(phaseWindows({ connect: [0, 10], join: [5, 20], shoot: [null, null] }))).toEqual([
      "join",
      "run",
    ]);
  });

  it("divides each phase's CPU by the members who joined", () => {
    const origin = 1_000_000;
    // 1 ms of CPU per ms of wall time from the origin on.
    const samples = [
      { t: origin, ms: 0 },
      { t: origin + 10_000, ms: 10_000 },
    ];
    const c = serverCost({ origin_epoch_ms: origin, joined: 1000, timeline }, samples);
    expect("phases" in c && c.phases.join).toEqual({ from_ms: 600, to_ms: 2600, cpu_ms: 2000, per_member_ms: 2 });
    expect("phases" in c && c.phases.upload!.per_member_ms).toBeCloseTo(4.7);
    expect(serverCostLine(c, "deno")).toContain("join 2.000 ms (2.00 s in 2.00 s)");
    expect(perMember(500, 0)).toBeNull();
    expect(perMember(null, 10)).toBeNull();
    expect(perMember(30, 10)).toBe(3);
  });

  it("says unknown without samples or without the summary's clock", () => {
    const none = serverCost({ origin_epoch_ms: 5, joined: 3, timeline }, null);
    expect(none).toEqual({ unknown: "the runner did not start the server" });
    expect(serverCostLine(none, "")).toBe("server CPU per member: unknown (the runner did not start the server)");
    expect(serverCost({ joined: 3, timeline }, [{ t: 0, ms: 0 }])).toHaveProperty("unknown");
  });
});
