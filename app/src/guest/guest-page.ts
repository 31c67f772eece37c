// A guest's page (`/r/<roomId>`): allow the camera, watch the preview, the member count and the clock
// bound; on shoot, count down, take the frame nearest the instant, upload it (at its moment in the shot's
// upload spread) with progress, save it, and see everyone's photos and the mosaic fill in.
import { localInstant } from "../../../shared/clock-sync.ts";
import type { RoomView } from "../../../shared/protocol.ts";
import type { FireEvent, RoomClient } from "../../../shared/room-client.ts";
import { ApiFailure, api } from "../api.ts";
import { describeBound } from "../clock-bound.ts";
import { showCountdown } from "../countdown.ts";
import { h, mount, setText } from "../dom.ts";
import { Gallery } from "../gallery.ts";
import { MosaicView } from "../mosaic-view.ts";
import { momentText } from "../moment-text.ts";
import { connectRoom, describeStatus, localTime } from "../room-connection.ts";
import { CameraError, openCamera, stopCamera, type Facing } from "./camera.ts";
import { captureAt, type Capture } from "./capture.ts";
import { FrameRing } from "./frame-ring.ts";
import { placeDial, savedPlace } from "./place-dial.ts";
import { stampMoment, type Moment } from "./stamp-moment.ts";
import { UploadError, uploadCapture } from "./upload.ts";

const NAME_KEY = "simulshot.name";
/** The frame ring starts this long before the instant, ms. */
const RING_LEAD_MS = 500;

type State = "idle" | "ready" | "countdown" | "capturing" | "queued" | "uploading" | "uploaded" | "failed" | "missed";

export function guestPage(root: HTMLElement, roomId: string): void {
  const title = h("h1", {}, "Simulshot");
  const status = h("span", { "data-testid": "status" }, "not connected");
  const members = h("span", { "data-testid": "members" }, "");
  const clock = h("span", { "data-testid": "clock" }, "");
  const video = h("video", { autoplay: true, muted: true, playsinline: true, "aria-label": "Camera preview" });
  const count = h("div", { class: "countdown", hidden: true, "aria-live": "assertive" });
  const stage = h("div", { class: "stage", hidden: true }, video, count);
  const name = h("input", { maxlength: 40, autocomplete: "nickname", placeholder: "Your name (optional)" });
  name.value = localStorage.getItem(NAME_KEY) ?? "";
  const start = h("button", { class: "primary" }, "Start camera");
  const error = h("p", { class: "error", role: "alert" });
  const joinCard = h("section", { class: "card" }, h("label", {}, "Name", name), start, error);
  const message = h("p", { class: "state", "data-testid": "guest-state", "aria-live": "polite" });
  const progress = h("progress", { max: 1, value: 0, hidden: true });
  const mine = h("div", { class: "mine", hidden: true });
  const flip = h("button", { class: "secondary" }, "Flip camera");
  let client: RoomClient | null = null;
  const place = placeDial(roomId, (p) => client?.setPlace(p));
  const shotCard = h("section", { class: "card", hidden: true }, message, progress, mine, flip, place);
  const gallery = new Gallery(roomId);
  const mosaic = new MosaicView(roomId);
  const photos = h("section", { class: "card", hidden: true }, h("h2", {}, "Everyone's photos"), mosaic.el, gallery.el);

  const page = h(
    "div",
    { class: "guest", "data-state": "idle" },
    h("header", {}, title, h("p", { class: "meta" }, status, members, clock)),
    stage,
    joinCard,
    shotCard,
    photos,
  );
  mount(root, page);

  let stream: MediaStream | null = null;
  let facing: Facing = "environment";
  let stopCountdown = () => {};
  const ring = new FrameRing(video);
  const handled = new Set<string>();
  let roomTitle = "";
  let memberName = "";

  const setState = (s: State, text: string) => {
    page.dataset.state = s;
    setText(message, text);
  };
  const showShot = (shotId: string, n: number) => {
    photos.hidden = false;
    gallery.show(shotId);
    mosaic.show(shotId, n);
  };

  api<RoomView>(`/api/rooms/${roomId}`)
    .then((room) => {
      roomTitle = room.title;
      setText(title, room.title || "Simulshot");
      document.title = `${room.title || "Join"} · Simulshot`;
      setText(members, ` · ${room.members} here`);
      if (room.shot && room.shot.uploaded > 0) showShot(room.shot.shotId, room.shot.uploaded);
    })
    .catch((e: unknown) => {
      if (e instanceof ApiFailure && e.status === 404)
        mount(root, h("h1", {}, "This room does not exist"), h("p", {}, "Check the link."));
    });

  const camera = async () => {
    stopCamera(stream);
    stage.hidden = false;
    stream = await openCamera(video, facing);
    page.dataset.cameraSize = `${video.videoWidth}x${video.videoHeight}`;
    // The preview shows the whole frame, as the photo will be.
    stage.style.aspectRatio = `${video.videoWidth} / ${video.videoHeight}`;
  };

  start.addEventListener("click", async () => {
    error.textContent = "";
    start.disabled = true;
    try {
      await camera();
    } catch (e) {
      stage.hidden = true;
      start.disabled = false;
      error.textContent = e instanceof CameraError ? e.message : String(e);
      return;
    }
    localStorage.setItem(NAME_KEY, name.value.trim());
    joinCard.hidden = true;
    shotCard.hidden = false;
    setState("ready", "Ready. Hold your phone up and wait for the organiser.");
    void (navigator as { wakeLock?: { request(t: "screen"): Promise<unknown> } }).wakeLock
      ?.request("screen")
      .catch(() => {});
    join(name.value.trim() || "Guest");
  });

  flip.addEventListener("click", async () => {
    facing = facing === "environment" ? "user" : "environment";
    try {
      await camera();
    } catch (e) {
      setText(message, e instanceof Error ? e.message : String(e));
    }
  });

  function join(who: string): void {
    memberName = who;
    const c = connectRoom(roomId, who, "guest");
    client = c;
    const saved = savedPlace(roomId);
    if (saved !== null) c.setPlace(saved);
    c.on("status", (s) => setText(status, describeStatus(s)));
    c.on("members", (m) => setText(members, ` · ${m.count} here`));
    c.on("sync", (e) => setText(clock, ` · ${describeBound(e.error)}`));
    c.on("welcome", (w) => {
      roomTitle = w.room.title;
      if (w.room.shot && w.room.shot.uploaded > 0) showShot(w.room.shot.shotId, w.room.shot.uploaded);
    });
    c.on("shoot", (s) => {
      if (handled.has(s.shotId)) return;
      const target = localTime(c, s.at);
      // Frames are kept only just before the instant: copying every frame all through the countdown
      // would cost the phone CPU and battery for nothing.
      const startRing = () => {
        if (!handled.has(s.shotId)) ring.start();
      };
      setTimeout(startRing, Math.max(0, target - c.now() - RING_LEAD_MS));
      stopCountdown();
      stopCountdown = showCountdown(count, target, c.now);
      setState("countdown", "Get ready…");
      showShot(s.shotId, 0);
    });
    c.on("fire", (f) => void onFire(c, f));
    c.on("missed", (m) => {
      if (handled.has(m.shotId)) return;
      setState("missed", "You joined just after the shot. You'll be in the next one.");
    });
    c.on("photos", (p) => {
      gallery.announce(p.shotId, p.count);
      mosaic.announce(p.shotId, p.count);
    });
    c.on("error", (e) => console.warn("[room]", e.code, e.message));
  }

  async function onFire(c: RoomClient, f: FireEvent): Promise<void> {
    if (handled.has(f.shotId)) return;
    handled.add(f.shotId);
    setState("capturing", "Got it! Saving…");
    setTimeout(() => stopCountdown(), 800);
    let shot: (Capture & Moment) | null;
    try {
      const taken = await captureAt(ring, localInstant(f.at, f.estimate));
      const moment = { at: f.at, bound: f.estimate.error, title: roomTitle, name: memberName };
      shot = taken && (await stampMoment(taken, moment));
    } catch (e) {
      shot = null;
      console.warn("[capture]", e);
    }
    if (!shot) return setState("failed", "The camera gave no picture for this shot.");
    showMine(shot, f.shotId);
    page.dataset.frameOffset = shot.frameOffset.toFixed(1);
    await waitForTurn(c, f);
    await upload(c, f.shotId, shot);
  }

  /** A big room spreads its uploads (the shoot's `spreadMs`): this phone waits for its random moment in that
   *  window, counting down, so the room's uploads reach the server at a steady rate instead of all at once. */
  async function waitForTurn(c: RoomClient, f: FireEvent): Promise<void> {
    const until = c.now() + c.uploadDelay(f);
    for (let left = until - c.now(); left > 0; left = until - c.now()) {
      const seconds = Math.ceil(left / 1000);
      setState("queued", `Got it! Uploading in ${seconds} s (a big room takes turns)…`);
      await new Promise((r) => setTimeout(r, left - (seconds - 1) * 1000));
    }
  }

  function showMine(shot: Capture & Moment, shotId: string): void {
    const url = URL.createObjectURL(shot.photo);
    const old = mine.querySelector("a")?.href;
    if (old) URL.revokeObjectURL(old);
    mount(
      mine,
      h("img", { src: url, alt: "Your photo" }),
      h(
        "p",
        { class: "muted" },
        `${shot.width}×${shot.height}, ${momentText(shot.frameOffset, shot.bound)} (${shot.source})`,
      ),
      h(
        "a",
        { class: "button secondary", href: url, download: `simulshot-${shotId}.jpg`, "data-testid": "save" },
        "Save photo",
      ),
    );
    mine.hidden = false;
  }

  async function upload(c: RoomClient, shotId: string, shot: Capture & Moment): Promise<void> {
    setState("uploading", "Uploading…");
    progress.hidden = false;
    progress.value = 0;
    try {
      await uploadCapture({
        roomId,
        shotId,
        token: () => c.uploadToken,
        capture: shot,
        onProgress: (fraction, attempt) => {
          progress.value = fraction;
          setText(
            message,
            attempt > 1
              ? `Uploading (try ${attempt})… ${Math.round(fraction * 100)}%`
              : `Uploading… ${Math.round(fraction * 100)}%`,
          );
        },
      });
      progress.hidden = true;
      setState("uploaded", "Uploaded. Here's everyone's photo:");
    } catch (e) {
      progress.hidden = true;
      const why = e instanceof UploadError ? e.message : String(e);
      setState("failed", `Upload failed: ${why}`);
      const retry = h("button", { class: "secondary" }, "Try again");
      retry.addEventListener("click", () => {
        retry.remove();
        void upload(c, shotId, shot);
      });
      message.after(retry);
    }
  }
}
