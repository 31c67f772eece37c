// Gives a capture its moment: the frame's time in server ms and the clock bound for the upload, and the same
// in EXIF inside the photo and its thumb, so a saved or downloaded photo sorts and aligns in any photo app.
import { withExif } from "../../../shared/exif-writer.ts";
import { momentText } from "../moment-text.ts";
import type { Capture } from "./capture.ts";

export type Moment = { frameAt: number; bound: number };

/** `at` is the shot's instant (server ms); `bound` the clock estimate's error bound, ms. */
export async function stampMoment(
  shot: Capture,
  o: { at: number; bound: number; title: string; name: string },
): Promise<Capture & Moment> {
  // frameOffset is frame time − (at − offset) on the phone's timeline, so the frame's server time is at + it.
  const frameAt = o.at + shot.frameOffset;
  const what = momentText(shot.frameOffset, o.bound);
  const description = `Simulshot: ${o.title || "a room"}, by ${o.name || "a guest"}. Photo ${what} (server time, UTC).`;
  const stamp = async (jpeg: Blob) =>
    new Blob([withExif(new Uint8Array(await jpeg.arrayBuffer()), { time: frameAt, description })], {
      type: "image/jpeg",
    });
  const [photo, thumb] = await Promise.all([stamp(shot.photo), stamp(shot.thumb)]);
  return { ...shot, photo, thumb, frameAt, bound: o.bound };
}
