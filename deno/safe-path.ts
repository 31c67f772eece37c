// Where a relative path (a blob key, a web app file) lives under a folder, refusing any path that
// could name a file outside it.
import { resolve, sep } from "node:path";

/** Slash-separated segments of safe characters, none starting with a dot (so no "." or ".."). */
const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
const MAX_PATH = 512;

/** The file for `rel` under `root`, or null when `rel` is not a plain relative path inside it. */
export function safePath(root: string, rel: string): string | null {
  const base = resolve(root);
  const path = resolve(base, rel);
  if (rel.length > MAX_PATH || !SAFE_PATH.test(rel) || !path.startsWith(base + sep)) return null;
  return path;
}
