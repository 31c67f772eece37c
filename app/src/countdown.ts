// The visible countdown to a shot's instant, read from the room client's synced clock every frame.
import { setText } from "./dom.ts";

/** Shows whole seconds left until `target` (client clock) in `el`, then "Shutter!". Returns a stop function. */
export function showCountdown(el: HTMLElement, target: number, now: () => number): () => void {
  let raf = 0;
  el.hidden = false;
  const tick = () => {
    const left = target - now();
    if (left <= 0) {
      setText(el, "Shutter!");
      el.classList.add("fired");
      return;
    }
    el.classList.remove("fired");
    setText(el, String(Math.ceil(left / 1000)));
    raf = requestAnimationFrame(tick);
  };
  tick();
  return () => {
    cancelAnimationFrame(raf);
    el.hidden = true;
  };
}
