// The one HTTP error type and the one error handler: every failure answers {"error":{"code","message"}}.
import { ErrorCode } from "../shared/protocol.ts";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A domain failure returned (not thrown) by the room and the photo pipeline. */
export type Failure = { ok: false; status: ContentfulStatusCode; code: ErrorCode; message: string };
export const fail = (status: ContentfulStatusCode, code: ErrorCode, message: string): Failure => ({
  ok: false,
  status,
  code,
  message,
});

/** Unwraps a result union, throwing its failure as an HttpError. */
export function unwrap<T extends { ok: true }>(r: T | Failure): T {
  if (!r.ok) throw new HttpError(r.status, r.code, r.message);
  return r;
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof HttpError)
    return c.json({ error: { code: err.code, message: err.message } }, err.status, err.headers);
  // Hono's own HTTPException (e.g. from body limits) carries a status too.
  const status = (err as { status?: number }).status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return c.json({ error: { code: ErrorCode.BadRequest, message: err.message } }, status as ContentfulStatusCode);
  }
  console.error(`[worker] ${c.req.method} ${c.req.path}:`, err);
  return c.json({ error: { code: ErrorCode.Internal, message: "internal error" } }, 500);
}
