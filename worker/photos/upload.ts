// POST /api/rooms/:roomId/photos: checks the upload, writes the bytes to the blob store under
// content-addressed keys, then hands the room only the small record. Never decodes a full-size photo.
import { ErrorCode, LIMITS } from "../../shared/protocol.ts";
import { bearer, roomIdParam, type AppContext } from "../app-env.ts";
import { requireSecret } from "../auth/secret.ts";
import { type UploadClaims, verifyToken } from "../auth/token.ts";
import { unreadBody } from "../discard-body.ts";
import { HttpError, onError, unwrap } from "../http-error.ts";
import { limitPerIp } from "../rate-limits.ts";
import { sha256Hex } from "../sha256-hex.ts";
import type { BlobWriter, RoomApi, UnreadBody } from "../platform.ts";
import { type ImageInfo, checkImage, extensionFor } from "./image-check.ts";
import { MultipartReader, badForm, boundaryOf } from "./multipart-reader.ts";
import type { PhotoMoment } from "./photo-moment.ts";
import { readUploadForm } from "./upload-form.ts";
import { MAX_PARTS, type UploadForm } from "./upload-check.ts";
import { WHOLE_BODY_MAX_BYTES, WholeBody, readWholeUploadForm } from "./whole-upload-form.ts";
import { blobKey, uploadNamer } from "./blob-key.ts";
import { SERVER_THUMB_MAX_PIXELS, checkThumb, checkTile, decodeTile, makeThumb } from "./thumbnail.ts";
import { shardOfRoomId } from "../room/shard-routing.ts";

const MAX_BODY = LIMITS.maxPhotoBytes + LIMITS.maxThumbBytes + LIMITS.maxTileBytes + 64 * 1024;

const tooLarge = () => new HttpError(413, ErrorCode.PhotoTooLarge, `uploads are at most ${LIMITS.maxPhotoBytes} bytes`);

export async function uploadPhoto(c: AppContext): Promise<Response> {
  const declared = Number(c.req.header("Content-Length") ?? NaN);
  const body = c.req.raw.body;
  let rest: UnreadBody | null = null;
  try {
    const { claims, boundary, contentType } = await admit(c, declared);
    if (!body) throw badForm("the body is empty");
    const { platform } = c.var;
    const roomId = roomIdParam(c);
    const room = platform.room(roomId);
    const shotId = c.req.query("shot") || undefined;
    const writer = () =>
      platform.blobs.writer(Number.isFinite(declared) ? Math.min(declared, LIMITS.maxPhotoBytes) : undefined);
    const started = performance.now();
    let parsed: UploadForm;
    // Read whole where the store holds the upload whole anyway, the length bounds the read (up to a few MB) and the
    // shot is known before the body (whole-upload-form.ts); else streamed, every limit kept as the bytes arrive.
    const wholeFits = Number.isSafeInteger(declared) && declared <= WHOLE_BODY_MAX_BYTES;
    if (platform.blobs.holdsWhole && shotId && wholeFits && !c.req.header("Transfer-Encoding")) {
      const whole = new WholeBody(c.req.raw, declared);
      rest = whole;
      parsed = await readWholeUploadForm({ body: whole, contentType, room, memberId: claims.mem, shotId, writer });
    } else {
      const form = new MultipartReader(
        body,
        boundary,
        {
          maxBytes: MAX_BODY,
          maxParts: MAX_PARTS,
          maxHeaderBytes: 1024,
          ...(Number.isSafeInteger(declared) ? { declaredBytes: declared } : {}),
        },
        tooLarge,
      );
      rest = form;
      parsed = await readUploadForm({ form, room, memberId: claims.mem, shotId, writer });
    }
    return await receive(c, { claims, room, parsed, rest, started });
  } catch (e) {
    const answer = onError(e instanceof Error ? e : new Error(String(e)), c);
    // A body declared over the cap is not read: the server may close the connection after the answer.
    if (declared > MAX_BODY) return answer;
    if (rest) return c.var.platform.answerEarly(answer, rest);
    if (body && !body.locked) return c.var.platform.answerEarly(answer, unreadBody(body, MAX_BODY));
    return answer;
  }
}

/** The checks made before any byte of the body is read: rate, token, room, declared size, form type. */
async function admit(
  c: AppContext,
  declared: number,
): Promise<{ claims: UploadClaims; boundary: string; contentType: string }> {
  const roomId = roomIdParam(c);
  // Per address and room: a venue's phones share one address (see RATE_LIMITS).
  await limitPerIp(c, "uploads", roomId);
  const claims = await verifyToken(bearer(c), "upload", requireSecret(c.var.platform));
  if (!claims) throw new HttpError(401, ErrorCode.BadToken, "upload token is invalid or expired");
  if (claims.room !== roomId)
    throw new HttpError(403, ErrorCode.WrongRoom, "this upload token belongs to another room");
  if (declared > MAX_BODY) throw tooLarge();
  const contentType = c.req.header("Content-Type") ?? null;
  const boundary = boundaryOf(contentType);
  if (!contentType || !boundary) throw badForm("body must be multipart/form-data with a photo field");
  return { claims, boundary, contentType };
}

/** Stores and records the photo the form brought, or answers with the one already there. */
async function receive(
  c: AppContext,
  {
    claims,
    room,
    parsed,
    rest,
    started,
  }: {
    claims: UploadClaims;
    room: RoomApi;
    parsed: UploadForm;
    rest: UnreadBody;
    started: number;
  },
): Promise<Response> {
  const { platform } = c.var;
  const roomId = roomIdParam(c);
  if (parsed.kind === "already") {
    // A retry of an upload that already landed gets that photo back and writes nothing.
    const { photoId, url, thumbUrl } = parsed.photo;
    return platform.answerEarly(c.json({ photoId, url, thumbUrl, created: false }, 200), rest);
  }
  const { shotId: shot } = parsed;
  if (!parsed.photo) throw new HttpError(400, ErrorCode.MissingPhoto, "the photo field is required");
  const { writer } = parsed.photo;
  const parseMs = performance.now() - started - (writer.spent?.hash ?? 0) - (writer.spent?.write ?? 0);
  try {
    return await storeAndRecord(c, parseMs, {
      roomId,
      room,
      memberId: claims.mem,
      shot,
      moment: parsed.moment,
      writer,
      thumb: parsed.thumb,
      tile: parsed.tile,
    });
  } finally {
    await writer.discard();
  }
}

/** Checks the photo and the small images, stores the bytes, records the photo. The answer's Server-Timing splits the
 *  upload into parse, hash, write, flush and record (ms; on Deno: workerd's clock stands still meanwhile). */
async function storeAndRecord(
  c: AppContext,
  parseMs: number,
  o: {
    roomId: string;
    /** The room's stub, made once per upload (each costs a hash of its name). */
    room: RoomApi;
    memberId: string;
    shot: string;
    moment: PhotoMoment;
    writer: BlobWriter;
    thumb: Uint8Array | null;
    tile: Uint8Array | null;
  },
): Promise<Response> {
  const { platform } = c.var;
  const { roomId, room, writer } = o;
  const photo = await writer.read();
  // Every refusal below comes from reading the files' structure, never from a decoder: refused uploads
  // take no slot and may be repeated, so each must cost no more than a walk over its bytes.
  const checked = checkImage(photo, { maxPixels: LIMITS.maxPhotoPixels });
  if (!checked.ok) throw new HttpError(checked.status, checked.code, `photo: ${checked.message}`);
  const { info } = checked;

  // Each file's structure is walked once; what the walk read (`walked`) goes with it to the decoder.
  let thumb = o.thumb;
  if (thumb) {
    const t = checkThumb(thumb);
    if (!t.ok) throw new HttpError(400, ErrorCode.BadThumb, `thumb: ${t.message}`);
  }
  const tileUpload = o.tile;
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
    if (t.ok) thumb = t.jpeg;
  }
  // The mosaic builder cuts the tile later, from the thumb the client sent, so a tile sent with a thumb is not kept.
  // A tile sent without one is the mosaic's: decoded here, to be stored raw for the builder.
  const tile = tileUpload && !o.thumb ? decodeTile(tileUpload, tileInfo) : null;

  const hashStart = performance.now();
  const { sha256: sha, size } = await writer.finish();
  const hashMs = performance.now() - hashStart;
  const storeStart = performance.now();
  const before = { ...(writer.spent ?? { hash: 0, write: 0, flush: 0 }) };
  // Keys of this upload alone: a removal of a photo with the same bytes cannot delete them (blob-key.ts).
  const named = uploadNamer();
  const key = blobKey(roomId, named(sha), extensionFor(info.type));
  const writes: Array<Promise<void>> = [writer.commit(key, info.type)];
  let thumbKey: string | null = null;
  let tileKey: string | null = null;
  if (thumb) {
    thumbKey = blobKey(roomId, named(await sha256Hex(thumb)), "jpg");
    writes.push(platform.blobs.put(thumbKey, thumb, "image/jpeg"));
  }
  if (tile) {
    // The tile is stored as raw 64×64 RGBA, which the builder pastes as is.
    tileKey = blobKey(roomId, named(await sha256Hex(tile)), "rgba");
    writes.push(platform.blobs.put(tileKey, tile, "application/octet-stream"));
  } else if (thumbKey) {
    // The builder cuts the tile from the thumb, so no tile is stored (one object fewer per photo: a third of the
    // writes).
    tileKey = thumbKey;
  }
  await Promise.all(writes);
  const storeMs = performance.now() - storeStart;
  const flushMs = (writer.spent?.flush ?? 0) - before.flush;
  const recordStart = performance.now();

  const r = unwrap(
    await room.recordPhoto({
      memberId: o.memberId,
      shotId: o.shot,
      key,
      thumbKey,
      tileKey,
      type: info.type,
      bytes: size,
      width: info.width,
      height: info.height,
      ...o.moment,
    }),
  );
  const recordMs = performance.now() - recordStart;
  const { photoId, url, thumbUrl } = r.photo;
  if (!r.created) {
    // A concurrent attempt of the same member landed first: these keys are this attempt's alone and
    // no record names them.
    const mine = [key, thumbKey, tileKey].filter((k): k is string => k !== null);
    platform.waitUntil(Promise.all(mine.map((k) => platform.blobs.delete(k))));
  }
  const spent = writer.spent ?? { hash: 0, write: 0, flush: 0 };
  const split: Array<[string, number]> = [
    ["parse", parseMs],
    ["hash", before.hash + hashMs],
    ["write", before.write + storeMs - flushMs],
    ["flush", spent.flush],
    ["record", recordMs],
  ];
  c.header("Server-Timing", split.map(([k, ms]) => `${k};dur=${ms.toFixed(2)}`).join(", "));
  if (r.pokeMosaic) {
    // Off the upload's path: the builder pulls the tiles from the room's index once the uploads pause. A lost poke
    // is made up by the next one, or by the first reader of the mosaic.
    const builder = platform.mosaic(roomId, o.shot, shardOfRoomId(roomId, photoId));
    platform.waitUntil(
      builder
        .poke()
        .then((res) => {
          if (!res.ok) console.error(`[upload] mosaic poke ${roomId}/${o.shot}: ${res.code}`);
        })
        .catch((e: unknown) => console.error(`[upload] mosaic poke ${roomId}/${o.shot}:`, e)),
    );
  }
  return c.json({ photoId, url, thumbUrl, created: r.created }, r.created ? 201 : 200);
}
