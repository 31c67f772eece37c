// The room's coalesced broadcast: member and photo counts go out at most once per COALESCE_MS, and a big
// room's less often, each frame serialised once for every socket, never one frame per event.
import type { ServerMessage } from "../../shared/protocol.ts";
import type { Conn, RoomHost } from "./room-host.ts";

/** The least time between two count flushes of a room of one object, ms. */
export const COALESCE_MS = 100;
/** Count frames a second the room spends at most: at ~50 µs a send (docs/scale.md), a fifth of the object.
 *  A flush goes to every socket, so the pause after one grows with what it sent: 100 ms up to 400
 *  sockets, 2.5 s at 10,000, and the work stays flat however big the room. */
export const COUNT_SENDS_PER_S = 4000;

/** Members of a sharded room per second of the gap between its shards' count frames, and the gap's bounds (ms). */
const SHARDED_MEMBERS_PER_GAP_S = 2000;
const SHARDED_MIN_GAP_MS = 1000;
const SHARDED_MAX_GAP_MS = 30_000;

/**
 * How long a shard of a room of `members` waits between two photo-count frames to its sockets: 1 s up to 2,000
 * members, then a second more per 2,000 (5 s at 10,000), at most 30 s. A shot's uploads are spread over a time that
 * grows with the room (upload-spread.ts), and the count changes throughout it: at one frame a second a member of
 * 10,000 got ~95 of them in the upload phase where one of 1,000 got 5, and the room's sends took half of a local
 * server's thread. With the gap growing as the spread does, a member's count frames a shot stay about flat.
 * A flush for member counts alone keeps 1 s: the organiser watches the ready count to shoot.
 */
export function shardedCountGapMs(members: number): number {
  const gap = (Math.max(0, members) / SHARDED_MEMBERS_PER_GAP_S) * 1000;
  return Math.min(SHARDED_MAX_GAP_MS, Math.max(SHARDED_MIN_GAP_MS, Math.round(gap)));
}

/** What a flush reads when it sends the counts. */
type Counts = { members(): { count: number; ready: number; wide: number }; photos(shotId: string): number };

export class Broadcast {
  private dirtyMembers = false;
  private dirtyPhotos: string | null = null;
  private flushPending = false;
  private lastMembers = -1;
  private lastReady = -1;
  private lastWide = -1;
  private lastPhotos = "";
  /** No flush before this (host clock): the pause that pays for the last one. */
  private quietUntil = 0;

  constructor(
    private readonly host: RoomHost,
    private readonly counts: Counts,
    /** Whether this object is a shard of a sharded room: it shows room-wide totals at most once a second
     *  (docs/scale.md, rule 4), and the photo count less often in a bigger room (shardedCountGapMs). */
    private readonly sharded: () => boolean = () => false,
  ) {}

  sendTo(conn: Conn, msg: ServerMessage): void {
    try {
      conn.send(JSON.stringify(msg));
    } catch {
      // The socket closed under us; its close handler cleans up.
    }
  }

  /** Sends one frame to every joined socket; the frame is serialised once. */
  broadcast(msg: ServerMessage): number {
    const frame = JSON.stringify(msg);
    let n = 0;
    for (const c of this.host.connections()) {
      if (!c.attachment()) continue;
      try {
        c.send(frame);
        n++;
      } catch {
        // closed under us
      }
    }
    return n;
  }

  membersChanged(): void {
    this.dirtyMembers = true;
    this.scheduleFlush();
  }

  photosChanged(shotId: string): void {
    this.dirtyPhotos = shotId;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    this.host.defer(() => this.flush(), Math.max(this.minGapMs(), this.quietUntil - this.host.now()));
  }

  /** The least time before the flush now scheduled: COALESCE_MS in a room of one object; in a shard 1 s, or
   *  shardedCountGapMs of the room's members when the flush carries the photo count alone. */
  private minGapMs(): number {
    if (!this.sharded()) return COALESCE_MS;
    const photosOnly = this.dirtyPhotos !== null && !this.dirtyMembers;
    return shardedCountGapMs(photosOnly ? this.counts.members().count : 0);
  }

  private flush(): void {
    this.flushPending = false;
    let sent = 0;
    if (this.dirtyMembers) {
      this.dirtyMembers = false;
      const { count, ready, wide } = this.counts.members();
      if (count !== this.lastMembers || ready !== this.lastReady || wide !== this.lastWide) {
        this.lastMembers = count;
        this.lastReady = ready;
        this.lastWide = wide;
        sent += this.broadcast({ type: "members", count, ready, wide });
      }
    }
    if (this.dirtyPhotos !== null) {
      const shotId = this.dirtyPhotos;
      this.dirtyPhotos = null;
      const count = this.counts.photos(shotId);
      // A sharded room's totals come down again when anything changed, often with this count as it was.
      if (`${shotId}:${count}` !== this.lastPhotos) {
        this.lastPhotos = `${shotId}:${count}`;
        sent += this.broadcast({ type: "photos", count, shotId });
      }
    }
    this.quietUntil = this.host.now() + (sent / COUNT_SENDS_PER_S) * 1000;
  }
}
