// The order of a bullet-time sweep: the organiser's own order when they dragged one, else each guest's
// place on the ring around the subject, then the instant each phone fired. Pure, so it is unit-tested.
import type { PhotoView } from "../../../../shared/protocol.ts";

/** Photos in sweep order. `manual` (photo ids) wins for the photos it names; the rest follow by place. */
export function sweepOrder(photos: readonly PhotoView[], manual: readonly string[] = []): PhotoView[] {
  const byId = new Map(photos.map((p) => [p.photoId, p]));
  const first = manual.flatMap((id) => {
    const p = byId.get(id);
    byId.delete(id);
    return p ? [p] : [];
  });
  const rest = [...byId.values()].map((p, i) => ({ p, i }));
  rest.sort((a, b) => byPlace(a.p, b.p) || byFired(a.p, b.p) || a.i - b.i);
  return [...first, ...rest.map((r) => r.p)];
}

/** Photos with a place come first, in ascending place. */
function byPlace(a: PhotoView, b: PhotoView): number {
  if (a.place === undefined) return b.place === undefined ? 0 : 1;
  if (b.place === undefined) return -1;
  return a.place - b.place;
}

function byFired(a: PhotoView, b: PhotoView): number {
  return (a.firedAt ?? Infinity) - (b.firedAt ?? Infinity) || 0;
}

/** `order` with the photo at `from` moved to `to` (a drag, or a keyboard move). */
export function moveTo<T>(order: readonly T[], from: number, to: number): T[] {
  const out = [...order];
  if (from < 0 || from >= out.length) return out;
  const [item] = out.splice(from, 1);
  out.splice(Math.max(0, Math.min(to, out.length)), 0, item!);
  return out;
}
