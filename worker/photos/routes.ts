// Photo routes: upload, the paged listing, removal by the owner, and immutable file serving.
import { Hono } from "hono";
import { roomIdParam, type AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/routes.ts";
import { HttpError, unwrap } from "../http-error.ts";
import { serveFile } from "./serve-file.ts";
import { uploadPhoto } from "./upload.ts";

export const photoRoutes = new Hono<AppEnv>()
  .post("/:roomId/photos", uploadPhoto)
  .get("/:roomId/photos", async (c) => {
    const limit = Number(c.req.query("limit") ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HttpError(400, "bad_limit", "limit is 1–200");
    const shotId = c.req.query("shot") || undefined;
    const cursor = c.req.query("cursor") || undefined;
    const page = unwrap(await c.var.platform.room(roomIdParam(c)).listPhotos({ shotId, cursor, limit }));
    return c.json({ photos: page.photos, ...(page.next ? { next: page.next } : {}) });
  })
  .delete("/:roomId/photos/:photoId", async (c) => {
    const user = await requireUser(c);
    const { platform } = c.var;
    const r = unwrap(await platform.room(roomIdParam(c)).removePhoto(user.sub, c.req.param("photoId")));
    // The index no longer names them; the bytes go too (a re-upload of the same bytes rewrites them).
    platform.waitUntil(Promise.all(r.keys.map((k) => platform.blobs.delete(k))));
    return c.body(null, 204);
  })
  .get("/:roomId/files/:name", serveFile);
