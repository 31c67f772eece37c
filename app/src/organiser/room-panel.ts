// The organiser's room: the QR code and link to share, the live "M ready of N joined" count (guests whose
// clock is synced; the organiser joins as a viewer, so it is not counted) and how many of them are on a
// network too slow for a tight clock, the Shoot/Retake button, then the mosaic, gallery, ZIP and sync report.
import { ErrorCode, type PhotoView, type RoomView, type ShotReport } from "../../../shared/protocol.ts";
import { ApiFailure, api, session, type Login } from "../api.ts";
import { describeWide } from "../clock-bound.ts";
import { showCountdown } from "../countdown.ts";
import { h, mount, setText } from "../dom.ts";
import { Gallery } from "../gallery.ts";
import { MosaicView } from "../mosaic-view.ts";
import { connectRoom, describeStatus, localTime } from "../room-connection.ts";
import { throttle } from "../throttle.ts";
import { qrSvg } from "./qr-code.ts";
import { renderShotReport } from "./shot-report-view.ts";
import { SweepView } from "./sweep/sweep-view.ts";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The organiser's view of one room; `back` goes back to the room list (the page owns navigation). */
export function roomPanel(root: HTMLElement, roomId: string, login: Login, back: () => void): void {
  const joinUrl = `${location.origin}/r/${roomId}`;
  const title = h("h1", {}, "Room");
  const status = h("span", { class: "status", "data-testid": "status" }, "connecting…");
  const ready = h("strong", { "data-testid": "ready-count" }, "0");
  const joined = h("span", { "data-testid": "joined-count" }, "0");
  const wide = h("p", { class: "muted", "data-testid": "wide-count" }, "");
  const shoot = h("button", { class: "shoot", disabled: true }, "Shoot");
  const hint = h("p", { class: "muted" }, "Waiting for guests to open the link.");
  const count = h("div", { class: "countdown", hidden: true, "aria-live": "assertive" });
  const error = h("p", { class: "error", role: "alert" });
  const shotTitle = h("h2", {}, "The shot");
  const progress = h("p", { class: "muted", "data-testid": "shot-progress" });
  const zip = h("button", { class: "secondary", "data-testid": "zip" }, "Download all (ZIP)");
  const report = h("div", { class: "report" });
  const gallery = new Gallery(roomId, { onRemove: (p) => removePhoto(p) });
  const mosaic = new MosaicView(roomId);
  const sweep = new SweepView(roomId);
  const shotSection = h(
    "section",
    { class: "card", hidden: true },
    shotTitle,
    progress,
    mosaic.el,
    zip,
    report,
    sweep.el,
    gallery.el,
  );
  const copy = h("button", { class: "secondary", hidden: !navigator.clipboard }, "Copy link");
  copy.addEventListener("click", () =>
    navigator.clipboard.writeText(joinUrl).then(
      () => setText(copy, "Copied"),
      () => setText(copy, "Copy failed"),
    ),
  );

  mount(
    root,
    h("header", {}, title, h("button", { class: "link", onclick: () => leave() }, "All rooms")),
    h(
      "section",
      { class: "card share" },
      qrSvg(joinUrl, "QR code of the join link"),
      h("p", {}, h("a", { href: joinUrl, target: "_blank", "data-testid": "join-url" }, joinUrl)),
      copy,
      h(
        "a",
        { class: "button secondary", href: `/r/${roomId}/screen`, target: "_blank", "data-testid": "open-screen" },
        "Event screen (for a projector)",
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("p", { class: "ready" }, ready, " ready of ", joined, " joined"),
      wide,
      status,
      shoot,
      hint,
      error,
    ),
    count,
    shotSection,
  );

  const client = connectRoom(roomId, login.name, "viewer");
  let shotId: string | null = null;
  let pending = false;
  let members = 0;
  let stopCountdown = () => {};
  let countdownEnd: ReturnType<typeof setTimeout> | undefined;
  let done: { missing: number } | null = null;

  /** Leaving the room: nothing of it keeps running (the socket, the countdown, a playing sweep). */
  const close = () => {
    client.close();
    clearTimeout(countdownEnd);
    stopCountdown();
    sweep.stop();
  };
  const leave = () => {
    close();
    back();
  };
  const fail = (e: unknown) => {
    if (e instanceof ApiFailure && e.status === 401) {
      session.clear();
      close();
      return back();
    }
    error.textContent = e instanceof ApiFailure ? e.message : String(e);
  };
  const updateButton = () => {
    shoot.disabled = pending || members === 0;
    setText(shoot, pending ? "Shooting…" : shotId ? "Retake" : "Shoot");
    hint.hidden = members > 0;
  };

  const loadReport = async () => {
    if (!shotId) return;
    try {
      const r = await api<ShotReport>(`/api/rooms/${roomId}/shots/${shotId}`, { token: login.token });
      if (r.shotId === shotId) renderShotReport(report, r);
    } catch (e) {
      if (e instanceof ApiFailure && e.code === ErrorCode.NotOwner)
        report.textContent = "Only the room's owner sees the report.";
      else fail(e);
    }
  };
  const refreshReport = throttle(() => void loadReport(), 2000);

  const showShot = (id: string, photos: number) => {
    shotSection.hidden = false;
    if (id === shotId) return;
    shotId = id;
    done = null;
    report.replaceChildren();
    setText(progress, "");
    gallery.show(id);
    mosaic.show(id, photos);
    sweep.show(id);
  };

  // Called twice a shot when the organiser shoots (the answer to its request, then the room's `shoot`): the
  // first countdown's end timer must not stop the second.
  const countdownTo = (at: number) => {
    stopCountdown();
    clearTimeout(countdownEnd);
    const target = localTime(client, at);
    stopCountdown = showCountdown(count, target, client.now);
    countdownEnd = setTimeout(() => stopCountdown(), Math.max(0, target - client.now()) + 1500);
  };

  /** The login token never goes into a URL: the server mints a link valid for this shot for a few minutes. */
  async function downloadZip(): Promise<void> {
    if (!shotId) return;
    try {
      const link = await api<{ url: string }>(`/api/rooms/${roomId}/shots/${shotId}/zip-link`, {
        method: "POST",
        token: login.token,
      });
      // `download` keeps an error answer from replacing the page; a ZIP is saved under its own name.
      const a = h("a", { href: link.url, download: "", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      fail(e);
    }
  }
  zip.addEventListener("click", () => void downloadZip());

  async function removePhoto(p: PhotoView): Promise<boolean> {
    try {
      await api(`/api/rooms/${roomId}/photos/${p.photoId}`, { method: "DELETE", token: login.token });
      mosaic.announce(p.shotId, gallery.count - 1);
      return true;
    } catch (e) {
      fail(e);
      return false;
    }
  }

  shoot.addEventListener("click", async () => {
    error.textContent = "";
    pending = true;
    updateButton();
    try {
      const r = await api<{ shotId: string; at: number }>(`/api/rooms/${roomId}/shoot`, {
        method: "POST",
        token: login.token,
      });
      showShot(r.shotId, 0);
      countdownTo(r.at);
    } catch (e) {
      pending = false;
      updateButton();
      fail(e);
    }
  });

  api<RoomView>(`/api/rooms/${roomId}`)
    .then((room) => {
      document.title = `${room.title || "Room"} · Simulshot`;
      setText(title, room.title || "Room");
    })
    .catch(fail);

  const showProgress = (n: number) =>
    setText(progress, done ? `Done: ${plural(n, "photo")}, ${done.missing} missing` : `${plural(n, "photo")} in`);
  client.on("status", (s) => setText(status, describeStatus(s)));
  client.on("members", (m) => {
    members = m.count;
    setText(ready, String(m.ready));
    setText(joined, String(m.count));
    setText(wide, describeWide(m.wide));
    updateButton();
  });
  client.on("welcome", (w) => {
    const shot = w.room.shot;
    pending = shot?.state === "pending";
    if (shot) {
      showShot(shot.shotId, shot.uploaded);
      if (shot.state === "done") done = { missing: Math.max(0, shot.expected - shot.uploaded) };
      showProgress(shot.uploaded);
      void loadReport();
    }
    updateButton();
  });
  client.on("shoot", (s) => {
    pending = true;
    showShot(s.shotId, 0);
    countdownTo(s.at);
    updateButton();
  });
  client.on("photos", (p) => {
    if (p.shotId && p.shotId !== shotId) return;
    showProgress(p.count);
    gallery.announce(p.shotId, p.count);
    mosaic.announce(p.shotId, p.count);
    sweep.announce();
    refreshReport();
  });
  client.on("shot-done", (d) => {
    if (d.shotId !== shotId) return;
    pending = false;
    // The room sends shot-done at once and the coalesced photo count just after: both show this.
    done = { missing: d.missing };
    showProgress(d.uploaded);
    updateButton();
    void loadReport();
  });
  client.on("error", (e) => console.warn("[room]", e.code, e.message));
  window.addEventListener("popstate", close, { once: true });
}
