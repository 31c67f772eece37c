// The event screen (`/r/<roomId>/screen`): the room on a venue's projector at 1920×1080. A huge QR code and
// link, the live "N ready of M joined", a full-screen countdown on shoot, then the group mosaic filling in
// (its overview once the shot has several pages). No controls: the owner's phone stays the remote.
import type { RoomView } from "../../../shared/protocol.ts";
import { api } from "../api.ts";
import { showCountdown } from "../countdown.ts";
import { h, mount, setText } from "../dom.ts";
import { qrSvg } from "../organiser/qr-code.ts";
import { connectRoom, describeStatus, localTime } from "../room-connection.ts";
import { MosaicWall } from "./mosaic-wall.ts";

type ScreenState = "waiting" | "countdown" | "mosaic";

export function screenPage(root: HTMLElement, roomId: string): void {
  const joinUrl = `${location.origin}/r/${roomId}`;
  const title = h("h1", { class: "screen-title" }, "Simulshot");
  const ready = h("strong", { "data-testid": "screen-ready" }, "0");
  const joined = h("strong", { "data-testid": "screen-joined" }, "0");
  const photos = h("p", { class: "screen-photos", "data-testid": "screen-photos" });
  const status = h("p", { class: "screen-status", "data-testid": "screen-status" }, "connecting…");
  const count = h("div", { class: "countdown screen-countdown", hidden: true, "aria-live": "assertive" });
  const wall = new MosaicWall(roomId);
  const screen = h(
    "div",
    { class: "screen", "data-state": "waiting" },
    h(
      "section",
      { class: "screen-join" },
      qrSvg(joinUrl, "QR code of the join link"),
      h("p", { class: "screen-link", "data-testid": "screen-link" }, joinUrl.replace(/^https?:\/\//, "")),
    ),
    h(
      "section",
      { class: "screen-room" },
      title,
      h("p", { class: "screen-counts" }, ready, " ready of ", joined, " joined"),
      photos,
      status,
    ),
    h("section", { class: "screen-mosaic" }, wall.el),
    count,
  );
  mount(root, screen);
  document.title = "Event screen · Simulshot";

  const client = connectRoom(roomId, "Event screen", "viewer");
  let stopCountdown = () => {};
  let toMosaic: ReturnType<typeof setTimeout> | undefined;
  const setState = (s: ScreenState) => {
    screen.dataset.state = s;
  };
  const showShot = (shotId: string, n: number) => {
    wall.show(shotId);
    setText(photos, `${n} photo${n === 1 ? "" : "s"}`);
    if (n > 0) wall.refresh();
  };

  api<RoomView>(`/api/rooms/${roomId}`)
    .then((room) => {
      setText(title, room.title || "Simulshot");
      document.title = `${room.title || "Room"} · Event screen`;
    })
    .catch(() => setText(status, "this room does not exist"));

  client.on("status", (s) => setText(status, s.connected ? "" : describeStatus(s)));
  client.on("members", (m) => {
    setText(ready, String(m.ready));
    setText(joined, String(m.count));
  });
  client.on("welcome", (w) => {
    setText(ready, String(w.room.ready));
    setText(joined, String(w.room.members));
    const shot = w.room.shot;
    if (!shot) return;
    showShot(shot.shotId, shot.uploaded);
    if (shot.uploaded > 0) setState("mosaic");
  });
  client.on("shoot", (s) => {
    setState("countdown");
    showShot(s.shotId, 0);
    stopCountdown();
    clearTimeout(toMosaic);
    const target = localTime(client, s.at);
    stopCountdown = showCountdown(count, target, client.now);
    // A retake before this one's end: only the newest shot's countdown hands over to the mosaic.
    toMosaic = setTimeout(
      () => {
        stopCountdown();
        setState("mosaic");
      },
      Math.max(0, target - client.now()) + 1500,
    );
  });
  client.on("photos", (p) => {
    if (!p.shotId) return;
    showShot(p.shotId, p.count);
  });
  client.on("shot-done", (d) => showShot(d.shotId, d.uploaded));
}
