// The k6 modules a VU's script can import, built per VU. Each is strict: touching an export the runner
// does not implement throws at once, naming it, instead of handing the script an undefined.
import { httpModule } from "./k6-http.ts";
import { timersModule, type K6Timers } from "./k6-timers.ts";
import { websocketsModule } from "./k6-websockets.ts";
import type { MetricType } from "./metrics.ts";
import type { Vu } from "./vu.ts";

export const SUPPORTED_MODULES = ["k6/http", "k6/websockets", "k6/metrics", "k6/execution", "k6/timers"] as const;

/** What every VU's k6/execution can tell about the run. */
export type RunInfo = { scenario: string; executor: string; startTime: () => number; abort: (reason: string) => never };

const PROBES = new Set([
  "then",
  "toJSON",
  "__esModule",
  "constructor",
  "$$typeof",
  "asymmetricMatch",
  "nodeType",
  "length",
]);

/** Gives `o` a prototype that throws on any name `o` lacks (symbols and well-known probes excepted). */
export function strict<T extends object>(path: string, o: T): T {
  const trap = new Proxy(Object.create(null) as object, {
    get(_, key) {
      if (typeof key === "symbol" || PROBES.has(key)) return undefined;
      if (key in Object.prototype) return (Object.prototype as Record<string, unknown>)[key];
      throw new Error(
        `${path}.${key} is not supported by the Simulshot k6 runner (loadtest/runner); run the script with k6 instead`,
      );
    },
  });
  Object.setPrototypeOf(o, trap);
  return o;
}

function metricsModule(vu: Vu) {
  const kind = (type: MetricType) =>
    class {
      readonly name: string;
      constructor(name: string, isTime = false) {
        vu.registry.define(name, type, isTime ? "time" : "default");
        this.name = name;
      }
      add(value: number | boolean): void {
        vu.registry.add(this.name, value);
      }
    };
  return { Counter: kind("counter"), Gauge: kind("gauge"), Rate: kind("rate"), Trend: kind("trend") };
}

function executionModule(vu: Vu, run: RunInfo) {
  const { id } = vu;
  return {
    vu: strict("k6/execution.vu", {
      get idInTest() {
        return id.idInTest;
      },
      get idInInstance() {
        return id.idInInstance;
      },
      get iterationInInstance() {
        return Math.max(vu.iteration, 0);
      },
      get iterationInScenario() {
        return Math.max(vu.iteration, 0);
      },
      tags: {},
    }),
    scenario: strict("k6/execution.scenario", {
      name: run.scenario,
      executor: run.executor,
      get startTime() {
        return run.startTime();
      },
      get iterationInInstance() {
        return Math.max(vu.iteration, 0);
      },
    }),
    test: strict("k6/execution.test", { abort: (reason = "aborted by the script") => run.abort(reason) }),
  };
}

export function createModules(vu: Vu, run: RunInfo): { modules: Record<string, object>; timers: K6Timers } {
  const timers = timersModule(vu);
  const modules: Record<string, object> = {
    "k6/http": strict("k6/http", httpModule(vu)),
    "k6/websockets": strict("k6/websockets", websocketsModule(vu)),
    "k6/metrics": strict("k6/metrics", metricsModule(vu)),
    "k6/execution": strict("k6/execution", executionModule(vu, run)),
    "k6/timers": strict("k6/timers", { ...timers }),
  };
  return { modules, timers };
}
