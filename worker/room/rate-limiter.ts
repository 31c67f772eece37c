// A token bucket per connection (never per IP: a venue's phones share one). Kept in memory on
// purpose: after hibernation every socket starts with a full bucket, which is harmless.
import type { Conn } from "./room-host.ts";

type Bucket = { tokens: number; at: number; warned: boolean };

export class RateLimiter {
  private readonly buckets = new WeakMap<Conn, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** "ok" to handle the frame; "warn" (first refusal) or "drop" to refuse it; "close" once a socket
   *  keeps flooding. */
  take(conn: Conn, now: number): "ok" | "warn" | "drop" | "close" {
    let b = this.buckets.get(conn);
    if (!b) this.buckets.set(conn, (b = { tokens: this.burst, at: now, warned: false }));
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perSecond) / 1000);
    b.at = now;
    b.tokens -= 1;
    if (b.tokens >= 0) {
      b.warned = false;
      return "ok";
    }
    // Dropped frames still cost a token, so a socket that ignores the warning sinks to −burst.
    if (b.tokens < -this.burst) return "close";
    if (b.warned) return "drop";
    b.warned = true;
    return "warn";
  }

  forget(conn: Conn): void {
    this.buckets.delete(conn);
  }
}
