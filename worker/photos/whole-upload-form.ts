// Reads an upload's form whole, for a blob store that holds each upload whole in memory anyway (R2 takes whole
// objects): the runtime reads the body and parses the form in native code, a fraction of the streaming reader's
// CPU in a burst (docs/performance.md). Used when the request states its length and its shot (`?shot=`, as the
// app sends it): the room checks that shot while the body arrives, and a refusal is answered before it has.
import type { BlobWriter, RoomApi, UnreadBody } from "../platform.ts";
import { badForm, interrupted } from "./multipart-reader.ts";
import {
  FILE_FIELDS,
  MAX_FILE_BYTES,
  MAX_MOMENT_FIELD,
  MAX_PARTS,
  MAX_SHOT_FIELD,
  MOMENT_FIELDS,
  RoomCheck,
  UPLOAD_FIELDS,
  fieldTooLarge,
  momentTooLong,
  otherShot,
  sentTwice,
  settleUpload,
  shotTooLong,
  type UploadForm,
} from "./upload-check.ts";

/** Bodies up to this are read whole. A whole read holds the body, the parsed form and the photo's bytes at once
 *  (about three copies, where the streaming reader holds one), so a larger body streams instead; an app photo is
 *  well under it. */
export const WHOLE_BODY_MAX_BYTES = 4 * 1024 * 1024;

/** A request body the runtime reads whole from the start; dropping it means letting that read finish. */
export class WholeBody implements UnreadBody {
  private bytes: Promise<ArrayBuffer>;

  /** `declared`: the request's Content-Length, which bounds what is read (the route refused larger ones). */
  constructor(
    request: Request,
    private readonly declared: number,
  ) {
    this.bytes = request.arrayBuffer();
    this.bytes.catch(() => {});
  }

  /** Settles once the body has arrived, or failed to. */
  arrived(): Promise<void> {
    return this.bytes.then(
      () => {},
      () => {},
    );
  }

  /** The body parsed as a form: 503 if it stopped short (sent again, it may pass), 400 if it is no form. */
  async form(contentType: string): Promise<FormData> {
    let bytes: ArrayBuffer;
    try {
      bytes = await this.bytes;
    } catch {
      throw interrupted();
    }
    if (bytes.byteLength < this.declared) throw interrupted();
    if (bytes.byteLength === 0) throw badForm("the body is empty");
    // Parsed, the raw body is not needed again: let it go before the parts are copied on.
    this.bytes = Promise.resolve(new ArrayBuffer(0));
    try {
      return await new Response(bytes, { headers: { "Content-Type": contentType } }).formData();
    } catch {
      throw badForm("the body is not a well-formed multipart form");
    }
  }

  discard(): Promise<void> {
    return this.arrived();
  }

  cancel(): void {
    // The read in flight cannot be stopped; it ends at the declared length.
  }
}

/** A text field within `max` bytes; a file sent under its name is held to the same size. */
function withinSize(value: string | File, max: number, tooLong: () => Error): void {
  const size = typeof value === "string" ? new TextEncoder().encode(value).byteLength : value.size;
  if (size > max) throw tooLong();
}

export async function readWholeUploadForm(o: {
  body: WholeBody;
  contentType: string;
  room: RoomApi;
  memberId: string;
  shotId: string;
  writer: () => BlobWriter;
}): Promise<UploadForm> {
  const check = new RoomCheck(o.room, o.memberId, o.shotId);
  await Promise.race([o.body.arrived(), check.done.catch(() => {})]);
  // The room answered first: a refusal, or the photo already there, is answered now (the route drops the rest).
  if (check.result instanceof Error) throw check.result;
  if (check.result?.photo) return { kind: "already", photo: check.result.photo };

  const form = await o.body.form(o.contentType);
  let parts = 0;
  for (const _ of form.keys()) if (++parts > MAX_PARTS) throw badForm(`a form has at most ${MAX_PARTS} parts`);
  for (const name of UPLOAD_FIELDS) if (form.getAll(name).length > 1) throw sentTwice(name);

  const shotField = form.get("shotId");
  if (shotField !== null) {
    withinSize(shotField, MAX_SHOT_FIELD, shotTooLong);
    // As the streaming reader: a shot id sent as a file is read as its text.
    const text = typeof shotField === "string" ? shotField : await shotField.text();
    if (text !== o.shotId) throw otherShot();
  }
  const momentFields = new Map<string, string | { file: true }>();
  for (const name of Object.keys(MOMENT_FIELDS) as Array<keyof typeof MOMENT_FIELDS>) {
    const value = form.get(name);
    if (value === null) continue;
    withinSize(value, MAX_MOMENT_FIELD, momentTooLong(name));
    // A file under a moment's name is kept as not-a-string, which readMoment refuses (as the streaming reader does).
    momentFields.set(name, typeof value === "string" ? value : { file: true });
  }
  const files: Partial<Record<(typeof FILE_FIELDS)[number], File>> = {};
  for (const name of FILE_FIELDS) {
    const value = form.get(name);
    if (value === null) continue;
    if (typeof value === "string") throw badForm(`${name} must be a file`);
    if (value.size > MAX_FILE_BYTES[name]) throw fieldTooLarge(name)();
    files[name] = value;
  }
  const bytesOf = async (f: File | undefined) => (f ? new Uint8Array(await f.arrayBuffer()) : null);
  const settled = await settleUpload(check, momentFields, {
    writer: null,
    thumb: await bytesOf(files.thumb),
    tile: await bytesOf(files.tile),
  });
  if (settled.kind === "already" || !files.photo) return settled;
  // The check has passed: the photo goes to the writer now, as the streaming reader's held chunks do.
  const writer = o.writer();
  try {
    await writer.write(new Uint8Array(await files.photo.arrayBuffer()));
  } catch (e) {
    await writer.discard();
    throw e;
  }
  return { ...settled, photo: { writer } };
}
