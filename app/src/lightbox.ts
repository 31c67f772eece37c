// The full-size photo, fetched only when someone asks for it (a click on a thumb).
import type { PhotoView } from "../../shared/protocol.ts";
import { h } from "./dom.ts";
import { momentText } from "./moment-text.ts";

export function openLightbox(photo: PhotoView): void {
  const close = () => box.remove();
  const box = h(
    "div",
    { class: "lightbox", role: "dialog", "aria-label": `Photo by ${photo.name}`, onclick: close },
    h("img", { src: photo.url, alt: `Photo by ${photo.name}` }),
    h(
      "p",
      {},
      photo.name,
      " · ",
      photo.frameOffset !== undefined
        ? h("span", { "data-testid": "moment" }, `${momentText(photo.frameOffset, photo.bound)} · `)
        : "",
      h("a", { href: photo.url, download: `simulshot-${photo.photoId}`, onclick: (e) => e.stopPropagation() }, "Save"),
    ),
  );
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      close();
      document.removeEventListener("keydown", onKey);
    }
  };
  document.addEventListener("keydown", onKey);
  document.body.append(box);
}
