// Hono's environment for the runtime-agnostic app: the platform arrives as a request variable.
import { ErrorCode, ROOM_ID } from "../shared/protocol.ts";
import type { Context } from "hono";
import { readBounded } from "./bounded-body.ts";
import { HttpError } from "./http-error.ts";
import type { Platform } from "./platform.ts";

export type AppEnv = { Variables: { platform: Platform } };
export type AppContext = Context<AppEnv>;

/** The room id from the path, refused as unknown (404) when it cannot be one we made. */
export function roomIdParam(c: AppContext): string {
  const id = c.req.param("roomId") ?? "";
  if (!ROOM_ID.test(id)) throw new HttpError(404, ErrorCode.RoomNotFound, "no such room");
  return id;
}

/** Reads a JSON object body of at most `maxBytes` (413 as soon as it is passed, before the rest
 *  arrives); 400 with a clear code when it isn't one. */
export async function jsonBody(c: AppContext, maxBytes = 4096): Promise<Record<string, unknown>> {
  const tooLarge = () => new HttpError(413, ErrorCode.BodyTooLarge, `JSON bodies are at most ${maxBytes} bytes`);
  const text = new TextDecoder().decode(await readBounded(c.req.raw, maxBytes, tooLarge));
  if (text.trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, ErrorCode.BadJson, "body is not valid JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new HttpError(400, ErrorCode.BadJson, "body must be a JSON object");
  return v as Record<string, unknown>;
}

export function bearer(c: AppContext): string {
  const h = c.req.header("Authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw new HttpError(401, ErrorCode.Unauthorized, "send Authorization: Bearer <token>");
  return m[1]!;
}
