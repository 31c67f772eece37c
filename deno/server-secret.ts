// The Deno server's token secret: AUTH_SECRET when set (at least 32 bytes). Without one it starts only on a
// loopback address, where no one else can reach it, with a random secret kept in DATA_DIR/auth-secret:
// made once, so login and upload tokens survive restarts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MIN_SECRET_BYTES, authSecret } from "../worker/auth/secret.ts";
import { b64url } from "../worker/auth/token.ts";

export const SECRET_FILE = "auth-secret";

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The secret to sign with, or an Error saying why the server must not start. */
export function serverSecret(o: { secret: string | undefined; hostname: string; dataDir: string }): string {
  if (o.secret) {
    if (authSecret({ AUTH_SECRET: o.secret }) === null)
      throw new Error(`AUTH_SECRET must be at least ${MIN_SECRET_BYTES} bytes (try: openssl rand -base64 32)`);
    return o.secret;
  }
  if (!isLoopback(o.hostname))
    throw new Error(
      `AUTH_SECRET is not set: refusing to listen on ${o.hostname}, where anyone could forge tokens signed ` +
        `with a secret they can guess. Set AUTH_SECRET (openssl rand -base64 32), or HOST=127.0.0.1 for a local server.`,
    );
  const path = join(o.dataDir, SECRET_FILE);
  try {
    // "wx": created only if absent, so two starts never each write their own.
    writeFileSync(path, b64url(crypto.getRandomValues(new Uint8Array(32))), { flag: "wx", mode: 0o600 });
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") throw e;
  }
  const kept = readFileSync(path, "utf8").trim();
  if (authSecret({ AUTH_SECRET: kept }) === null)
    throw new Error(`${path} holds no secret of ${MIN_SECRET_BYTES} bytes or more: delete it to make a new one`);
  return kept;
}
