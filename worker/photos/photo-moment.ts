// A photo's moment as its upload states it: `frameAt` (the camera frame's time, server ms) and `bound` (the
// phone's clock error bound, ms), both optional form fields for older clients; checked before any byte is stored.
import { ErrorCode, LIMITS } from "../../shared/protocol.ts";
import { HttpError, fail, type Failure } from "../http-error.ts";

export type PhotoMoment = { frameAt?: number; bound?: number };

/** Where the fields are read from: a FormData, or the text fields a streamed form collected. */
export type MomentFields = { get(name: string): unknown };

/** The two fields of the upload form; a field that is present must be a finite number (else 400). */
export function readMoment(form: MomentFields): PhotoMoment {
  const frameAt = numberField(form, "frameAt");
  if (frameAt === null) throw new HttpError(400, ErrorCode.BadFrameAt, "frameAt must be a number of milliseconds");
  const bound = numberField(form, "bound");
  if (bound === null) throw new HttpError(400, ErrorCode.BadBound, "bound must be a number of milliseconds");
  return { ...(frameAt !== undefined ? { frameAt } : {}), ...(bound !== undefined ? { bound } : {}) };
}

/** Null when the moment is plausible for a shot at `at`: the frame within a minute of it, the bound 0–60 s. */
export function momentProblem(m: PhotoMoment, at: number): Failure | null {
  if (m.frameAt !== undefined && Math.abs(m.frameAt - at) > LIMITS.maxFrameOffsetMs)
    return fail(400, ErrorCode.BadFrameAt, `frameAt must lie within ${LIMITS.maxFrameOffsetMs} ms of the shot's at`);
  if (m.bound !== undefined && (m.bound < 0 || m.bound > LIMITS.maxClockErrorMs))
    return fail(400, ErrorCode.BadBound, `bound must be between 0 and ${LIMITS.maxClockErrorMs} ms`);
  return null;
}

/** undefined when absent (or empty), null when not a finite number. */
function numberField(form: MomentFields, name: string): number | undefined | null {
  const v = form.get(name);
  if (v === null || v === undefined || v === "") return undefined;
  if (typeof v !== "string" || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
