// A private copy of wrangler.toml for the test servers, so that no file write on the machine can reload
// them: `wrangler dev` reloads its worker whenever a watched file changes, answering POSTs in flight with 503.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function replaceOnce(toml: string, pattern: RegExp, replace: (path: string) => string): string {
  if (!pattern.test(toml)) throw new Error(`wrangler.toml: no line matches ${pattern}`);
  return toml.replace(pattern, (_, path: string) => replace(path));
}

/**
 * Writes `dir`/wrangler.toml and returns its path. What `wrangler dev` watches, and who writes it:
 * - esbuild (watch mode) polls every input of the bundle and each package.json/tsconfig.json above them,
 *   through the node_modules symlink too: a git checkout, rebase or merge, an npm install anywhere the
 *   symlink leads. A custom build is its only mode without that watch: a no-op command, after which
 *   wrangler bundles `main` once, and a `watch_dir` (the folder whose changes rerun it) nothing writes.
 * - the assets folder: app/dist, which the browser suite rebuilds. The server gets a snapshot of it.
 * - the config file, and .dev.vars beside it: here a private copy, and a developer's secrets stay out.
 */
export function unwatchedWranglerConfig(dir: string): string {
  const quiet = join(dir, "unwatched");
  mkdirSync(quiet, { recursive: true });
  let toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  toml = replaceOnce(toml, /^main = "(.+)"$/m, (p) => `main = ${JSON.stringify(join(ROOT, p))}`);
  toml = replaceOnce(toml, /^directory = "(.+)"$/m, (p) => {
    const assets = join(ROOT, p);
    const snapshot = join(dir, "assets");
    // Without a build the original path stays, and wrangler reports it missing as it always did.
    if (!existsSync(assets)) return `directory = ${JSON.stringify(assets)}`;
    cpSync(assets, snapshot, { recursive: true });
    return `directory = ${JSON.stringify(snapshot)}`;
  });
  toml += `\n[build]\ncommand = "true"\nwatch_dir = ${JSON.stringify(quiet)}\n`;
  const path = join(dir, "wrangler.toml");
  writeFileSync(path, toml);
  return path;
}
