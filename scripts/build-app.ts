// Builds the web app into app/dist (plain static files: index.html, app.js + lazy chunks, app.css) with
// esbuild, and reports each file's size raw and gzipped. Run: `npm run build:app`.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { headersFile } from "../worker/app-headers.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const APP_DIST = join(ROOT, "app", "dist");

export type BuiltFile = { path: string; bytes: number; gzip: number };

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

export async function buildApp(): Promise<BuiltFile[]> {
  const result = await build({
    write: false,
    absWorkingDir: ROOT,
    entryPoints: [
      { in: "app/src/main.ts", out: "app" },
      { in: "app/styles.css", out: "app" },
    ],
    outdir: APP_DIST,
    // The guest and organiser pages are separate chunks: a guest's phone never loads the organiser's code.
    splitting: true,
    format: "esm",
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    minify: true,
    target: ["es2020", "safari14"],
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    tsconfig: "app/tsconfig.json",
    // node_modules may be a symlink to a shared install: resolving through it would make esbuild read
    // that checkout's package.json and tsconfig.json too.
    preserveSymlinks: true,
  });
  // The entry's static imports (the chunk it shares with the organiser's page) are preloaded by the
  // HTML, so a guest's phone fetches all its code in one round trip instead of two.
  const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === "app/src/main.ts");
  const preloads = (entry?.[1].imports ?? [])
    .filter((i) => i.kind === "import-statement")
    .map((i) => `    <link rel="modulepreload" href="/${relative(APP_DIST, join(ROOT, i.path))}" />\n`);
  const html = readFileSync(join(ROOT, "app", "index.html"), "utf8").replace(
    "  </head>",
    `${preloads.join("")}  </head>`,
  );
  const out = new Map<string, Uint8Array>(result.outputFiles.map((f) => [f.path, f.contents]));
  out.set(join(APP_DIST, "index.html"), Buffer.from(html));
  out.set(join(APP_DIST, "_redirects"), readFileSync(join(ROOT, "app", "_redirects")));
  out.set(join(APP_DIST, "_headers"), Buffer.from(headersFile()));
  // Only what changed is written (and only what is gone deleted): `wrangler dev` watches app/dist and
  // restarts the worker on any change, answering requests in flight with 503. A rebuild (the browser
  // suite's, while the e2e suite runs against such a server) must not touch identical files.
  mkdirSync(APP_DIST, { recursive: true });
  for (const old of listFiles(APP_DIST)) if (!out.has(old)) rmSync(old);
  for (const [path, bytes] of out) {
    if (existsSync(path) && readFileSync(path).equals(bytes)) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return listFiles(APP_DIST).map((p) => {
    const bytes = readFileSync(p);
    return { path: relative(APP_DIST, p), bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = await buildApp();
  for (const f of files)
    console.log(`${f.path.padEnd(36)} ${String(f.bytes).padStart(7)} B  ${String(f.gzip).padStart(6)} B gz`);
}
