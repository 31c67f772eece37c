// Runs one range of VUs in this process: each VU gets its own instance of the script (init code runs
// per VU), all start together, each runs its iterations; metrics stay in this process's registry.
import { compile } from "./bundle.ts";
import type { ScriptExports } from "./bundle.ts";
import type { RunInfo } from "./k6-modules.ts";
import { Registry } from "./metrics.ts";
import type { Scenario } from "./options.ts";
import { Vu } from "./vu.ts";

export type EngineInput = {
  code: string;
  scriptPath: string;
  env: Record<string, string>;
  first: number;
  last: number;
  setupData: unknown;
  scenario: Scenario;
  onAbort: (reason: string) => void;
};

export type Progress = { vus: number; running: number; done: number; failed: number; counters: Record<string, number> };

const BUILTIN = /^(http_|ws_|iteration|vus|data_|checks)/;

export class Engine {
  readonly registry = new Registry();
  readonly errors = new Map<string, number>();
  private vus: Array<{ vu: Vu; exports: ScriptExports }> = [];
  private running = 0;
  private done = 0;
  private failed = 0;
  private startedAt = 0;

  constructor(private readonly input: EngineInput) {
    this.registry.define("iterations", "counter");
    this.registry.define("iteration_duration", "trend", "time");
    this.registry.define("vus", "gauge");
    this.registry.define("vus_max", "gauge");
  }

  /** Runs every VU's init code. */
  init(): void {
    const { input } = this;
    const instantiate = compile(input.code, input.scriptPath);
    const run: RunInfo = {
      scenario: input.scenario.name,
      executor: "per-vu-iterations",
      startTime: () => this.startedAt,
      abort: (reason) => {
        input.onAbort(reason);
        throw new Error(`test aborted: ${reason}`);
      },
    };
    for (let id = input.first; id <= input.last; id++) {
      const vu = new Vu(
        {
          idInTest: id,
          idInInstance: id - input.first + 1,
          scenario: input.scenario.name,
          env: input.env,
          scriptDir: "",
        },
        this.registry,
      );
      const exports = instantiate(vu, run);
      if (typeof exports.default !== "function") throw new Error("the script has no default function");
      this.vus.push({ vu, exports });
    }
    this.registry.add("vus_max", this.vus.length);
  }

  /** Starts every VU at once and resolves when all finished, or were interrupted after maxDuration + gracefulStop. */
  async run(): Promise<void> {
    const { scenario } = this.input;
    this.startedAt = Date.now();
    let stopping = false;
    const stop = setTimeout(() => (stopping = true), scenario.maxDurationMs);
    const kill = setTimeout(() => {
      for (const { vu } of this.vus)
        vu.interrupt(`iteration interrupted: maxDuration ${scenario.maxDurationMs} ms + gracefulStop passed`);
    }, scenario.maxDurationMs + scenario.gracefulStopMs);
    this.registry.add("vus", this.vus.length);
    await Promise.all(
      this.vus.map(async ({ vu, exports }) => {
        this.running++;
        for (let i = 0; i < scenario.iterations && !stopping; i++) {
          // Each VU gets its own copy of the setup data, as k6 passes it through JSON.
          const data =
            this.input.setupData === undefined ? undefined : JSON.parse(JSON.stringify(this.input.setupData));
          const r = await vu.runIteration(exports.default!, data);
          this.registry.add("iterations", 1);
          this.registry.add("iteration_duration", r.durationMs);
          if (!r.ok) {
            this.failed++;
            this.noteError(vu.id.idInTest, r.error ?? "unknown error");
          }
        }
        this.running--;
        this.done++;
      }),
    );
    clearTimeout(stop);
    clearTimeout(kill);
    this.registry.add("vus", 0);
  }

  progress(): Progress {
    const counters: Record<string, number> = {};
    for (const [name, s] of this.registry.sinks)
      if (s.type === "counter" && !BUILTIN.test(name)) counters[name] = s.sum;
    return { vus: this.vus.length, running: this.running, done: this.done, failed: this.failed, counters };
  }

  private noteError(vu: number, error: string): void {
    const key = error.split("\n")[0]!;
    const n = (this.errors.get(key) ?? 0) + 1;
    this.errors.set(key, n);
    if (n === 1 && this.errors.size <= 5) console.error(`VU ${vu}: iteration failed: ${error}`);
  }
}
