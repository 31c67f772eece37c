// The coalesced counts, on a fake host with a fake clock: a small room hears within 100 ms, and a join storm
// of thousands costs the room the same count frames a second as one of hundreds.
import { describe, expect, it } from "vitest";
import { Broadcast, COUNT_SENDS_PER_S, photoCountGapMs } from "./broadcast.ts";
import type { Attachment, Conn, RoomHost } from "./room-host.ts";

/** A room's object on a fake host; `shard`: a shard of a sharded room with `elsewhere` members on its other shards. */
function room(shard?: { elsewhere: number }, joined = 0) {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const conns: Conn[] = [];
  let sent = 0;
  const got = { guest: 0, viewer: 0 };
  const host: RoomHost = {
    sql: null as never,
    connections: () => conns,
    setAlarm: () => {},
    now: () => now,
    defer: (fn, ms) => void timers.push({ at: now + ms, fn }),
  };
  const members = { count: joined, ready: 0, wide: 0 };
  let photos = 0;
  const roomWide = () => ({ ...members, count: members.count + (shard?.elsewhere ?? 0) });
  const b = new Broadcast(host, { members: roomWide, photos: () => photos }, () => shard !== undefined);
  const join = (role: Attachment["role"] = "guest") => {
    const attachment: Attachment = { memberId: "m", role, name: "g" };
    conns.push({
      send: () => {
        sent++;
        got[role]++;
      },
      close: () => {},
      attachment: () => attachment,
      attach: () => {},
      clientId: () => null,
    });
    members.count++;
    b.membersChanged();
  };
  /** Runs the clock to `t`, firing due timers in order. */
  const advance = (t: number) => {
    for (;;) {
      timers.sort((x, y) => x.at - y.at);
      if (!timers.length || timers[0]!.at > t) break;
      const next = timers.shift()!;
      now = next.at;
      next.fn();
    }
    now = t;
  };
  const upload = () => {
    photos++;
    b.photosChanged("shot");
  };
  return { join, upload, advance, sent: () => sent, got, now: () => now };
}

/** Count frames a second while `n` guests join evenly over `seconds` and the counts settle. */
function storm(n: number, seconds: number): number {
  const r = room();
  for (let i = 0; i < n; i++) {
    r.advance((i * seconds * 1000) / n);
    r.join();
  }
  // The last flush, to all n, is paid for by the pause after it: count that pause in the time.
  const end = seconds * 1000 + (n / COUNT_SENDS_PER_S) * 1000 + 1;
  r.advance(end);
  return r.sent() / (end / 1000);
}

describe("the room's coalesced counts", () => {
  it("reach a small room's guests within 100 ms of a change, one frame each", () => {
    const r = room();
    for (let i = 0; i < 10; i++) r.join();
    r.advance(99);
    expect(r.sent()).toBe(0);
    r.advance(100);
    expect(r.sent()).toBe(10);
    // The next change waits only the usual 100 ms.
    r.join();
    r.advance(200);
    expect(r.sent()).toBe(21);
  });

  it("cost a join storm of 10,000 no more count frames a second than one of 1,000", () => {
    const small = storm(1_000, 5);
    const big = storm(10_000, 5);
    // Flushing every 100 ms whatever the size, the big storm would send ~100× the small one's frames.
    expect(big).toBeLessThanOrEqual(COUNT_SENDS_PER_S * 1.1);
    expect(big / small).toBeLessThan(1.5);
  });

  it("show the photo count at most once a second, less often as the room grows, so a member's frames a shot stay flat", () => {
    expect([1_000, 2_000, 10_000, 60_000, 1_000_000].map(photoCountGapMs)).toEqual([1000, 1000, 5000, 30_000, 30_000]);
    /** Photo-count frames one member of a room of `members` gets while its uploads come in over `seconds`. */
    const framesPerMember = (members: number, seconds: number, sharded: boolean) => {
      const r = sharded ? room({ elsewhere: members - 1 }) : room(undefined, members - 1);
      r.join();
      r.advance(1_000);
      const before = r.sent();
      for (let t = 1_000; t < 1_000 + seconds * 1000; t += 10) {
        r.advance(t);
        r.upload();
      }
      r.advance(1_000 + seconds * 1000 + 30_000);
      return r.sent() - before;
    };
    // A room of one object: once a second through a burst, not at the member counts' pace (every 100–250 ms).
    expect(framesPerMember(1_000, 10, false)).toBeGreaterThanOrEqual(9);
    expect(framesPerMember(1_000, 10, false)).toBeLessThanOrEqual(11);
    // The upload spread grows with the room (200 a second by default): 5 s for 1,000, 50 s for 10,000.
    const small = framesPerMember(1_000, 5, true);
    const big = framesPerMember(10_000, 50, true);
    expect(small).toBeGreaterThanOrEqual(5);
    expect(big / small).toBeLessThanOrEqual(2);
    // A member count alone still goes out within a second in a shard, within 100 ms in a room of one object.
    const r = room({ elsewhere: 9_999 });
    r.join();
    r.advance(999);
    expect(r.sent()).toBe(0);
    r.advance(1_000);
    expect(r.sent()).toBe(1);
    const one = room(undefined, 999);
    one.join();
    one.advance(100);
    expect(one.sent()).toBe(1);
  });

  it("in a room past 2,000, send guests the member count at the photo count's pace and the organiser on time", () => {
    // A shard of a room of 10,000: one viewer (the organiser) and 4 guests here, members joining elsewhere throughout.
    const r = room({ elsewhere: 9_995 });
    r.join("viewer");
    for (let i = 0; i < 4; i++) r.join();
    for (let t = 0; t <= 20_000; t += 100) {
      r.advance(t);
      r.join(); // one more member each 100 ms, for 20 s
    }
    // Every second to the organiser; every 5 s (photoCountGapMs of 10,000) to each guest.
    expect(r.got.viewer).toBeGreaterThanOrEqual(19);
    const perGuest = r.got.guest / (4 + 201);
    expect(perGuest).toBeLessThanOrEqual(6);
    // The storm's last count still reaches the guests, without another change.
    const before = r.got.guest;
    r.advance(60_000);
    expect(r.got.guest - before).toBe(4 + 201);
  });
});
