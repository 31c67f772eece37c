// POST /api/rooms/:roomId/photos: checks the upload, writes the bytes to the blob store under
// content-addressed keys, then hands the room only the small record. Never decodes a full-size photo.
import { LIMITS, ErrorCode } from "../../shared/protocol.ts";
import { bearer, roomIdParam, type AppContext } from "../app-env.ts";
import { requireSecret } from "../auth/secret.ts";
import { readBounded } from "../bounded-body.ts";
import { verifyToken } from "../auth/token.ts";
import { HttpError, unwrap } from "../http-error.ts";
import { limitPerIp } from "../rate-limits.ts";
import { sha256Hex } from "../sha256-hex.ts";
import { type ImageInfo, checkImage, extensionFor } from "./image-check.ts";
import { momentProblem, readMoment } from "./photo-moment.ts";
import { SERVER_THUMB_MAX_PIXELS, checkThumb, checkTile, decodeTile, makeThumb, makeTile } from "./thumbnail.ts";
import { blobKey, uploadNamer } from "./blob-key.ts";

const MAX_BODY = LIMITS.maxPhotoBytes + LIMITS.maxThumbBytes + LIMITS.maxTileBytes + 64 * 1024;

const tooLarge = () => new HttpError(413, ErrorCode.PhotoTooLarge, `uploads are at most ${LIMITS.maxPhotoBytes} bytes`);

const TOO_LARGE = { photo: ErrorCode.PhotoTooLarge, thumb: ErrorCode.ThumbTooLarge, tile: ErrorCode.TileTooLarge };

async function fileField(form: FormData, name: keyof typeof TOO_LARGE, max: number): Promise<Uint8Array | null> {
  const v = form.get(name);
  if (v === null) return null;
  if (typeof v === "string") throw new HttpError(400, ErrorCode.BadForm, `${name} must be a file`);
  if (v.size > max) throw new HttpError(413, TOO_LARGE[name], `${name} is larger than ${max} bytes`);
  return new Uint8Array(await v.arrayBuffer());
}

/** Reads the multipart body with readBounded (413 as soon as it passes `max` bytes: a chunked upload has
 *  no Content-Length to check first). The body is read to its end before parsing, so a body that stopped
 *  arriving (the client's link, or a server shutting down) is told apart from a malformed one: 503, which
 *  clients retry, rather than 400. */
async function boundedForm(req: Request, max: number): Promise<FormData> {
  const interrupted = () =>
    new HttpError(503, ErrorCode.BodyInterrupted, "the upload stopped before its end; send it again");
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await readBounded(req, max, tooLarge);
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw interrupted();
  }
  const declared = Number(req.headers.get("Content-Length") ?? NaN);
  if (Number.isFinite(declared) && body.byteLength < declared) throw interrupted();
  try {
    const headers = { "Content-Type": req.headers.get("Content-Type") ?? "" };
    return await new Response(body, { headers }).formData();
  } catch {
    throw new HttpError(400, ErrorCode.BadForm, "body must be multipart/form-data with a photo field");
  }
}

export async function uploadPhoto(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  // Per address and room: a venue's phones share one address (see RATE_LIMITS).
  await limitPerIp(c, "uploads", roomId);
  const { platform } = c.var;
  const claims = await verifyToken(bearer(c), "upload", requireSecret(platform));
  if (!claims) throw new HttpError(401, ErrorCode.BadToken, "upload token is invalid or expired");
  if (claims.room !== roomId)
    throw new HttpError(403, ErrorCode.WrongRoom, "this upload token belongs to another room");

  const form = await boundedForm(c.req.raw, MAX_BODY);
  const shotField = form.get("shotId");
  const shotId = typeof shotField === "string" && shotField ? shotField : undefined;
  const room = platform.room(roomId);
  // Refuse early (wrong member, closed shot) before any byte is written; a retry of an upload that
  // already landed gets that photo back and writes nothing (its bytes would be orphans in the store).
  const moment = readMoment(form);
  const { shotId: shot, at, photo: already } = unwrap(await room.checkUpload(claims.mem, shotId));
  if (already) {
    const { photoId, url, thumbUrl } = already;
    return c.json({ photoId, url, thumbUrl, created: false }, 200);
  }
  const problem = momentProblem(moment, at);
  if (problem) throw new HttpError(problem.status, problem.code, problem.message);

  const photo = await fileField(form, "photo", LIMITS.maxPhotoBytes);
  if (!photo) throw new HttpError(400, ErrorCode.MissingPhoto, "the photo field is required");
  // Every refusal below comes from reading the files' structure, never from a decoder: refused uploads
  // take no slot and may be repeated, so each must cost no more than a walk over its bytes.
  const checked = checkImage(photo, { maxPixels: LIMITS.maxPhotoPixels });
  if (!checked.ok) throw new HttpError(checked.status, checked.code, `photo: ${checked.message}`);
  const { info } = checked;

  // Each file's structure is walked once; what the walk read (`walked`) goes with it to the decoder.
  let thumb = await fileField(form, "thumb", LIMITS.maxThumbBytes);
  let thumbInfo: ImageInfo | undefined;
  if (thumb) {
    const t = checkThumb(thumb);
    if (!t.ok) throw new HttpError(400, ErrorCode.BadThumb, `thumb: ${t.message}`);
    thumbInfo = t.info;
  }
  const tileUpload = await fileField(form, "tile", LIMITS.maxTileBytes);
  let tileInfo: ImageInfo | undefined;
  if (tileUpload) {
    const t = checkTile(tileUpload);
    if (!t.ok) throw new HttpError(400, ErrorCode.BadTile, `tile must be a JPEG of at most 128×128 px: ${t.message}`);
    tileInfo = t.info;
  }
  // Decoding starts here, and nothing after it refuses the upload: an image photon cannot decode only
  // leaves the photo without a server-made thumb or a mosaic cell.
  if (!thumb && info.width * info.height <= SERVER_THUMB_MAX_PIXELS) {
    const t = makeThumb(photo, { maxSide: 256, walked: info });
    if (t.ok) {
      thumb = t.jpeg;
      thumbInfo = { type: "image/jpeg", width: t.width, height: t.height };
    }
  }
  let tile: Uint8Array | null = null;
  if (tileUpload) {
    tile = decodeTile(tileUpload, tileInfo);
  } else if (thumb) {
    const t = makeTile(thumb, 64, SERVER_THUMB_MAX_PIXELS, thumbInfo);
    tile = t.ok ? t.rgba : null;
  }

  // Keys of this upload alone: a removal of a photo with the same bytes cannot delete them (blob-key.ts).
  const named = uploadNamer();
  const key = blobKey(roomId, named(await sha256Hex(photo)), extensionFor(info.type));
  const writes: Array<Promise<void>> = [platform.blobs.put(key, photo, info.type)];
  let thumbKey: string | null = null;
  let tileKey: string | null = null;
  if (thumb) {
    thumbKey = blobKey(roomId, named(await sha256Hex(thumb)), "jpg");
    writes.push(platform.blobs.put(thumbKey, thumb, "image/jpeg"));
  }
  if (tile && thumbKey) {
    // The tile goes to the mosaic builder by add() below; if that is lost, the builder cuts it again
    // from the thumb, so it is not stored (one object fewer per photo: a third of the writes).
    tileKey = thumbKey;
  } else if (tile) {
    // No thumb to cut it from: the tile is stored as raw 64×64 RGBA, which the builder pastes as is.
    tileKey = blobKey(roomId, named(await sha256Hex(tile)), "rgba");
    writes.push(platform.blobs.put(tileKey, tile, "application/octet-stream"));
  }
  await Promise.all(writes);

  const r = unwrap(
    await room.recordPhoto({
      memberId: claims.mem,
      shotId: shot,
      key,
      thumbKey,
      tileKey,
      type: info.type,
      bytes: photo.byteLength,
      width: info.width,
      height: info.height,
      ...moment,
    }),
  );
  const { photoId, url, thumbUrl } = r.photo;
  if (!r.created) {
    // A concurrent attempt of the same member landed first: these keys are this attempt's alone and
    // no record names them.
    const mine = [key, thumbKey, tileKey].filter((k): k is string => k !== null);
    platform.waitUntil(Promise.all(mine.map((k) => platform.blobs.delete(k))));
  }
  if (r.created && tile) {
    // After the room recorded the photo, off the upload's path; the builder catches up from the
    // room's index if this is lost.
    const rgba = tile;
    platform.waitUntil(
      platform
        .mosaic(roomId, shot)
        .add(photoId, rgba)
        .then((res) => {
          if (!res.ok) console.error(`[upload] mosaic add ${roomId}/${photoId}: ${res.code}`);
        })
        .catch((e: unknown) => console.error(`[upload] mosaic add ${roomId}/${photoId}:`, e)),
    );
  }
  return c.json({ photoId, url, thumbUrl, created: r.created }, r.created ? 201 : 200);
}
