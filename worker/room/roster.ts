// Membership, broadcast and the photo index of one room, behind one module: the piece a very large
// room would spread over several objects. Counts go out coalesced (≤ one frame per 100 ms), never per event.
import type { PhotoView, ServerMessage } from "../../shared/protocol.ts";
import type { Row } from "../sql.ts";
import type { Attachment, Conn, RoomHost } from "./room-host.ts";

export const COALESCE_MS = 100;

type MemberRow = { member_id: string; client_id: string; name: string; role: string; joined_at: number };
type PhotoRow = {
  seq: number;
  photo_id: string;
  shot_id: string;
  member_id: string;
  key: string;
  thumb_key: string | null;
  tile_key: string | null;
  type: string;
  bytes: number;
  name: string | null;
  fired_at: number | null;
};

export function createRosterSchema(host: RoomHost): void {
  host.sql.exec(`CREATE TABLE IF NOT EXISTS members (
    member_id TEXT PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    role TEXT NOT NULL, joined_at INTEGER NOT NULL)`);
  host.sql.exec(`CREATE TABLE IF NOT EXISTS photos (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, photo_id TEXT NOT NULL UNIQUE, shot_id TEXT NOT NULL,
    member_id TEXT NOT NULL, key TEXT NOT NULL, thumb_key TEXT, tile_key TEXT, type TEXT NOT NULL,
    bytes INTEGER NOT NULL, width INTEGER, height INTEGER, created_at INTEGER NOT NULL,
    UNIQUE (shot_id, member_id))`);
  // A page of a shot's listing walks this index from the cursor and stops at the limit, instead of
  // joining and sorting every photo of the shot for each page.
  host.sql.exec("CREATE INDEX IF NOT EXISTS photos_shot_seq ON photos (shot_id, seq)");
}

export class Roster {
  private dirtyMembers = false;
  private dirtyPhotos: string | null = null;
  private flushPending = false;
  private lastMembers = -1;
  private lastReady = -1;
  private online: Map<string, number> | null = null;
  /** Open guest sockets per member that reported `ready`; a subset of `online`, rebuilt with it. */
  private readyOnline = new Map<string, number>();
  private readonly counted = new WeakMap<Conn, { memberId: string; ready: boolean }>();

  constructor(
    private readonly host: RoomHost,
    private readonly fileUrl: (key: string) => string,
  ) {}

  // ---- membership ----

  /** Finds or creates the member for a stable clientId: a reconnect resumes the same membership. */
  join(clientId: string, name: string, role: Attachment["role"]): { memberId: string; created: boolean } {
    const [row] = this.host.sql.exec<MemberRow>("SELECT * FROM members WHERE client_id = ?", clientId);
    if (row) {
      if (row.name !== name || row.role !== role)
        this.host.sql.exec("UPDATE members SET name = ?, role = ? WHERE member_id = ?", name, role, row.member_id);
      return { memberId: row.member_id, created: false };
    }
    const memberId = crypto.randomUUID().replace(/-/g, "").slice(0, 20);
    this.host.sql.exec(
      "INSERT INTO members (member_id, client_id, name, role, joined_at) VALUES (?, ?, ?, ?, ?)",
      memberId,
      clientId,
      name,
      role,
      this.host.now(),
    );
    return { memberId, created: true };
  }

  memberName(memberId: string): string | null {
    const [row] = this.host.sql.exec<{ name: string }>("SELECT name FROM members WHERE member_id = ?", memberId);
    return row ? row.name : null;
  }

  /** Guests with at least one open socket (an owner's tabs and other viewers do not count). */
  connectedGuests(): Set<string> {
    return new Set(this.onlineMap().keys());
  }

  guestCount(): number {
    return this.onlineMap().size;
  }

  /** Connected guests with at least one socket whose clock is synced. */
  readyCount(): number {
    this.onlineMap();
    return this.readyOnline.size;
  }

  /** Notes that a joined socket's clock is synced; the attachment keeps it across hibernation. */
  markReady(conn: Conn): void {
    const a = conn.attachment();
    if (!a || a.ready) return;
    this.onlineMap(); // after a wake-up, counts the sockets first (this one as not yet ready)
    conn.attach({ ...a, ready: true });
    const c = this.counted.get(conn);
    if (!c) return;
    c.ready = true;
    bump(this.readyOnline, c.memberId, 1);
    this.membersChanged();
  }

  /** Gives a socket its identity and counts it, so a join costs O(1) rather than a scan of all sockets. */
  attach(conn: Conn, a: Attachment): void {
    this.uncount(conn);
    conn.attach(a);
    if (a.role === "guest") this.count(conn, a);
    this.membersChanged();
  }

  detach(conn: Conn): void {
    if (this.uncount(conn)) this.membersChanged();
  }

  /** Open guest sockets per member. Derived from the sockets' attachments and rebuilt after every
   *  wake-up (hibernation drops memory, never the sockets), so it is a cache, not state. */
  private onlineMap(): Map<string, number> {
    if (!this.online) {
      this.online = new Map();
      this.readyOnline = new Map();
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
    this.counted.set(conn, { memberId: a.memberId, ready: a.ready === true });
  }

  private uncount(conn: Conn): boolean {
    const m = this.onlineMap();
    const c = this.counted.get(conn);
    if (c === undefined) return false;
    this.counted.delete(conn);
    bump(m, c.memberId, -1);
    if (c.ready) bump(this.readyOnline, c.memberId, -1);
    return true;
  }

  // ---- broadcast ----

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

  private membersChanged(): void {
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
    this.host.defer(() => this.flush(), COALESCE_MS);
  }

  private flush(): void {
    this.flushPending = false;
    if (this.dirtyMembers) {
      this.dirtyMembers = false;
      const count = this.guestCount();
      const ready = this.readyCount();
      if (count !== this.lastMembers || ready !== this.lastReady) {
        this.lastMembers = count;
        this.lastReady = ready;
        this.broadcast({ type: "members", count, ready });
      }
    }
    if (this.dirtyPhotos !== null) {
      const shotId = this.dirtyPhotos;
      this.dirtyPhotos = null;
      this.broadcast({ type: "photos", count: this.photoCount(shotId), shotId });
    }
  }

  // ---- photo index ----

  addPhoto(p: {
    shotId: string;
    memberId: string;
    key: string;
    thumbKey: string | null;
    tileKey: string | null;
    type: string;
    bytes: number;
    width: number;
    height: number;
  }): PhotoView {
    const photoId = crypto.randomUUID().replace(/-/g, "").slice(0, 20);
    this.host.sql.exec(
      `INSERT INTO photos (photo_id, shot_id, member_id, key, thumb_key, tile_key, type, bytes, width, height, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      photoId,
      p.shotId,
      p.memberId,
      p.key,
      p.thumbKey,
      p.tileKey,
      p.type,
      p.bytes,
      p.width,
      p.height,
      this.host.now(),
    );
    this.photosChanged(p.shotId);
    return this.photo(p.shotId, p.memberId)!;
  }

  photo(shotId: string, memberId: string): PhotoView | null {
    const [row] = this.query("WHERE p.shot_id = ? AND p.member_id = ?", [shotId, memberId], 1);
    return row ? this.view(row) : null;
  }

  /** Photos ordered by upload, of one shot and/or one member, paged by an opaque cursor (the last row's
   *  sequence number). One member's photo of a shot is one row of the (shot_id, member_id) index. */
  list(
    q: { shotId?: string; memberId?: string; limit: number },
    after: number,
  ): { photos: PhotoView[]; last: number | null } {
    const where = ["p.seq > ?"];
    const params: Array<string | number> = [after];
    if (q.shotId !== undefined) {
      where.push("p.shot_id = ?");
      params.push(q.shotId);
    }
    if (q.memberId !== undefined) {
      where.push("p.member_id = ?");
      params.push(q.memberId);
    }
    const rows = this.query(`WHERE ${where.join(" AND ")}`, params, q.limit);
    return { photos: rows.map((r) => this.view(r)), last: rows.length === q.limit ? rows[rows.length - 1]!.seq : null };
  }

  /** Storage keys of a shot's tiles in upload order, with when each was recorded, for the mosaic. */
  tiles(shotId: string): Array<{ photoId: string; tileKey: string | null; at: number }> {
    return this.host.sql
      .exec<{ photo_id: string; tile_key: string | null; created_at: number }>(
        "SELECT photo_id, tile_key, created_at FROM photos WHERE shot_id = ? ORDER BY seq",
        shotId,
      )
      .map((r) => ({ photoId: r.photo_id, tileKey: r.tile_key, at: r.created_at }));
  }

  photoCount(shotId?: string): number {
    const [row] = shotId
      ? this.host.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM photos WHERE shot_id = ?", shotId)
      : this.host.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM photos");
    return row?.n ?? 0;
  }

  /**
   * Removes a photo from the index; returns the storage keys no other photo still uses, so the caller
   * can delete those bytes (keys are content-addressed: two members may upload identical bytes).
   */
  removePhoto(photoId: string): { shotId: string; keys: string[] } | null {
    const [row] = this.host.sql.exec<PhotoRow>("SELECT * FROM photos WHERE photo_id = ?", photoId);
    if (!row) return null;
    this.host.sql.exec("DELETE FROM photos WHERE photo_id = ?", photoId);
    this.photosChanged(row.shot_id);
    const keys = [...new Set([row.key, row.thumb_key, row.tile_key])].filter((k): k is string => !!k);
    return { shotId: row.shot_id, keys: keys.filter((k) => !this.keyInUse(k)) };
  }

  private keyInUse(key: string): boolean {
    const [row] = this.host.sql.exec<{ n: number }>(
      "SELECT COUNT(*) AS n FROM photos WHERE key = ? OR thumb_key = ? OR tile_key = ?",
      key,
      key,
      key,
    );
    return (row?.n ?? 0) > 0;
  }

  private query(where: string, params: Array<string | number>, limit: number): PhotoRow[] {
    return this.host.sql.exec<PhotoRow & Row>(
      `SELECT p.seq, p.photo_id, p.shot_id, p.member_id, p.key, p.thumb_key, p.tile_key, p.type, p.bytes,
       m.name AS name, s.fired_at AS fired_at FROM photos p
       LEFT JOIN members m ON m.member_id = p.member_id
       LEFT JOIN shot_members s ON s.shot_id = p.shot_id AND s.member_id = p.member_id
       ${where} ORDER BY p.seq LIMIT ?`,
      ...params,
      limit,
    );
  }

  private view(r: PhotoRow): PhotoView {
    return {
      photoId: r.photo_id,
      shotId: r.shot_id,
      memberId: r.member_id,
      name: r.name ?? "",
      url: this.fileUrl(r.key),
      thumbUrl: r.thumb_key ? this.fileUrl(r.thumb_key) : null,
      bytes: r.bytes,
      ...(r.fired_at !== null ? { firedAt: r.fired_at } : {}),
    };
  }
}

/** Adds `by` to a per-member count, dropping the member at zero. */
function bump(m: Map<string, number>, memberId: string, by: number): void {
  const n = (m.get(memberId) ?? 0) + by;
  if (n > 0) m.set(memberId, n);
  else m.delete(memberId);
}
