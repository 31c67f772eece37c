// What every runtime's room entry points share: the guard that keeps one bad event from taking the
// room down, the refusal of socket requests the room cannot take, and the client a socket is for.
import { CLIENT_ID_PARAM, CloseCode, ErrorCode, ID } from "../../shared/protocol.ts";

/** Runs one entry point; a throw (or a rejected promise) is logged with the handler's name and the room's
 *  id (read only then), never rethrown. */
export function guard<T>(handler: string, roomId: () => string, fn: () => T): T | undefined {
  const log = (e: unknown) => console.error(`[Room.${handler} ${roomId() || "(no room)"}]`, e);
  try {
    const r = fn();
    if (r instanceof Promise) r.catch(log);
    return r;
  } catch (e) {
    log(e);
    return undefined;
  }
}

/** The client a socket request names in its URL (`?clientId=`): null when it names none, false when what it
 *  names is not an id. Its `join` must then use the same id. A URL without one is still taken today (older
 *  clients, raw sockets); a sharded room will need it to route the socket. */
export function socketClientId(url: string): string | null | false {
  const param = new URL(url).searchParams.get(CLIENT_ID_PARAM);
  if (param === null) return null;
  return ID.test(param) ? param : false;
}

export const BAD_CLIENT_ID_MESSAGE = `${CLIENT_ID_PARAM} must be the join's clientId ([A-Za-z0-9_-]{1,64})`;

/** The error response for a socket request the room refuses, or null when it may be upgraded. */
export function refuseUpgrade(request: Request): Response | null {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
    return Response.json(
      { error: { code: ErrorCode.UpgradeRequired, message: "expected a WebSocket upgrade" } },
      { status: 426 },
    );
  if (socketClientId(request.url) === false)
    return Response.json({ error: { code: ErrorCode.BadClientId, message: BAD_CLIENT_ID_MESSAGE } }, { status: 400 });
  return null;
}

/** Browsers never see an HTTP status on a failed upgrade (only 1006), so a client would retry forever:
 *  an unknown room is answered on the accepted socket, with a close code that tells it to stop. */
export function refuseUnknownRoom(socket: { send(s: string): void; close(code: number, reason: string): void }): void {
  socket.send(JSON.stringify({ type: "error", code: ErrorCode.RoomNotFound, message: "no such room" }));
  socket.close(CloseCode.UnknownRoom, "unknown room");
}
