// Each room's one durable wake-up on Deno, like a Durable Object's alarm: stored (SQLite), armed as
// a timer in this process, and re-armed for every room at startup so a restart never loses a deadline.
import type { Sql } from "../worker/sql.ts";

/** setTimeout fires at once past 2^31-1 ms; longer waits are taken in steps. */
export const MAX_TIMER_MS = 2 ** 30;

export interface AlarmStore {
  all(): Array<{ roomId: string; at: number }>;
  get(roomId: string): number | null;
  put(roomId: string, at: number): void;
  delete(roomId: string): void;
}

export function sqlAlarmStore(sql: Sql): AlarmStore {
  sql.exec("CREATE TABLE IF NOT EXISTS alarms (room_id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
  return {
    all: () =>
      sql.exec<{ room_id: string; at: number }>("SELECT room_id, at FROM alarms").map((r) => ({
        roomId: r.room_id,
        at: r.at,
      })),
    get: (roomId) => sql.exec<{ at: number }>("SELECT at FROM alarms WHERE room_id = ?", roomId)[0]?.at ?? null,
    put: (roomId, at) =>
      void sql.exec(
        "INSERT INTO alarms (room_id, at) VALUES (?, ?) ON CONFLICT (room_id) DO UPDATE SET at = excluded.at",
        roomId,
        at,
      ),
    delete: (roomId) => void sql.exec("DELETE FROM alarms WHERE room_id = ?", roomId),
  };
}

export class Alarms {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private firing: { roomId: string; changed: boolean } | null = null;
  private stopped = false;

  /** `fire` runs the room's alarm handler (guarded by the room, like every entry point). */
  constructor(
    private readonly store: AlarmStore,
    private readonly fire: (roomId: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Arms a timer for every stored alarm; overdue ones fire right away. */
  armAll(): number {
    const all = this.store.all();
    for (const a of all) this.arm(a.roomId, a.at);
    return all.length;
  }

  /** Sets (replacing) or clears a room's alarm. */
  set(roomId: string, at: number | null): void {
    if (this.firing?.roomId === roomId) this.firing.changed = true;
    if (at === null) {
      this.store.delete(roomId);
      this.disarm(roomId);
    } else {
      this.store.put(roomId, at);
      this.arm(roomId, at);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private arm(roomId: string, at: number): void {
    this.disarm(roomId);
    if (this.stopped) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, at - this.now()));
    this.timers.set(
      roomId,
      setTimeout(() => this.due(roomId), wait),
    );
  }

  private disarm(roomId: string): void {
    clearTimeout(this.timers.get(roomId));
    this.timers.delete(roomId);
  }

  private due(roomId: string): void {
    this.timers.delete(roomId);
    const at = this.store.get(roomId);
    if (at === null) return;
    if (at > this.now()) return this.arm(roomId, at);
    const firing = (this.firing = { roomId, changed: false });
    this.fire(roomId);
    this.firing = null;
    // Cleared only once the handler has run (at least once, as on Workers), unless it set or cleared it.
    if (!firing.changed) this.store.delete(roomId);
  }
}
