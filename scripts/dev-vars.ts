// `npm start`'s first step: makes sure `.dev.vars` (gitignored; wrangler dev reads it) holds an AUTH_SECRET,
// writing a random one when there is none, so a fresh clone just works while a Worker deployed without the
// secret refuses every token route. An AUTH_SECRET already there is never replaced.
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MIN_SECRET_BYTES } from "../worker/auth/secret.ts";

export type DevVarsResult = "created" | "added" | "kept" | "too-short";

export function ensureDevSecret(path: string): DevVarsResult {
  const line = `AUTH_SECRET=${randomBytes(32).toString("base64url")}\n`;
  if (!existsSync(path)) {
    writeFileSync(path, `# Local secrets for wrangler dev (written by npm start; never committed).\n${line}`, {
      mode: 0o600,
    });
    return "created";
  }
  const text = readFileSync(path, "utf8");
  const m = /^\s*AUTH_SECRET\s*=\s*"?([^"\n]*)"?\s*$/m.exec(text);
  if (!m) {
    appendFileSync(path, `${text === "" || text.endsWith("\n") ? "" : "\n"}${line}`);
    return "added";
  }
  return Buffer.byteLength(m[1]!) >= MIN_SECRET_BYTES ? "kept" : "too-short";
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = join(fileURLToPath(new URL("..", import.meta.url)), ".dev.vars");
  const result = ensureDevSecret(path);
  if (result === "created") console.log(`wrote a random AUTH_SECRET to ${path}`);
  if (result === "added") console.log(`added a random AUTH_SECRET to ${path}`);
  if (result === "too-short")
    console.warn(
      `${path}: AUTH_SECRET is shorter than ${MIN_SECRET_BYTES} bytes, so the server will refuse token routes ` +
        "(500 server_misconfigured). Replace it, or delete the line and run npm start again.",
    );
}
