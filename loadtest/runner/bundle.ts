// Bundles a k6 script for the runner and instantiates it per VU. esbuild resolves the project's own
// imports and leaves the supported `k6/*` modules to the runner; any other k6 module (or a remote
// import) fails the build with a clear message. Each VU gets its own module instance, as in k6.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { build, type Plugin } from "esbuild";
import { SUPPORTED_MODULES, createModules, type RunInfo } from "./k6-modules.ts";
import type { Vu } from "./vu.ts";

export type ScriptExports = {
  options?: Record<string, unknown>;
  setup?: () => unknown;
  teardown?: (data: unknown) => unknown;
  handleSummary?: (data: unknown) => unknown;
  default?: (data: unknown) => unknown;
  [name: string]: unknown;
};

const k6Modules: Plugin = {
  name: "k6-modules",
  setup(b) {
    b.onResolve({ filter: /^k6(\/.*)?$/ }, (a) =>
      (SUPPORTED_MODULES as readonly string[]).includes(a.path)
        ? { path: a.path, external: true }
        : {
            errors: [
              {
                text: `${a.path} is not supported by the Simulshot k6 runner (it has ${SUPPORTED_MODULES.join(", ")}); run the script with k6 instead`,
              },
            ],
          },
    );
    b.onResolve({ filter: /^https?:\/\// }, (a) => ({
      errors: [{ text: `remote module ${a.path} is not supported by the Simulshot k6 runner` }],
    }));
  },
};

/** The script as CommonJS whose `require` gets the k6 modules; `__VU`/`__ITER` read the VU's state. */
export async function bundleScript(scriptPath: string): Promise<string> {
  const r = await build({
    entryPoints: [resolve(scriptPath)],
    bundle: true,
    write: false,
    format: "cjs",
    platform: "neutral",
    target: "es2022",
    logLevel: "silent",
    define: { __VU: "__k6.vu", __ITER: "__k6.iter" },
    plugins: [k6Modules],
  });
  return r.outputFiles[0]!.text;
}

/** Compiles the bundle once; the returned function runs the script's init code for one VU. */
export function compile(code: string, scriptPath: string): (vu: Vu, run: RunInfo) => ScriptExports {
  const factory = new Function(
    "require",
    "module",
    "exports",
    "__ENV",
    "__k6",
    "open",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    code,
  );
  const files = new Map<string, Buffer>();
  const base = dirname(resolve(scriptPath));
  return (vu, run) => {
    const { modules, timers } = createModules(vu, run);
    const module = { exports: {} as ScriptExports };
    const require = (name: string) => {
      const m = modules[name];
      if (!m) throw new Error(`require(${JSON.stringify(name)}) is not supported by the Simulshot k6 runner`);
      return m;
    };
    const open = (path: string, mode?: string) => {
      if (!vu.initContext) throw new Error("open() is only available in the init context");
      const full = resolve(base, path);
      let bytes = files.get(full);
      if (!bytes) files.set(full, (bytes = readFileSync(full)));
      // Every VU gets its own copy, as in k6.
      return mode === "b"
        ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
        : bytes.toString("utf8");
    };
    const state = {
      get vu() {
        return vu.id.idInTest;
      },
      get iter() {
        return Math.max(vu.iteration, 0);
      },
    };
    vu.initContext = true;
    try {
      factory(
        require,
        module,
        module.exports,
        { ...vu.id.env },
        state,
        open,
        timers.setTimeout,
        timers.clearTimeout,
        timers.setInterval,
        timers.clearInterval,
      );
    } finally {
      vu.initContext = false;
    }
    return module.exports;
  };
}
