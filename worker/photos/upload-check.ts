// What both upload form readers share: the room's check (may this member upload into this shot), the form's
// field rules, and the last step before the route stores anything: the moment read, the check awaited.
import { ErrorCode, LIMITS } from "../../shared/protocol.ts";
import type { PhotoPage } from "../../shared/protocol.ts";
import { HttpError, unwrap } from "../http-error.ts";
import type { BlobWriter, RoomApi } from "../platform.ts";
import { badForm } from "./multipart-reader.ts";
import { momentProblem, readMoment, type PhotoMoment } from "./photo-moment.ts";

type PhotoView = PhotoPage["photos"][number];
type Verdict = { shotId: string; at: number; photo?: PhotoView };

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

/** The fields an upload reads; each may be sent once. */
export const UPLOAD_FIELDS = ["shotId", "photo", "thumb", "tile", "frameAt", "bound"] as const;
export const FILE_FIELDS = ["photo", "thumb", "tile"] as const;
export type FileField = (typeof FILE_FIELDS)[number];
/** shotId, photo, thumb, tile, frameAt, bound and a couple a client may add; more is not an upload. */
export const MAX_PARTS = 8;
/** A shot id is far below this. */
export const MAX_SHOT_FIELD = 64;
/** The photo's moment as small text fields (photo-moment.ts); a number of ms is far below this. */
export const MOMENT_FIELDS = { frameAt: ErrorCode.BadFrameAt, bound: ErrorCode.BadBound } as const;
export const MAX_MOMENT_FIELD = 64;
export const MAX_FILE_BYTES: Record<FileField, number> = {
  photo: LIMITS.maxPhotoBytes,
  thumb: LIMITS.maxThumbBytes,
  tile: LIMITS.maxTileBytes,
};

const TOO_LARGE = { photo: ErrorCode.PhotoTooLarge, thumb: ErrorCode.ThumbTooLarge, tile: ErrorCode.TileTooLarge };
export const fieldTooLarge = (name: FileField) => () =>
  new HttpError(413, TOO_LARGE[name], `${name} is larger than ${MAX_FILE_BYTES[name]} bytes`);
export const sentTwice = (name: string) => badForm(`${name} is sent twice`);
export const shotTooLong = () => badForm("shotId is too long");
export const otherShot = () => badForm("the shotId field names another shot than ?shot=");
export const momentTooLong = (name: keyof typeof MOMENT_FIELDS) => () =>
  new HttpError(400, MOMENT_FIELDS[name], `${name} is too long`);

/** The room's answer for one shot id, with its state readable while the photo arrives. */
export class RoomCheck {
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
    // Read through `result` meanwhile; awaited later. Not a floating rejection meanwhile.
    this.done.catch(() => {});
  }
}

/** The form's end: its moment read (an unreadable number is refused whatever the room says), then the room's
 *  answer; a photo already there is returned, else the moment is checked against the shot's instant. */
export async function settleUpload(
  check: RoomCheck,
  momentFields: Map<string, string | { file: true }>,
  files: { writer: BlobWriter | null; thumb: Uint8Array | null; tile: Uint8Array | null },
): Promise<UploadForm> {
  const moment = readMoment(momentFields);
  const v = await check.done;
  if (v.photo) return { kind: "already", photo: v.photo };
  const problem = momentProblem(moment, v.at);
  if (problem) throw new HttpError(problem.status, problem.code, problem.message);
  const photo = files.writer ? { writer: files.writer } : null;
  return { kind: "form", shotId: v.shotId, moment, photo, thumb: files.thumb, tile: files.tile };
}
