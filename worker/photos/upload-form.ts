// Reads an upload's form as it arrives. The room's check (may this member upload into this shot) starts
// as soon as the shot is known (`?shot=`, a leading `shotId` field, or the first file part: the latest
// shot), and the photo keeps arriving meanwhile, held back until the check passes: no byte reaches the
// blob store before it, a refusal is answered at once (the route then drops the rest), and bytes are never
// left unread while waiting on the room (workerd resets connections whose request bytes sit unread).
import { ErrorCode, LIMITS } from "../../shared/protocol.ts";
import { HttpError, unwrap } from "../http-error.ts";
import type { PhotoPage } from "../../shared/protocol.ts";
import type { BlobWriter, RoomApi } from "../platform.ts";
import { MultipartReader, badForm } from "./multipart-reader.ts";
import { momentProblem, readMoment, type PhotoMoment } from "./photo-moment.ts";

type PhotoView = PhotoPage["photos"][number];
type Verdict = { shotId: string; at: number; photo?: PhotoView };
/** The photo's moment as small text fields (photo-moment.ts); a number of ms is far below this. */
const MOMENT_FIELDS = { frameAt: ErrorCode.BadFrameAt, bound: ErrorCode.BadBound } as const;
const MAX_MOMENT_FIELD = 64;

export type UploadForm =
  | { kind: "already"; photo: PhotoView }
  | {
      kind: "form";
      shotId: string;
      moment: PhotoMoment;
      photo: { writer: BlobWriter } | null;
      thumb: Uint8Array | null;
      tile: Uint8Array | null;
    };

const TOO_LARGE = { photo: ErrorCode.PhotoTooLarge, thumb: ErrorCode.ThumbTooLarge, tile: ErrorCode.TileTooLarge };
const fieldTooLarge = (name: keyof typeof TOO_LARGE, max: number) => () =>
  new HttpError(413, TOO_LARGE[name], `${name} is larger than ${max} bytes`);

/** The room's answer for one shot id, with its state readable while the photo streams in. */
class RoomCheck {
  shotId: string | undefined;
  result: Verdict | HttpError | null = null;
  readonly done: Promise<Verdict>;

  constructor(room: RoomApi, memberId: string, shotId: string | undefined) {
    this.shotId = shotId;
    this.done = room.checkUpload(memberId, shotId).then(
      (r) => {
        try {
          const v = unwrap(r);
          this.result = v;
          return v;
        } catch (e) {
          this.result = e as HttpError;
          throw e;
        }
      },
      (e: unknown) => {
        this.result = new HttpError(503, ErrorCode.RoomUnavailable, "the room did not answer; send it again");
        throw e;
      },
    );
    // Read through `result` while streaming; awaited later. Not a floating rejection meanwhile.
    this.done.catch(() => {});
  }
}

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
      if (["shotId", "photo", "thumb", "tile", "frameAt", "bound"].includes(head.name)) {
        if (seen.has(head.name)) throw badForm(`${head.name} is sent twice`);
        seen.add(head.name);
      }
      if (head.name === "shotId") {
        const shotField = new TextDecoder().decode(await form.bytes(64, () => badForm("shotId is too long")));
        // A shot named after the files were checked against the latest one is checked again (nothing is
        // stored before the end, so the stated shot's check is the one that counts).
        if (!check || check.shotId !== shotField) check = new RoomCheck(o.room, o.memberId, shotField);
        continue;
      }
      if (head.name === "frameAt" || head.name === "bound") {
        const code = MOMENT_FIELDS[head.name];
        const text = new TextDecoder().decode(
          await form.bytes(MAX_MOMENT_FIELD, () => new HttpError(400, code, `${head.name} is too long`)),
        );
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
        thumb = await form.bytes(LIMITS.maxThumbBytes, fieldTooLarge("thumb", LIMITS.maxThumbBytes));
      } else {
        tile = await form.bytes(LIMITS.maxTileBytes, fieldTooLarge("tile", LIMITS.maxTileBytes));
      }
    }
    // Whatever follows the closing boundary, to the body's end: a server answering with request bytes
    // unread may not keep the connection (discard-body.ts).
    await form.discard();
    check ??= new RoomCheck(o.room, o.memberId, undefined);
    // Read before the room's answer, as an unreadable number is refused whatever the room says.
    const moment = readMoment(momentFields);
    const v = await check.done;
    if (v.photo) return { kind: "already", photo: v.photo };
    // Checked against the shot's at from the room's check, before the caller stores any byte.
    const problem = momentProblem(moment, v.at);
    if (problem) throw new HttpError(problem.status, problem.code, problem.message);
    const photo = writer ? { writer } : null;
    writer = null; // handed on: the caller commits or discards it
    return { kind: "form", shotId: v.shotId, moment, photo, thumb, tile };
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
  const chunks = form.body(LIMITS.maxPhotoBytes, fieldTooLarge("photo", LIMITS.maxPhotoBytes));
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
