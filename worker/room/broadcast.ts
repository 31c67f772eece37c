// The room's coalesced broadcast: member counts go out at most once per COALESCE_MS (a big room's less often, and
// to its guests at the photo count's pace), photo counts at most once a second (a big room's less often), each frame
// serialised once for every socket.
import type { ServerMessage } from "../../shared/protocol.ts";
import type { Attachment, Conn, RoomHost } from "./room-host.ts";

/** The least time between two count flushes of a room of one object, ms. */
export const COALESCE_MS = 100;
/** Count frames a second the room spends at most: at ~50 µs a send (docs/scale.md), a fifth of the object.
 *  A flush goes to every socket, so the pause after one grows with what it sent: 100 ms up to 400
 *  sockets, 2.5 s at 10,000, and the work stays flat however big the room. */
export const COUNT_SENDS_PER_S = 4000;

/** Members of a room per second of the gap between its photo-count frames, and the gap's bounds (ms). */
const PHOTO_MEMBERS_PER_GAP_S = 2000;
const PHOTO_MIN_GAP_MS = 1000;
const PHOTO_MAX_GAP_MS = 30_000;
/** The least time between two count flushes of a shard: it shows room-wide totals at most once a second. */
const SHARD_GAP_MS = 1000;

/**
 * How long an object of a room of `members` waits between two photo-count frames to its sockets: 1 s up to 2,000
 * members, then a second more per 2,000 (5 s at 10,000), at most 30 s. The count changes with every upload, and a
 * shot's uploads come in a burst whose spread grows with the room (upload-spread.ts): in a room of one object at the
 * member counts' pace (4,000 sends a second), the 1,000 guests of a burst got 31 count frames each in 14 s and the
 * sends took ~2.8 ms of server CPU an upload (a fifth of the upload path, docs/performance.md); in a sharded room at
 * one a second, a member of 10,000 got ~95 over the upload phase where one of 1,000 got 5. With the gap growing as
 * the spread does, a member's count frames a shot stay about flat. Member counts keep their pace (COALESCE_MS in a
 * room of one object, 1 s in a shard): the organiser watches the ready count to shoot.
 */
export function photoCountGapMs(members: number): number {
  const gap = (Math.max(0, members) / PHOTO_MEMBERS_PER_GAP_S) * 1000;
  return Math.min(PHOTO_MAX_GAP_MS, Math.max(PHOTO_MIN_GAP_MS, Math.round(gap)));
}

/** What a flush reads when it sends the counts. */
type Counts = { members(): { count: number; ready: number; wide: number }; photos(shotId: string): number };

export class Broadcast {
  private dirtyMembers = false;
  private dirtyPhotos: string | null = null;
  /** The member counts ("count/ready/wide") last sent to viewers (the organiser, event screens) and to guests. */
  private lastMembersViewers = "";
  private lastMembersGuests = "";
  /** No member-count frame to a big room's guests before this (host clock). */
  private guestMembersAt = 0;
  /** When the pending flush runs (Infinity: none is); a sooner one supersedes it. */
  private flushAt = Infinity;
  private lastPhotos = "";
  /** No flush before this (host clock): the pause that pays for the last one. */
  private quietUntil = 0;

  constructor(
    private readonly host: RoomHost,
    private readonly counts: Counts,
    /** Whether this object is a shard of a sharded room: it shows room-wide totals at most once a second
     *  (docs/scale.md, rule 4). */
    private readonly sharded: () => boolean = () => false,
  ) {}

  sendTo(conn: Conn, msg: ServerMessage): void {
    try {
      conn.send(JSON.stringify(msg));
    } catch {
      // The socket closed under us; its close handler cleans up.
    }
  }

  /** Sends one frame to every joined socket (or those of one role); the frame is serialised once. */
  broadcast(msg: ServerMessage, role?: Attachment["role"]): number {
    const frame = JSON.stringify(msg);
    let n = 0;
    for (const c of this.host.connections()) {
      const a = c.attachment();
      if (!a || (role && a.role !== role)) continue;
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

  private scheduleFlush(delay = Math.max(this.minGapMs(), this.quietUntil - this.host.now())): void {
    const at = this.host.now() + delay;
    if (this.flushAt <= at) return;
    this.flushAt = at;
    this.host.defer(() => {
      if (this.flushAt === at) this.flush(); // else a sooner flush superseded this one
    }, delay);
  }

  /** The least time before the flush now scheduled: photoCountGapMs of the room's members when it carries the
   *  photo count alone; else COALESCE_MS in a room of one object, 1 s in a shard. */
  private minGapMs(): number {
    if (this.dirtyPhotos !== null && !this.dirtyMembers) return photoCountGapMs(this.counts.members().count);
    return this.sharded() ? SHARD_GAP_MS : COALESCE_MS;
  }

  private flush(): void {
    this.flushAt = Infinity;
    let sent = 0;
    let guestsLater = false;
    if (this.dirtyMembers) {
      this.dirtyMembers = false;
      const { count, ready, wide } = this.counts.members();
      const msg: ServerMessage = { type: "members", count, ready, wide };
      const key = `${count}/${ready}/${wide}`;
      const now = this.host.now();
      const toViewers = key !== this.lastMembersViewers;
      const toGuests = key !== this.lastMembersGuests;
      // A big room's guests get the member count at the photo count's pace (a join storm of 10,000 sent each one a
      // frame a second of it); the organiser, who watches the ready count to shoot, gets it on time.
      const guestsMay = count <= PHOTO_MEMBERS_PER_GAP_S || now >= this.guestMembersAt;
      if (toGuests && guestsMay) {
        sent += this.broadcast(msg, toViewers ? undefined : "guest");
        this.lastMembersGuests = this.lastMembersViewers = key;
        this.guestMembersAt = now + photoCountGapMs(count);
      } else if (toViewers) {
        sent += this.broadcast(msg, "viewer");
        this.lastMembersViewers = key;
      }
      guestsLater = toGuests && !guestsMay;
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
    if (guestsLater) {
      // The guests' turn comes without another change: the last count of a storm reaches them too.
      this.dirtyMembers = true;
      this.scheduleFlush(Math.max(this.guestMembersAt, this.quietUntil) - this.host.now());
    }
  }
}
