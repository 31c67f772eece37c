// One virtual user: its identity, the metrics it writes to, and an event loop of its own handles
// (timers, sockets, requests). As in k6, an iteration ends once the default function has returned and
// no handle is left; an exception in any of its callbacks ends it with an error.
import type { Registry } from "./metrics.ts";

export type Handle = { cancel(): void };

export type VuIdentity = {
  /** 0 for the setup/teardown/handleSummary VU. */
  idInTest: number;
  idInInstance: number;
  scenario: string;
  env: Record<string, string>;
  scriptDir: string;
};

export type IterationResult = { ok: boolean; error?: string; durationMs: number };

export class Vu {
  iteration = -1;
  /** True while the script's init code runs: open() is allowed only then. */
  initContext = false;
  private readonly handles = new Set<Handle>();
  private current: { settled: boolean; error?: unknown; done: (r: IterationResult) => void; start: number } | null =
    null;
  private idleCheck = false;

  constructor(
    readonly id: VuIdentity,
    readonly registry: Registry,
  ) {}

  /** Registers a handle that keeps the iteration alive until `release(h)`. */
  hold(h: Handle): void {
    this.handles.add(h);
  }

  release(h: Handle): void {
    if (this.handles.delete(h)) this.checkIdle();
  }

  get busy(): number {
    return this.handles.size;
  }

  /** Runs a callback of this VU's code; an exception ends the iteration. */
  guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.fail(e);
      return undefined;
    }
  }

  fail(e: unknown): void {
    const it = this.current;
    if (!it) {
      console.error(`VU ${this.id.idInTest}: ${describe(e)}`);
      return;
    }
    it.error ??= e;
    this.abortHandles();
    it.settled = true;
    this.checkIdle();
  }

  /** Runs one iteration of `fn(data)` and resolves when its event loop is empty. */
  runIteration(fn: (data: unknown) => unknown, data: unknown): Promise<IterationResult> {
    this.iteration++;
    return new Promise((done) => {
      const it = { settled: false, done, start: performance.now() } as NonNullable<Vu["current"]>;
      this.current = it;
      const r = this.guard(() => fn(data));
      if (r && typeof (r as PromiseLike<unknown>).then === "function")
        (r as PromiseLike<unknown>).then(
          () => ((it.settled = true), this.checkIdle()),
          (e: unknown) => this.fail(e),
        );
      else if (this.current === it) {
        it.settled = true;
        this.checkIdle();
      }
    });
  }

  /** Ends the running iteration now (maxDuration passed): every handle is cancelled. */
  interrupt(reason: string): void {
    if (this.current) this.fail(new Error(reason));
  }

  private abortHandles(): void {
    const all = Array.from(this.handles);
    this.handles.clear();
    for (const h of all) {
      try {
        h.cancel();
      } catch {
        // already gone
      }
    }
  }

  private checkIdle(): void {
    if (this.idleCheck) return;
    this.idleCheck = true;
    idleChecks.add(this);
    // After the microtasks (a promise continuation may still register a handle); one check for all VUs.
    if (idleChecks.size === 1) setImmediate(runIdleChecks);
  }

  /** Ends the iteration when it has returned and holds no handle. */
  endIfIdle(): void {
    this.idleCheck = false;
    const it = this.current;
    if (!it || !it.settled || this.handles.size > 0) return;
    this.current = null;
    const durationMs = performance.now() - it.start;
    it.done(it.error === undefined ? { ok: true, durationMs } : { ok: false, error: describe(it.error), durationMs });
  }
}

const idleChecks = new Set<Vu>();
function runIdleChecks(): void {
  const vus = [...idleChecks];
  idleChecks.clear();
  for (const vu of vus) vu.endIfIdle();
}

export function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
