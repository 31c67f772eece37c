// Who is in one room: members by stable clientId, their open sockets (counted from the attachments, so
// hibernation loses nothing) and which of them are ready. The part of a room a shard would own for its members.
import type { Attachment, Conn, RoomHost } from "./room-host.ts";
import { newId } from "./new-id.ts";

/** A member as a join needs it: who a clientId is, and the name and role it last joined with. */
export type Member = { member_id: string; name: string; role: string };

export class Presence {
  private online: Map<string, number> | null = null;
  /** Open guest sockets per member that reported `ready`; a subset of `online`, rebuilt with it. */
  private readyOnline = new Map<string, number>();
  /** Of those, sockets whose `ready` bound is over WIDE_CLOCK_BOUND_MS; a subset of `readyOnline`. */
  private wideOnline = new Map<string, number>();
  private readonly counted = new WeakMap<Conn, { memberId: string; ready: boolean; wide: boolean }>();

  constructor(
    private readonly host: RoomHost,
    /** Called after every change to the counts (the broadcast coalesces them). */
    private readonly changed: () => void,
    /** A new member's id from a fresh one: a shard marks the ids it makes (shard-routing.ts). */
    private readonly localId: (id: string) => string = (id) => id,
  ) {}

  /** The member a clientId joined as, or null for a client new to the room. */
  member(clientId: string): Member | null {
    const [row] = this.host.sql.exec<Member>("SELECT member_id, name, role FROM members WHERE client_id = ?", clientId);
    return row ?? null;
  }

  /** The member for a stable clientId, `known` as member() found it: a reconnect resumes the same
   *  membership (its name and role brought up to date), a new client gets a new one. */
  join(clientId: string, known: Member | null, name: string, role: Attachment["role"]): string {
    if (known) {
      if (known.name !== name || known.role !== role)
        this.host.sql.exec("UPDATE members SET name = ?, role = ? WHERE member_id = ?", name, role, known.member_id);
      return known.member_id;
    }
    const memberId = this.localId(newId());
    this.host.sql.exec(
      "INSERT INTO members (member_id, client_id, name, role, joined_at) VALUES (?, ?, ?, ?, ?)",
      memberId,
      clientId,
      name,
      role,
      this.host.now(),
    );
    return memberId;
  }

  /** A guest's place on the sweep's ring; kept with the member, so it outlives reconnects and shots. */
  setPlace(memberId: string, place: number | null): void {
    this.host.sql.exec("UPDATE members SET place = ? WHERE member_id = ?", place, memberId);
  }

  /** Members ever joined (guests and viewers). */
  memberCount(): number {
    return this.host.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM members")[0]?.n ?? 0;
  }

  /** Guests with at least one open socket (an owner's tabs and other viewers do not count). */
  connectedGuests(): Set<string> {
    return new Set(this.onlineMap().keys());
  }

  guestCount(): number {
    return this.onlineMap().size;
  }

  /** Open guest sockets (a member with two tabs has two). */
  socketCount(): number {
    let n = 0;
    for (const k of this.onlineMap().values()) n += k;
    return n;
  }

  /** Connected guests with at least one socket whose clock is synced. */
  readyCount(): number {
    this.onlineMap();
    return this.readyOnline.size;
  }

  /** Ready guests all of whose ready sockets have a wide bound (a network too slow to prove better). */
  wideCount(): number {
    this.onlineMap();
    let n = 0;
    for (const [memberId, wide] of this.wideOnline) if (wide === this.readyOnline.get(memberId)) n++;
    return n;
  }

  /** Notes that a joined socket's clock is synced, and whether its bound is wide; the attachment keeps
   *  both across hibernation. */
  markReady(conn: Conn, wide: boolean): void {
    const a = conn.attachment();
    if (!a || (a.ready && (a.wide === true) === wide)) return;
    this.onlineMap(); // after a wake-up, counts the sockets first (this one as it was)
    const next: Attachment = { ...a, ready: true };
    if (wide) next.wide = true;
    else delete next.wide;
    conn.attach(next);
    const c = this.counted.get(conn);
    if (!c) return;
    if (!c.ready) bump(this.readyOnline, c.memberId, 1);
    if (c.wide !== wide) bump(this.wideOnline, c.memberId, wide ? 1 : -1);
    c.ready = true;
    c.wide = wide;
    this.changed();
  }

  /** Gives a socket its identity and counts it, so a join costs O(1) rather than a scan of all sockets. */
  attach(conn: Conn, a: Attachment): void {
    this.uncount(conn);
    conn.attach(a);
    if (a.role === "guest") this.count(conn, a);
    this.changed();
  }

  detach(conn: Conn): void {
    if (this.uncount(conn)) this.changed();
  }

  /** Open guest sockets per member. Derived from the sockets' attachments and rebuilt after every
   *  wake-up (hibernation drops memory, never the sockets), so it is a cache, not state. */
  private onlineMap(): Map<string, number> {
    if (!this.online) {
      this.online = new Map();
      this.readyOnline = new Map();
      this.wideOnline = new Map();
      for (const c of this.host.connections()) {
        const a = c.attachment();
        if (a?.role === "guest") this.count(c, a);
      }
    }
    return this.online;
  }

  private count(conn: Conn, a: Attachment): void {
    bump(this.onlineMap(), a.memberId, 1);
    if (a.ready) bump(this.readyOnline, a.memberId, 1);
    if (a.ready && a.wide) bump(this.wideOnline, a.memberId, 1);
    this.counted.set(conn, {
      memberId: a.memberId,
      ready: a.ready === true,
      wide: a.ready === true && a.wide === true,
    });
  }

  private uncount(conn: Conn): boolean {
    const m = this.onlineMap();
    const c = this.counted.get(conn);
    if (c === undefined) return false;
    this.counted.delete(conn);
    bump(m, c.memberId, -1);
    if (c.ready) bump(this.readyOnline, c.memberId, -1);
    if (c.wide) bump(this.wideOnline, c.memberId, -1);
    return true;
  }
}

/** Adds `by` to a per-member count, dropping the member at zero. */
function bump(m: Map<string, number>, memberId: string, by: number): void {
  const n = (m.get(memberId) ?? 0) + by;
  if (n > 0) m.set(memberId, n);
  else m.delete(memberId);
}
