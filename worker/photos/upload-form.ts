// Reads an upload's form as it arrives. The room's check (may this member upload into this shot) starts
// as soon as the shot is known (`?shot=`, a leading `shotId` field, or the first file part: the latest
// shot), and the photo keeps arriving meanwhile, held back until the check passes: no byte reaches the
// blob store before it, a refusal is answered at once (the route then drops the rest), and bytes are never
// left unread while waiting on the room (workerd resets connections whose request bytes sit unread).
import type { PhotoPage } from "../../shared/protocol.ts";
import { HttpError } from "../http-error.ts";
import type { BlobWriter, RoomApi } from "../platform.ts";
import { MultipartReader, badForm } from "./multipart-reader.ts";
import {
  MAX_FILE_BYTES,
  MAX_MOMENT_FIELD,
  MAX_SHOT_FIELD,
  RoomCheck,
  otherShot,
  UPLOAD_FIELDS,
  fieldTooLarge,
  momentTooLong,
  sentTwice,
  settleUpload,
  shotTooLong,
  type UploadForm,
} from "./upload-check.ts";

type PhotoView = PhotoPage["photos"][number];

export async function readUploadForm(o: {
  form: MultipartReader;
  room: RoomApi;
  memberId: string;
  shotId: string | undefined;
  writer: () => BlobWriter;
}): Promise<UploadForm> {
  const { form } = o;
  let check = o.shotId ? new RoomCheck(o.room, o.memberId, o.shotId) : null;
  let writer: BlobWriter | null = null;
  let thumb: Uint8Array | null = null;
  let tile: Uint8Array | null = null;
  const seen = new Set<string>();
  // frameAt and bound; a file sent under either name is kept as not-a-string, which readMoment refuses.
  const momentFields = new Map<string, string | { file: true }>();
  try {
    for (let head = await form.next(); head; head = await form.next()) {
      if ((UPLOAD_FIELDS as readonly string[]).includes(head.name)) {
        if (seen.has(head.name)) throw sentTwice(head.name);
        seen.add(head.name);
      }
      if (head.name === "shotId") {
        const shotField = new TextDecoder().decode(await form.bytes(MAX_SHOT_FIELD, shotTooLong));
        if (o.shotId !== undefined && shotField !== o.shotId) throw otherShot();
        // A shot named after the files were checked against the latest one is checked again (nothing is
        // stored before the end, so the stated shot's check is the one that counts).
        if (!check || check.shotId !== shotField) check = new RoomCheck(o.room, o.memberId, shotField);
        continue;
      }
      if (head.name === "frameAt" || head.name === "bound") {
        const text = new TextDecoder().decode(await form.bytes(MAX_MOMENT_FIELD, momentTooLong(head.name)));
        momentFields.set(head.name, head.filename === null ? text : { file: true });
        continue;
      }
      if (!["photo", "thumb", "tile"].includes(head.name)) continue;
      if (head.filename === null) throw badForm(`${head.name} must be a file`);
      check ??= new RoomCheck(o.room, o.memberId, undefined);
      if (head.name === "photo") {
        writer = o.writer();
        const got = await receivePhoto(form, check, writer);
        if (got.already) return { kind: "already", photo: got.already };
      } else if (head.name === "thumb") {
        thumb = await form.bytes(MAX_FILE_BYTES.thumb, fieldTooLarge("thumb"));
      } else {
        tile = await form.bytes(MAX_FILE_BYTES.tile, fieldTooLarge("tile"));
      }
    }
    // Whatever follows the closing boundary, to the body's end: a server answering with request bytes
    // unread may not keep the connection (discard-body.ts).
    await form.discard();
    check ??= new RoomCheck(o.room, o.memberId, undefined);
    const settled = await settleUpload(check, momentFields, { writer, thumb, tile });
    if (settled.kind === "form") writer = null; // handed on: the caller commits or discards it
    return settled;
  } finally {
    await writer?.discard();
  }
}

/**
 * Streams the photo part into `writer` once the check has passed, holding the chunks that arrive before.
 * Each read races the check, so a refusal is thrown the moment it arrives, even while the client is
 * still sending (or has stopped sending) the rest.
 */
async function receivePhoto(
  form: MultipartReader,
  check: RoomCheck,
  writer: BlobWriter,
): Promise<{ already?: PhotoView }> {
  const held: Uint8Array[] = [];
  const chunks = form.body(MAX_FILE_BYTES.photo, fieldTooLarge("photo"));
  const settled = check.done.then(
    () => "checked" as const,
    () => "checked" as const,
  );
  let checked = false;
  for (;;) {
    const read = chunks.next();
    // Abandoned when the check refuses or finds the photo landed: the route reads and drops the rest.
    read.catch(() => {});
    if (!checked && (await Promise.race([read.then(() => "read" as const), settled])) === "checked") {
      checked = true;
      const r = check.result;
      if (r instanceof HttpError) throw r;
      // A retry of a photo that is already there: answered now, keeping nothing.
      if (r?.photo) return { already: r.photo };
      for (const h of held.splice(0)) await writer.write(h);
    }
    const step = await read;
    if (step.done) break;
    if (checked) await writer.write(step.value);
    else held.push(step.value);
  }
  const v = await check.done;
  if (v.photo) return { already: v.photo };
  for (const h of held.splice(0)) await writer.write(h);
  return {};
}
