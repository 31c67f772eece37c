// The room's coalesced broadcast: member and photo counts go out at most once per COALESCE_MS, each frame
// serialised once for every socket, never one frame per event.
import type { ServerMessage } from "../../shared/protocol.ts";
import type { Conn, RoomHost } from "./room-host.ts";

const COALESCE_MS = 100;

/** What a flush reads when it sends the counts. */
type Counts = { members(): { count: number; ready: number; wide: number }; photos(shotId: string): number };

export class Broadcast {
  private dirtyMembers = false;
  private dirtyPhotos: string | null = null;
  private flushPending = false;
  private lastMembers = -1;
  private lastReady = -1;
  private lastWide = -1;

  constructor(
    private readonly host: RoomHost,
    private readonly counts: Counts,
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
    this.host.defer(() => this.flush(), COALESCE_MS);
  }

  private flush(): void {
    this.flushPending = false;
    if (this.dirtyMembers) {
      this.dirtyMembers = false;
      const { count, ready, wide } = this.counts.members();
      if (count !== this.lastMembers || ready !== this.lastReady || wide !== this.lastWide) {
        this.lastMembers = count;
        this.lastReady = ready;
        this.lastWide = wide;
        this.broadcast({ type: "members", count, ready, wide });
      }
    }
    if (this.dirtyPhotos !== null) {
      const shotId = this.dirtyPhotos;
      this.dirtyPhotos = null;
      this.broadcast({ type: "photos", count: this.counts.photos(shotId), shotId });
    }
  }
}
