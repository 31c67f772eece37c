// GET /api/rooms/:roomId/files/:name: immutable, content-addressed image bytes, served through the
// HTTP cache (caches.default on Workers) so each location reads an object from the store once.
import { roomIdParam, type AppContext } from "../app-env.ts";
import { HttpError } from "../http-error.ts";
import { blobKey } from "./upload.ts";

const FILE_NAME = /^([0-9a-f]{64})\.(jpg|png|webp)$/;
const TYPES: Record<string, string> = { jpg: "image/jpeg", png: "image/png", webp: "image/webp" };
export const IMMUTABLE = "public, max-age=31536000, immutable";

export async function serveFile(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  const m = FILE_NAME.exec(c.req.param("name") ?? "");
  if (!m) throw new HttpError(404, "file_not_found", "no such file");
  const [, sha, ext] = m as unknown as [string, string, string];
  const etag = `"${sha}"`;
  if (c.req.header("If-None-Match") === etag)
    return new Response(null, { status: 304, headers: { ETag: etag, "Cache-Control": IMMUTABLE } });

  const { platform } = c.var;
  const cacheKey = new Request(new URL(c.req.path, c.req.url).toString());
  const cached = await platform.cache?.match(cacheKey);
  if (cached) return cached;
  const obj = await platform.blobs.get(blobKey(roomId, sha, ext));
  if (!obj) throw new HttpError(404, "file_not_found", "no such file");
  const res = new Response(obj.body, {
    headers: {
      "Content-Type": TYPES[ext]!,
      "Content-Length": String(obj.size),
      "Cache-Control": IMMUTABLE,
      ETag: etag,
    },
  });
  if (platform.cache) platform.waitUntil(platform.cache.put(cacheKey, res.clone()));
  return res;
}
