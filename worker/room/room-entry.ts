// What every runtime's room entry points share: the guard that keeps one bad event from taking the
// room down, and the refusal of socket requests the room cannot take.
import { CloseCode, ErrorCode } from "../../shared/protocol.ts";

/** Runs one entry point; a throw (or a rejected promise) is logged with the handler's name, never rethrown. */
export function guard<T>(handler: string, fn: () => T): T | undefined {
  try {
    const r = fn();
    if (r instanceof Promise) r.catch((e: unknown) => console.error(`[Room.${handler}]`, e));
    return r;
  } catch (e) {
    console.error(`[Room.${handler}]`, e);
    return undefined;
  }
}

/** The error response for a socket request that is no WebSocket upgrade, or null when it may be upgraded. */
export function refuseUpgrade(request: Request): Response | null {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
    return Response.json(
      { error: { code: "upgrade_required", message: "expected a WebSocket upgrade" } },
      { status: 426 },
    );
  return null;
}

/** Tells a just-upgraded socket that its room does not exist and closes it with the code that stops the
 *  client: browsers never see an upgrade's HTTP status (only 1006), so a 404 would be retried forever. */
export function turnAway(socket: { send(frame: string): void; close(code: number, reason: string): void }): void {
  socket.send(JSON.stringify({ type: "error", code: ErrorCode.RoomNotFound, message: "no such room" }));
  socket.close(CloseCode.UnknownRoom, "unknown room");
}
