// A runner child process: runs its segment of the VUs when the coordinator says so, and reports
// progress, then its metrics and errors, over IPC.
import { Engine, type EngineInput } from "./engine.ts";
import { describe } from "./vu.ts";

export type ToChild = { type: "init"; input: Omit<EngineInput, "onAbort"> } | { type: "start" };
export type FromChild =
  | { type: "ready" }
  | { type: "progress"; progress: ReturnType<Engine["progress"]> }
  | {
      type: "done";
      progress: ReturnType<Engine["progress"]>;
      sinks: ReturnType<Engine["registry"]["snapshot"]>;
      errors: Array<[string, number]>;
    }
  | { type: "abort"; reason: string }
  | { type: "fatal"; error: string };

const send = (m: FromChild, then?: () => void) => process.send!(m, undefined, undefined, then);
let engine: Engine | null = null;

process.on("message", (m: ToChild) => {
  void (async () => {
    try {
      if (m.type === "init") {
        engine = new Engine({ ...m.input, onAbort: (reason) => send({ type: "abort", reason }) });
        engine.init();
        send({ type: "ready" });
        return;
      }
      const e = engine!;
      const tick = setInterval(() => send({ type: "progress", progress: e.progress() }), 500);
      await e.run();
      clearInterval(tick);
      send({ type: "done", progress: e.progress(), sinks: e.registry.snapshot(), errors: [...e.errors] }, () =>
        process.exit(0),
      );
    } catch (err) {
      send({ type: "fatal", error: describe(err) }, () => process.exit(1));
    }
  })();
});
// k6 reports a promise rejection nobody handled as an error of the script; so does the runner.
process.on("unhandledRejection", (e) => console.error(`unhandled promise rejection in the script: ${describe(e)}`));
process.on("disconnect", () => process.exit(1));
