// The organiser's start page (`/`): log in with a name, create a room or reopen a recent one. A room
// opens at `/?room=<roomId>` so a reload keeps it.
import { ErrorCode, ROOM_ID } from "../../../shared/protocol.ts";
import { ApiFailure, api, session, type Login } from "../api.ts";
import { h, mount } from "../dom.ts";
import { roomPanel } from "./room-panel.ts";

const RECENT_KEY = "simulshot.rooms";

type Recent = { roomId: string; title: string };

function recentRooms(): Recent[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(v) ? (v as Recent[]).filter((r) => ROOM_ID.test(r?.roomId)) : [];
  } catch {
    return [];
  }
}

function remember(room: Recent): void {
  const list = [room, ...recentRooms().filter((r) => r.roomId !== room.roomId)].slice(0, 5);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
}

function openRoom(root: HTMLElement, roomId: string | null): void {
  history.pushState(null, "", roomId ? `/?room=${roomId}` : "/");
  organiserPage(root);
}

export function organiserPage(root: HTMLElement): void {
  const login = session.get();
  const roomId = new URLSearchParams(location.search).get("room");
  if (!login) return loginView(root);
  if (roomId && ROOM_ID.test(roomId)) return roomPanel(root, roomId, login, () => openRoom(root, null));
  createView(root, login);
}

function errorText(e: unknown): string {
  return e instanceof ApiFailure ? e.message : "something went wrong";
}

function loginView(root: HTMLElement): void {
  const name = h("input", {
    name: "name",
    required: true,
    maxlength: 40,
    autocomplete: "name",
    placeholder: "Your name",
  });
  const key = h("input", {
    name: "key",
    type: "password",
    autocomplete: "current-password",
    placeholder: "Organiser key",
  });
  const keyRow = h("label", { hidden: true }, "This server needs an organiser key", key);
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card" },
    h("label", {}, "Your name", name),
    keyRow,
    h("button", { class: "primary", type: "submit" }, "Log in"),
    error,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const body = { name: name.value.trim(), ...(key.value ? { key: key.value } : {}) };
      const r = await api<{ token: string; userId: string }>("/api/login", { method: "POST", body });
      session.set({ ...r, name: body.name });
      organiserPage(root);
    } catch (err) {
      if (err instanceof ApiFailure && err.code === ErrorCode.BadKey) keyRow.hidden = false;
      error.textContent = errorText(err);
    }
  });
  mount(
    root,
    h("header", {}, h("h1", {}, "Simulshot")),
    h("p", { class: "lead" }, "Everyone's phone, one instant."),
    form,
  );
  name.focus();
}

function createView(root: HTMLElement, login: Login): void {
  const title = h("input", { name: "title", maxlength: 80, placeholder: "e.g. Team photo" });
  // A crowd's size sets how many shards the room gets, once (docs/api.md, "Sharded rooms"): blank is a room of
  // one server object, for up to a few thousand guests.
  const expected = h("input", { name: "expected", type: "number", min: 0, step: 1, placeholder: "e.g. 5000" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card" },
    h("label", {}, "Room title", title),
    h("label", {}, "Guests expected (optional)", expected),
    h("button", { class: "primary", type: "submit" }, "Create a room"),
    error,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const r = await api<{ roomId: string }>("/api/rooms", {
        method: "POST",
        token: login.token,
        body: { title: title.value.trim(), ...(expected.value ? { expected: Number(expected.value) } : {}) },
      });
      remember({ roomId: r.roomId, title: title.value.trim() });
      openRoom(root, r.roomId);
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) {
        session.clear();
        return organiserPage(root);
      }
      error.textContent = errorText(err);
    }
  });
  const recent = recentRooms();
  const logout = () => {
    session.clear();
    organiserPage(root);
  };
  mount(
    root,
    h("header", {}, h("h1", {}, "Simulshot"), h("button", { class: "link", onclick: logout }, `Log out ${login.name}`)),
    form,
    recent.length > 0 &&
      h(
        "section",
        { class: "card" },
        h("h2", {}, "Your recent rooms"),
        h("ul", {}, ...recent.map((r) => h("li", {}, h("a", { href: `/?room=${r.roomId}` }, r.title || r.roomId)))),
      ),
  );
  title.focus();
}
