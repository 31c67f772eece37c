// Opens the shared RoomClient over the browser's WebSocket, with a client id that is stable per tab
// (a reload resumes the same membership; two tabs are two members).
import { CloseCode } from "../../shared/protocol.ts";
import type { Role } from "../../shared/protocol.ts";
import { localInstant } from "../../shared/clock-sync.ts";
import { RoomClient } from "../../shared/room-client.ts";

const CLIENT_ID_KEY = "simulshot.clientId";

function randomId(): string {
  // getRandomValues, not randomUUID: the latter is missing outside secure contexts (http on a LAN).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function tabClientId(): string {
  let id = sessionStorage.getItem(CLIENT_ID_KEY);
  if (!id) {
    id = randomId();
    sessionStorage.setItem(CLIENT_ID_KEY, id);
  }
  return id;
}

export function connectRoom(roomId: string, name: string, role: Role): RoomClient {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return new RoomClient({
    url: `${scheme}//${location.host}/api/rooms/${roomId}/ws`,
    connect: (url) => new WebSocket(url),
    clientId: tabClientId(),
    name,
    role,
    // Phone clocks drift by tens of ppm: a small re-sync round every 30 s keeps the bound honest.
    resyncMs: 30_000,
  });
}

/** The server instant `at` on this client's clock, by its current estimate (as is, before it has one). */
export function localTime(client: RoomClient, at: number): number {
  return client.estimate ? localInstant(at, client.estimate) : at;
}

/** "connected", or why not and what happens next, for the status line. */
export function describeStatus(s: { connected: boolean; attempt: number; closeCode?: number }): string {
  if (s.connected) return "connected";
  if (s.closeCode === CloseCode.UnknownRoom) return "this room does not exist";
  if (s.closeCode === CloseCode.VersionMismatch) return "this page is out of date: reload it";
  return `reconnecting (attempt ${s.attempt + 1})…`;
}
