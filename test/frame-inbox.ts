// The frames a test socket received, and waiting for one: shared by the workerd tests' sockets and the
// e2e suite's raw sockets (plain TypeScript, no imports, so both runtimes load it).

export class FrameInbox {
  readonly frames: any[] = [];
  private waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];

  push(m: any): void {
    this.frames.push(m);
    for (const w of this.waiters.slice())
      if (w.pred(m)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
  }

  /** The first frame, received or still to come, that `pred` accepts. */
  next(pred: (m: any) => boolean, timeoutMs = 5000): Promise<any> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(new Error(`timed out; last frames: ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
    });
  }
}
