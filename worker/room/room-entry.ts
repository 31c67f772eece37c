// What every runtime's room entry points share: the guard that keeps one bad event from taking the
// room down, and the refusal of socket requests the room cannot take.
import { CloseCode, ErrorCode } from "../../shared/protocol.ts";

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

/** The error response for a socket request the room refuses, or null when it may be upgraded. */
export function refuseUpgrade(request: Request): Response | null {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
    return Response.json(
      { error: { code: ErrorCode.UpgradeRequired, message: "expected a WebSocket upgrade" } },
      { status: 426 },
    );
  return null;
}

/** Browsers never see an HTTP status on a failed upgrade (only 1006), so a client would retry forever:
 *  an unknown room is answered on the accepted socket, with a close code that tells it to stop. */
export function refuseUnknownRoom(socket: { send(s: string): void; close(code: number, reason: string): void }): void {
  socket.send(JSON.stringify({ type: "error", code: ErrorCode.RoomNotFound, message: "no such room" }));
  socket.close(CloseCode.UnknownRoom, "unknown room");
}
