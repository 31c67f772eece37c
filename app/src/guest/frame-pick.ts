// Which camera frame is "the photo": each frame is stamped with the best time the browser gives
// (captureTime, else expectedDisplayTime, else the callback time) and the one nearest the instant wins.

export type FrameSource = "captureTime" | "expectedDisplayTime" | "now";
export type StampedFrame<T> = { time: number; source: FrameSource; image: T };

/** A frame's time on the performance.now() timeline, from requestVideoFrameCallback's arguments. */
export function frameStamp(
  meta: { captureTime?: number; expectedDisplayTime?: number } | null,
  now: number,
): { time: number; source: FrameSource } {
  if (meta && typeof meta.captureTime === "number" && meta.captureTime > 0)
    return { time: meta.captureTime, source: "captureTime" };
  if (meta && typeof meta.expectedDisplayTime === "number" && meta.expectedDisplayTime > 0)
    return { time: meta.expectedDisplayTime, source: "expectedDisplayTime" };
  return { time: now, source: "now" };
}

/** The frame stamped nearest `target`; on a tie, the earlier one. Null for no frames. */
export function nearestFrame<T>(frames: ReadonlyArray<StampedFrame<T>>, target: number): StampedFrame<T> | null {
  let best: StampedFrame<T> | null = null;
  for (const f of frames) {
    const d = Math.abs(f.time - target);
    const bd = best ? Math.abs(best.time - target) : Infinity;
    if (d < bd || (d === bd && best && f.time < best.time)) best = f;
  }
  return best;
}
