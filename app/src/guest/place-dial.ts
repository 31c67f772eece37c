// A guest's place on the ring around the subject, for the organiser's bullet-time sweep: a dial in degrees
// (0° where the organiser says, clockwise), kept per room on the phone and sent to the room when set.
import { h, setText } from "../dom.ts";

const key = (roomId: string) => `simulshot.place.${roomId}`;

/** The place this phone last set in this room, degrees, or null if it never set one. */
export function savedPlace(roomId: string): number | null {
  const saved = localStorage.getItem(key(roomId));
  return saved === null ? null : Number(saved);
}

export function placeDial(roomId: string, onPlace: (place: number) => void): HTMLElement {
  const saved = savedPlace(roomId);
  const dial = h("input", { type: "range", min: 0, max: 359, step: 1, value: saved ?? 0, "aria-label": "Place" });
  const shown = h("output", { "data-testid": "place" }, saved === null ? "not set" : `${saved}°`);
  dial.addEventListener("change", () => {
    localStorage.setItem(key(roomId), dial.value);
    setText(shown, `${dial.value}°`);
    onPlace(Number(dial.value));
  });
  return h(
    "details",
    { class: "place" },
    h("summary", {}, "Bullet time: your place around the subject"),
    h("label", {}, dial, shown),
  );
}
