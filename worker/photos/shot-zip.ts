// GET /api/rooms/:roomId/photos.zip?shot=: the owner (or a ZIP link, zip-link.ts) downloads a whole shot as
// one ZIP, streamed one photo at a time from the cache or the blob store (client-zip never buffers the archive).
import { downloadZip, predictLength } from "client-zip";
import type { PhotoView } from "../../shared/protocol.ts";
import { roomIdParam, type AppContext } from "../app-env.ts";
import { unwrap } from "../http-error.ts";
import { readThrough } from "./read-through.ts";
import { IMMUTABLE, fileNamed } from "./serve-file.ts";
import { zipRequester } from "./zip-link.ts";

const PAGE = 200;

function entryName(p: PhotoView, i: number): string {
  const ext = p.url.slice(p.url.lastIndexOf(".") + 1);
  const who = p.name.replace(/[^\p{L}\p{N} _-]/gu, "_").slice(0, 40) || "photo";
  return `${String(i + 1).padStart(4, "0")}-${who}.${ext}`;
}

/** A ZIP entry's date from a photo's `firedAt`, or `fallback` when it has none a ZIP can hold: the
 *  stored value came from a guest's report (rows written before reports were checked may hold anything),
 *  and client-zip throws mid-stream on a date outside the DOS range, cutting the owner's download. */
export function zipDate(firedAt: number | undefined, fallback: number): Date {
  const ok = firedAt !== undefined && Number.isFinite(firedAt) && firedAt >= DOS_FIRST && firedAt < DOS_END;
  return new Date(ok ? firedAt : fallback);
}
const DOS_FIRST = Date.UTC(1980, 0, 2);
const DOS_END = Date.UTC(2107, 11, 31);

/**
 * workerd sends a JS stream chunked and drops Content-Length; a FixedLengthStream (Workers only)
 * keeps it, so browsers show the download's progress. Other runtimes honour the header as is.
 */
function withLength(body: ReadableStream<Uint8Array>, length: bigint): ReadableStream<Uint8Array> {
  type FixedCtor = new (length: number | bigint) => TransformStream<Uint8Array, Uint8Array>;
  const Fixed = (globalThis as { FixedLengthStream?: FixedCtor }).FixedLengthStream;
  return Fixed ? body.pipeThrough(new Fixed(length)) : body;
}

export async function downloadShotZip(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  const { platform } = c.var;
  const asker = await zipRequester(c, roomId);
  const room = platform.room(roomId);
  const { shotId } = unwrap(await room.ownerShot(asker.userId, asker.shotId));
  // The listing is small (a few hundred bytes a photo); only the photo bytes are streamed.
  const photos: PhotoView[] = [];
  let cursor: string | undefined;
  do {
    const page = unwrap(await room.listPhotos({ shotId, cursor, limit: PAGE }));
    photos.push(...page.photos);
    cursor = page.next;
  } while (cursor);
  const now = Date.now();
  const entries = photos.map((p, i) => ({
    name: entryName(p, i),
    size: p.bytes,
    lastModified: zipDate(p.firedAt, now),
  }));

  async function* files() {
    for (const [i, p] of photos.entries()) {
      const file = fileNamed(roomId, p.url.slice(p.url.lastIndexOf("/") + 1));
      const res =
        file &&
        (await readThrough(platform, {
          roomId,
          key: file.key,
          cacheUrl: new URL(p.url, c.req.url).toString(),
          headers: {
            ETag: file.etag,
            "Cache-Control": IMMUTABLE,
            "Accept-Ranges": "bytes",
            "Content-Type": file.contentType,
          },
        }));
      // The length was promised up front: a photo removed meanwhile can only end the download.
      if (!res?.body) throw new Error(`photo ${p.photoId} is no longer stored`);
      yield { ...entries[i]!, input: res.body };
    }
  }

  const length = predictLength(entries);
  const zip = downloadZip(files(), { length }).body!;
  return new Response(withLength(zip, length), {
    headers: {
      "Content-Type": "application/zip",
      "Content-Length": String(length),
      "Content-Disposition": `attachment; filename="simulshot-${shotId}.zip"`,
      "Cache-Control": "private, no-store",
    },
  });
}
