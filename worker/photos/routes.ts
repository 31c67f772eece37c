// Photo routes: upload, the paged listing, removal by the owner, immutable files, the owner's ZIP of a
// shot (and its short-lived link) and the owner's download stats.
import { ErrorCode, ID, fileUrl } from "../../shared/protocol.ts";
import { Hono } from "hono";
import { roomIdParam, type AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/require-user.ts";
import { HttpError, unwrap } from "../http-error.ts";
import { flushAccess } from "./access-stats.ts";
import { serveFile } from "./serve-file.ts";
import { downloadShotZip } from "./shot-zip.ts";
import { uploadPhoto } from "./upload.ts";
import { mintZipLink } from "./zip-link.ts";
import { shardOfRoomId } from "../room/shard-routing.ts";

export const photoRoutes = new Hono<AppEnv>()
  .post("/:roomId/photos", uploadPhoto)
  .get("/:roomId/photos", async (c) => {
    const limit = Number(c.req.query("limit") ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new HttpError(400, ErrorCode.BadLimit, "limit is 1–200");
    const shotId = c.req.query("shot") || undefined;
    const cursor = c.req.query("cursor") || undefined;
    const memberId = c.req.query("member") || undefined;
    if (memberId !== undefined && !ID.test(memberId))
      throw new HttpError(400, ErrorCode.BadMember, "member is a member id");
    const page = unwrap(await c.var.platform.room(roomIdParam(c)).listPhotos({ shotId, memberId, cursor, limit }));
    return c.json({ photos: page.photos, ...(page.next ? { next: page.next } : {}) });
  })
  .get("/:roomId/photos.zip", downloadShotZip)
  .post("/:roomId/shots/:shotId/zip-link", mintZipLink)
  .delete("/:roomId/photos/:photoId", async (c) => {
    const user = await requireUser(c);
    const roomId = roomIdParam(c);
    const { platform } = c.var;
    const photoId = c.req.param("photoId");
    const r = unwrap(await platform.room(roomId).removePhoto(user.sub, photoId));
    try {
      await platform.mosaic(roomId, r.shotId, shardOfRoomId(roomId, photoId)).remove(photoId);
    } catch (e) {
      // The builder also drops it when it next catches up with the room's index.
      console.error(`[photos] mosaic remove ${roomId}/${photoId}:`, e);
    }
    // The index no longer names them; the bytes go too, and so do this location's cached copies. The
    // keys were this photo's alone (blob-key.ts): an upload of the same bytes still in flight has its own.
    const urls = r.keys
      .filter((k) => !k.endsWith(".rgba"))
      .map((k) => new URL(fileUrl(roomId, k), c.req.url).toString());
    platform.waitUntil(
      Promise.all([...r.keys.map((k) => platform.blobs.delete(k)), ...urls.map((u) => platform.cache?.delete(u))]),
    );
    return c.body(null, 204);
  })
  .get("/:roomId/files/:name", serveFile)
  .get("/:roomId/stats", async (c) => {
    const user = await requireUser(c);
    const { platform } = c.var;
    await flushAccess(platform); // this isolate's pending counts; other isolates send theirs within 200 ms
    return c.json(unwrap(await platform.room(roomIdParam(c)).stats(user.sub)).stats);
  });
