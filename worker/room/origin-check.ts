// Cross-site WebSocket hijacking guard: a browser page of another site could open a room's socket with
// its visitor's cookies and network position. An upgrade that names an Origin must be the app's own host
// or listed in ALLOWED_ORIGINS; clients that send none (phones' native clients, k6, the tests) pass.
import { ErrorCode } from "../../shared/protocol.ts";
import { HttpError } from "../http-error.ts";

/** ALLOWED_ORIGINS: a comma- or space-separated list of origins such as `https://photos.example`. */
export function parseAllowedOrigins(value: string | undefined): string[] {
  return (value ?? "").split(/[\s,]+/).filter(Boolean);
}

/**
 * Throws 403 origin_not_allowed unless `origin` is absent, has the request's own host (the scheme may differ
 * behind a TLS proxy, which forwards the Host header but speaks plain HTTP to the server) or is allowed.
 */
export function checkOrigin(origin: string | undefined, requestUrl: string, allowed: readonly string[]): void {
  if (origin === undefined) return;
  if (allowed.includes(origin)) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null; // "null" (sandboxed frames, file: pages) or garbage
  }
  if (host && host === new URL(requestUrl).host) return;
  throw new HttpError(
    403,
    ErrorCode.OriginNotAllowed,
    `WebSocket upgrades from ${origin} are not allowed: open the room from this server's own pages, or add the origin to ALLOWED_ORIGINS`,
  );
}
