// One Durable Object in the simulation: a single thread that runs one task at a time, first come first
// served, to its end (as a room's handlers do). Tasks are handed to it in time order by the event queue,
// so a task starts when it arrives or when the one before it ends, whichever is later.

export class SimObject {
  private freeAt = 0;
  /** CPU time spent, ms. */
  busyMs = 0;
  tasks = 0;
  /** The longest a task waited behind others, ms. */
  maxWaitMs = 0;

  /** Runs a task of `costMs` that arrived at `at`; returns when it starts and ends. */
  serve(at: number, costMs: number): { start: number; end: number } {
    const start = Math.max(at, this.freeAt);
    const end = start + costMs;
    this.freeAt = end;
    this.busyMs += costMs;
    this.tasks++;
    const wait = start - at;
    if (wait > this.maxWaitMs) this.maxWaitMs = wait;
    return { start, end };
  }

  /** When the last task handed in so far ends. */
  get idleAt(): number {
    return this.freeAt;
  }
}
