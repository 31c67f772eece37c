// Room routes: create, read, join over WebSocket, shoot, and the owner's shot report.
import { Hono } from "hono";
import { LIMITS, ErrorCode, isSafeText } from "../../shared/protocol.ts";
import { jsonBody, roomIdParam, type AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/require-user.ts";
import { requireSecret } from "../auth/secret.ts";
import { randomId } from "../auth/token.ts";
import { HttpError, unwrap } from "../http-error.ts";
import { limitPerIp } from "../rate-limits.ts";
import { locationHint } from "./location-hint.ts";
import { checkOrigin } from "./origin-check.ts";
import { BAD_CLIENT_ID_MESSAGE, socketClientId } from "./room-entry.ts";
import { shardedRoomId, shardsFor } from "./shard-routing.ts";

/** How many members the organiser expects (`expected`, optional): the room's shards are sized for it once,
 *  at creation. Without it a room is one object of up to SHARD_MEMBERS members. */
function expectedMembers(v: unknown, platform: { maxRoomMembers: number }): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > platform.maxRoomMembers)
    throw new HttpError(
      400,
      ErrorCode.BadExpected,
      `expected must be a whole number of members from 0 to ${platform.maxRoomMembers}`,
    );
  return v;
}

export const roomRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    await limitPerIp(c, "rooms");
    const user = await requireUser(c);
    const body = await jsonBody(c);
    const title = body.title === undefined ? "" : body.title;
    if (typeof title !== "string" || title.length > LIMITS.maxTitleLength)
      throw new HttpError(
        400,
        ErrorCode.BadTitle,
        `title must be a string of at most ${LIMITS.maxTitleLength} characters`,
      );
    if (!isSafeText(title))
      throw new HttpError(400, ErrorCode.BadTitle, "titles may not hold control or bidirectional-override characters");
    const roomId = shardedRoomId(
      randomId(),
      shardsFor(expectedMembers(body.expected, c.var.platform), c.var.platform.shardMembers),
    );
    // Created near the organiser: every member's round trip goes to this object.
    const room = c.var.platform.room(roomId, locationHint(c.req.raw));
    await room.create({ roomId, ownerId: user.sub, title: title.trim() });
    const joinUrl = new URL(`/r/${roomId}`, c.req.url).toString();
    return c.json({ roomId, joinUrl }, 201);
  })
  .get("/:roomId", async (c) => {
    const view = await c.var.platform.room(roomIdParam(c)).info();
    if (!view) throw new HttpError(404, ErrorCode.RoomNotFound, "no such room");
    return c.json(view);
  })
  .get("/:roomId/ws", async (c) => {
    const roomId = roomIdParam(c);
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
      throw new HttpError(426, ErrorCode.UpgradeRequired, "expected a WebSocket upgrade");
    if (socketClientId(c.req.url) === false) throw new HttpError(400, ErrorCode.BadClientId, BAD_CLIENT_ID_MESSAGE);
    checkOrigin(c.req.header("Origin"), c.req.url, c.var.platform.allowedOrigins);
    // A join hands out an upload token: without a secret to sign it, no socket.
    requireSecret(c.var.platform);
    return c.var.platform.room(roomId).fetch(c.req.raw);
  })
  .post("/:roomId/shoot", async (c) => {
    const user = await requireUser(c);
    const r = unwrap(await c.var.platform.room(roomIdParam(c)).shoot(user.sub));
    return c.json({ shotId: r.shotId, at: r.at, spreadMs: r.spreadMs }, 202);
  })
  .get("/:roomId/shots/:shotId", async (c) => {
    const user = await requireUser(c);
    const r = unwrap(await c.var.platform.room(roomIdParam(c)).shotReport(user.sub, c.req.param("shotId")));
    return c.json(r.report);
  });
