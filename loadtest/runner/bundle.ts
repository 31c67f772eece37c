// Bundles a k6 script for the runner and instantiates it per VU. The supported `k6/*` modules come from
// the runner; any other k6 module (or a remote import) fails the build with a clear message. The script's
// own folder is instantiated per VU, as in k6; the project modules it imports from elsewhere (shared/)
// once per process: see `bundleScript`.
import { readFileSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
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

/** Imports from outside the script's folder, left to `require` under a `project:` path. */
function projectModules(scriptDir: string, found: Set<string>): Plugin {
  return {
    name: "project-modules",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (a) => {
        const path = resolve(a.resolveDir, a.path);
        if (!a.importer || !resolve(a.importer).startsWith(scriptDir + sep) || path.startsWith(scriptDir + sep)) return;
        found.add(path);
        return { path: `project:${path}`, external: true };
      });
    },
  };
}

const esbuildOptions = {
  bundle: true,
  write: false,
  format: "cjs",
  platform: "neutral",
  target: "es2022",
  logLevel: "silent",
} as const;

/**
 * The script as CommonJS whose `require` gets the k6 modules; `__VU`/`__ITER` read the VU's state. The shared
 * client code it imports is evaluated once per process, not per VU (cold per-VU copies made the last clients
 * fire ~10 ms late: docs/performance.md, "Where the time goes").
 */
export async function bundleScript(scriptPath: string): Promise<string> {
  const scriptDir = dirname(resolve(scriptPath));
  const found = new Set<string>();
  const r = await build({
    ...esbuildOptions,
    entryPoints: [resolve(scriptPath)],
    define: { __VU: "__k6.vu", __ITER: "__k6.iter" },
    plugins: [k6Modules, projectModules(scriptDir, found)],
  });
  const paths = [...found];
  const shared = paths.length
    ? await build({
        ...esbuildOptions,
        stdin: {
          contents: paths.map((p, i) => `export * as m${i} from ${JSON.stringify(p)};`).join("\n"),
          resolveDir: scriptDir,
          loader: "ts",
        },
        plugins: [k6Modules],
      })
    : null;
  return JSON.stringify({ script: r.outputFiles[0]!.text, shared: shared?.outputFiles[0]!.text ?? "", paths });
}

/** Evaluates the bundle of project modules: `project:<path>` → module namespace. */
function loadShared(b: { shared: string; paths: string[] }): Map<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const noRequire = (name: string) => {
    throw new Error(`require(${JSON.stringify(name)}) is not supported in shared modules`);
  };
  if (b.shared) new Function("require", "module", "exports", b.shared)(noRequire, module, module.exports);
  return new Map(b.paths.map((p, i) => [`project:${p}`, module.exports[`m${i}`]]));
}

/** Compiles the bundle once; the returned function runs the script's init code for one VU. */
export function compile(bundle: string, scriptPath: string): (vu: Vu, run: RunInfo) => ScriptExports {
  const b = JSON.parse(bundle) as { script: string; shared: string; paths: string[] };
  const shared = loadShared(b);
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
    b.script,
  );
  const files = new Map<string, Buffer>();
  const base = dirname(resolve(scriptPath));
  return (vu, run) => {
    const { modules, timers } = createModules(vu, run);
    const module = { exports: {} as ScriptExports };
    const require = (name: string) => {
      const m = modules[name] ?? shared.get(name);
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
