// Short-lived ZIP links. A download link is a URL, and URLs end up in history, logs and screenshots, so it
// never carries the 7-day, all-rooms login token: the owner mints a token valid for one shot of one room
// for a few minutes, and the ZIP route takes only that kind from the query string.
import { ErrorCode } from "../../shared/protocol.ts";
import { roomIdParam, type AppContext } from "../app-env.ts";
import { requireUser } from "../auth/require-user.ts";
import { requireSecret } from "../auth/secret.ts";
import { signToken, verifyToken } from "../auth/token.ts";
import { HttpError, unwrap } from "../http-error.ts";

export const ZIP_LINK_TTL_MS = 5 * 60_000;

/** POST /api/rooms/:roomId/shots/:shotId/zip-link: the owner gets a root-relative URL of the shot's ZIP. */
export async function mintZipLink(c: AppContext): Promise<Response> {
  const user = await requireUser(c);
  const roomId = roomIdParam(c);
  const asked = c.req.param("shotId") ?? "";
  const { shotId } = unwrap(await c.var.platform.room(roomId).ownerShot(user.sub, asked));
  const expiresAt = Date.now() + ZIP_LINK_TTL_MS;
  const claims = { k: "zip" as const, room: roomId, shot: shotId, sub: user.sub, exp: expiresAt };
  const token = await signToken(claims, requireSecret(c.var.platform));
  const url = `/api/rooms/${roomId}/photos.zip?shot=${encodeURIComponent(shotId)}&token=${token}`;
  return c.json({ url, expiresAt }, 201);
}

/**
 * Who asks for a room's ZIP, and for which shot: the owner's login token as `Authorization: Bearer`, or a
 * ZIP token (from mintZipLink) as `?token=`, valid only for the room and shot it was minted for.
 */
export async function zipRequester(c: AppContext, roomId: string): Promise<{ userId: string; shotId?: string }> {
  const secret = requireSecret(c.var.platform);
  const asked = c.req.query("shot") || undefined;
  if (c.req.header("Authorization") !== undefined) {
    const user = await requireUser(c);
    return { userId: user.sub, shotId: asked };
  }
  if (c.req.query("access_token") !== undefined)
    throw new HttpError(
      401,
      ErrorCode.BadToken,
      "login tokens are not accepted in URLs: POST /api/rooms/:roomId/shots/:shotId/zip-link for a short-lived link",
    );
  const token = c.req.query("token");
  if (!token)
    throw new HttpError(401, ErrorCode.Unauthorized, "send Authorization: Bearer <token> or a ?token= from zip-link");
  const zip = await verifyToken(token, "zip", secret);
  if (!zip) throw new HttpError(401, ErrorCode.BadToken, "this ZIP link is invalid or has expired: mint a new one");
  if (zip.room !== roomId) throw new HttpError(403, ErrorCode.WrongRoom, "this ZIP link belongs to another room");
  if (asked !== undefined && asked !== zip.shot)
    throw new HttpError(403, ErrorCode.WrongShot, "this ZIP link belongs to another shot");
  return { userId: zip.sub, shotId: zip.shot };
}
