// Immutable, content-addressed image bytes (photos, thumbs, mosaic versions): read through the HTTP
// cache (caches.default on Workers) so each location reads an object from the store once, with
// ETag/304 and single byte ranges (206, or 416 when unsatisfiable). Every file goes out as the image type
// sniffed at upload, never as a page of the app's origin.
import { ErrorCode } from "../../shared/protocol.ts";
import { roomIdParam, type AppContext } from "../app-env.ts";
import { HttpError } from "../http-error.ts";
import { etagMatches, resolveRange, sliceStream } from "./byte-range.ts";
import { readThrough } from "./read-through.ts";
import { blobKey, parseFileName } from "./blob-key.ts";

const TYPES: Record<string, string> = { jpg: "image/jpeg", png: "image/png", webp: "image/webp" };
export const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Guests upload these bytes, so a browser must never treat them as anything but the image type sniffed at
 * upload (which names the file): no MIME sniffing, a navigation downloads instead of rendering, and a
 * sandboxing CSP with no sources holds even where a browser renders it anyway. `<img>` ignores all three.
 */
export function fileSafetyHeaders(name: string): Record<string, string> {
  return {
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": `attachment; filename="${name}"`,
    "Content-Security-Policy": "default-src 'none'; sandbox",
  };
}

export type ImmutableFile = { roomId: string; key: string; etag: string; contentType: string };

/** The stored file behind a public file name (`<sha256>-<suffix>.<ext>`, see blob-key.ts), or null when it cannot be one. */
export function fileNamed(roomId: string, name: string): ImmutableFile | null {
  const file = parseFileName(name);
  if (!file) return null;
  return { roomId, key: blobKey(roomId, file.name, file.ext), etag: `"${file.name}"`, contentType: TYPES[file.ext]! };
}

/** GET /api/rooms/:roomId/files/:name */
export function serveFile(c: AppContext): Promise<Response> {
  const file = fileNamed(roomIdParam(c), c.req.param("name") ?? "");
  if (!file) throw new HttpError(404, ErrorCode.FileNotFound, "no such file");
  return serveImmutable(c, file);
}

export async function serveImmutable(c: AppContext, f: ImmutableFile): Promise<Response> {
  const base = { ETag: f.etag, "Cache-Control": IMMUTABLE, "Accept-Ranges": "bytes" };
  if (etagMatches(c.req.header("If-None-Match"), f.etag)) return new Response(null, { status: 304, headers: base });
  const stored = await readThrough(c.var.platform, {
    roomId: f.roomId,
    key: f.key,
    cacheUrl: new URL(c.req.path, c.req.url).toString(),
    headers: { ...base, "Content-Type": f.contentType },
  });
  if (!stored) throw new HttpError(404, ErrorCode.FileNotFound, "no such file");
  // Set here rather than stored with the cached copy, so copies cached before them carry them too.
  const safe = new Headers(stored.headers);
  for (const [k, v] of Object.entries(fileSafetyHeaders(c.req.path.slice(c.req.path.lastIndexOf("/") + 1))))
    safe.set(k, v);
  const full = new Response(stored.body, { status: stored.status, headers: safe });
  const ifRange = c.req.header("If-Range");
  if (ifRange !== undefined && ifRange !== f.etag) return full;
  const size = Number(full.headers.get("Content-Length"));
  const range = resolveRange(c.req.header("Range"), size);
  if (range.kind === "none" || !full.body || !Number.isFinite(size)) return full;
  if (range.kind === "unsatisfiable") {
    await full.body.cancel();
    return c.json({ error: { code: ErrorCode.RangeNotSatisfiable, message: `the file has ${size} bytes` } }, 416, {
      "Content-Range": `bytes */${size}`,
    });
  }
  const headers = new Headers(full.headers);
  headers.set("Content-Range", `bytes ${range.start}-${range.end}/${size}`);
  headers.set("Content-Length", String(range.end - range.start + 1));
  return new Response(sliceStream(full.body, range.start, range.end), { status: 206, headers });
}
