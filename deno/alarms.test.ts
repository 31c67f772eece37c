import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Alarms, MAX_TIMER_MS, type AlarmStore } from "./alarms.ts";

function memoryStore(): AlarmStore & { rows: Map<string, number> } {
  const rows = new Map<string, number>();
  return {
    rows,
    all: () => [...rows].map(([roomId, at]) => ({ roomId, at })),
    get: (roomId) => rows.get(roomId) ?? null,
    put: (roomId, at) => void rows.set(roomId, at),
    delete: (roomId) => void rows.delete(roomId),
  };
}

describe("Deno room alarms", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("fires a room's alarm at its time, once, and then forgets it", () => {
    const store = memoryStore();
    const fired: string[] = [];
    const alarms = new Alarms(store, (id) => fired.push(id), Date.now);
    alarms.set("a", Date.now() + 500);
    vi.advanceTimersByTime(499);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["a"]);
    expect(store.rows.size).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual(["a"]);
  });

  it("re-arms every stored alarm at startup, firing overdue ones at once", () => {
    const store = memoryStore();
    store.put("overdue", Date.now() - 5000);
    store.put("later", Date.now() + 2000);
    const fired: string[] = [];
    expect(new Alarms(store, (id) => fired.push(id), Date.now).armAll()).toBe(2);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(["overdue"]);
    vi.advanceTimersByTime(2000);
    expect(fired).toEqual(["overdue", "later"]);
  });

  it("keeps the next alarm a handler sets while it runs", () => {
    const store = memoryStore();
    let n = 0;
    const alarms: Alarms = new Alarms(
      store,
      (id) => {
        if (++n === 1) alarms.set(id, Date.now() + 1000);
      },
      Date.now,
    );
    alarms.set("a", Date.now() + 100);
    vi.advanceTimersByTime(100);
    expect(store.get("a")).toBe(Date.now() + 1000);
    vi.advanceTimersByTime(1000);
    expect(n).toBe(2);
    expect(store.get("a")).toBeNull();
  });

  it("replaces an alarm when set again and never fires a cleared one", () => {
    const store = memoryStore();
    const fired: string[] = [];
    const alarms = new Alarms(store, (id) => fired.push(id), Date.now);
    alarms.set("a", Date.now() + 100);
    alarms.set("a", Date.now() + 300);
    alarms.set("b", Date.now() + 100);
    alarms.set("b", null);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(["a"]);
    expect(store.rows.size).toBe(0);
  });

  it("waits out an alarm further away than one timer can reach instead of firing it early", () => {
    const store = memoryStore();
    const fired: string[] = [];
    const alarms = new Alarms(store, (id) => fired.push(id), Date.now);
    const at = Date.now() + 3 * MAX_TIMER_MS;
    alarms.set("far", at);
    vi.advanceTimersByTime(2 * MAX_TIMER_MS);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).toEqual(["far"]);
  });

  it("keeps the alarm stored when the handler throws, so the next start fires it again", () => {
    const store = memoryStore();
    const alarms = new Alarms(
      store,
      () => {
        throw new Error("boom");
      },
      Date.now,
    );
    alarms.set("a", Date.now() + 10);
    expect(() => vi.advanceTimersByTime(10)).toThrow("boom");
    expect(store.get("a")).toBe(Date.now());
  });
});
