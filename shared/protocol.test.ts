// The hand-written guards accept exactly the documented frames and nothing else.
import { describe, expect, it } from "vitest";
import {
  LIMITS,
  asFired,
  asJoin,
  asPing,
  asReady,
  asServerMessage,
  isClientType,
  isSafeText,
  parseFrame,
  socketUrl,
} from "./protocol.ts";

describe("parseFrame", () => {
  it("accepts JSON objects and refuses everything else", () => {
    expect(parseFrame('{"type":"ping"}')).toEqual({ type: "ping" });
    for (const bad of ["", "{", "[]", "null", "42", '"x"', "{'a':1}"]) expect(parseFrame(bad)).toBeNull();
  });
});

describe("client guards", () => {
  it("a valid join passes and defaults its role to guest", () => {
    expect(asJoin({ type: "join", v: 1, clientId: "abc_DEF-1", name: " Ann " })).toEqual({
      type: "join",
      v: 1,
      clientId: "abc_DEF-1",
      name: "Ann",
      role: "guest",
    });
  });
  it("a join with a path trick, an empty or oversize id, a long name or a bad role is refused", () => {
    const base = { type: "join", v: 1, clientId: "a", name: "n" };
    for (const patch of [
      { clientId: "../etc" },
      { clientId: "" },
      { clientId: "x".repeat(65) },
      { name: "n".repeat(41) },
      { name: 5 },
      { role: "owner" },
      { v: "1" },
    ])
      expect(asJoin({ ...base, ...patch })).toBeNull();
  });
  it("ping needs finite numbers and a non-negative rtt", () => {
    expect(asPing({ type: "ping", id: 1, t0: 2 })).toEqual({ type: "ping", id: 1, t0: 2 });
    expect(asPing({ type: "ping", id: 1, t0: 2, rtt: 3 })).toEqual({ type: "ping", id: 1, t0: 2, rtt: 3 });
    expect(asPing({ type: "ping", id: 1, t0: "2" })).toBeNull();
    expect(asPing({ type: "ping", id: 1, t0: 2, rtt: -1 })).toBeNull();
  });
  it("fired needs a shot id and finite timing with a non-negative error", () => {
    const ok = { type: "fired", shotId: "s1", firedAt: 1, offset: -2, error: 0.5 };
    expect(asFired(ok)).toEqual({ ...ok, late: false });
    expect(asFired({ ...ok, error: -1 })).toBeNull();
    expect(asFired({ ...ok, firedAt: Infinity })).toBeNull();
    expect(asFired({ ...ok, shotId: "a/b" })).toBeNull();
  });
  it("ready needs a finite, non-negative error bound", () => {
    expect(asReady({ type: "ready", error: 1.5 })).toEqual({ type: "ready", error: 1.5 });
    expect(asReady({ type: "ready", error: -1 })).toBeNull();
    expect(asReady({ type: "ready", error: "1" })).toBeNull();
    expect(asReady({ type: "ready" })).toBeNull();
  });
  it("every number is finite and bounded: huge, non-finite and negative values are refused", () => {
    const fired = { type: "fired", shotId: "s1", firedAt: 1.8e12, offset: -2, error: 0.5 };
    expect(asFired(fired)).not.toBeNull();
    for (const patch of [
      { firedAt: 1e300 },
      { firedAt: -1 },
      { firedAt: NaN },
      { offset: 1e300 },
      { offset: -Infinity },
      { error: LIMITS.maxClockErrorMs + 1 },
    ])
      expect(asFired({ ...fired, ...patch }), JSON.stringify(patch)).toBeNull();
    expect(asPing({ type: "ping", id: 1, t0: 2, rtt: LIMITS.maxRttMs })).not.toBeNull();
    expect(asPing({ type: "ping", id: 1, t0: 2, rtt: LIMITS.maxRttMs + 1 })).toBeNull();
    expect(asPing({ type: "ping", id: 1e300, t0: 2 })).toBeNull();
    expect(asPing({ type: "ping", id: 1, t0: -1e300 })).toBeNull();
    expect(asReady({ type: "ready", error: 1e300 })).toBeNull();
  });
  it("names refuse control, bidirectional-override and isolate characters and lone surrogates", () => {
    for (const bad of [
      "a\u202eb",
      "\u202a",
      "\u2066x",
      "x\u2069",
      "\u200f",
      "tab\t",
      "\u0000",
      "\u007f",
      "\u0085",
      "\ud800",
      "x\udfff",
    ]) {
      expect(isSafeText(bad), JSON.stringify(bad)).toBe(false);
      expect(asJoin({ type: "join", v: 1, clientId: "c", name: bad })).toBeNull();
    }
    for (const ok of ["Zoë", "😀 party", "עברית", "日本", ""]) expect(isSafeText(ok), ok).toBe(true);
  });
  it("only the four client types are known", () => {
    expect(["join", "ping", "fired", "ready"].every(isClientType)).toBe(true);
    expect(isClientType("shoot")).toBe(false);
    expect(isClientType(undefined)).toBe(false);
  });
});

describe("server guard", () => {
  it("accepts well-formed server frames and refuses malformed or unknown ones", () => {
    expect(asServerMessage({ type: "shoot", shotId: "s", at: 5 })).not.toBeNull();
    expect(asServerMessage({ type: "pong", id: 1, t0: 1, ts: 2 })).not.toBeNull();
    expect(asServerMessage({ type: "shoot", shotId: "s" })).toBeNull();
    expect(asServerMessage({ type: "members", count: 2, ready: 1, wide: 0 })).not.toBeNull();
    expect(asServerMessage({ type: "members", count: 2, ready: 1 })).toBeNull();
    expect(asServerMessage({ type: "members", count: 2 })).toBeNull();
    expect(asServerMessage({ type: "welcome", memberId: "m" })).toBeNull();
    expect(asServerMessage({ type: "nope" })).toBeNull();
  });

  it("reads a shoot's upload spread, and takes one it cannot use (missing, negative, past the limit) as none", () => {
    expect(asServerMessage({ type: "shoot", shotId: "s", at: 5, spreadMs: 1500 })).toEqual({
      type: "shoot",
      shotId: "s",
      at: 5,
      spreadMs: 1500,
    });
    for (const spreadMs of [undefined, -1, "9", Number.NaN, LIMITS.maxUploadSpreadMs + 1])
      expect(asServerMessage({ type: "shoot", shotId: "s", at: 5, spreadMs })).toMatchObject({ spreadMs: 0 });
  });
});

describe("socket URL", () => {
  it("names the client in the room socket's URL, after any query already there", () => {
    expect(socketUrl("ws://h/api/rooms/r/ws", "c-1_A")).toBe("ws://h/api/rooms/r/ws?clientId=c-1_A");
    expect(socketUrl("ws://h/api/rooms/r/ws?x=1", "c")).toBe("ws://h/api/rooms/r/ws?x=1&clientId=c");
  });
});
