import { afterEach, describe, expect, it, vi } from "vitest";
import { ALARM_RETRIES, FIRST_RETRY_MS, MosaicAlarms } from "./mosaic-alarm.ts";

describe("the Deno mosaic alarm", () => {
  afterEach(() => vi.restoreAllMocks());

  it("re-arms a failed alarm with doubling waits, logs the mosaic, and gives up after the Workers retry count", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const rearmed: number[] = [];
    const alarms = new MosaicAlarms(
      (_key, at) => rearmed.push(at),
      () => 0,
    );
    for (let i = 0; i <= ALARM_RETRIES; i++) {
      await alarms.run("room1/shot1", () => Promise.reject(new Error("store down")));
    }
    expect(rearmed).toEqual(Array.from({ length: ALARM_RETRIES }, (_, i) => FIRST_RETRY_MS * 2 ** i));
    expect(errors).toHaveBeenCalledTimes(ALARM_RETRIES + 1);
    expect(String(errors.mock.calls[0]![0])).toContain("[Mosaic.alarm room1/shot1]");
  });

  it("starts the series over after an alarm that succeeds", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const rearmed: number[] = [];
    const alarms = new MosaicAlarms(
      (_key, at) => rearmed.push(at),
      () => 0,
    );
    await alarms.run("r/s", () => Promise.reject(new Error("once")));
    await alarms.run("r/s", () => Promise.resolve());
    await alarms.run("r/s", () => Promise.reject(new Error("again")));
    expect(rearmed).toEqual([FIRST_RETRY_MS, FIRST_RETRY_MS]);
  });
});
