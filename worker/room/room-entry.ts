// What every runtime's room entry points share: the guard that keeps one bad event from taking the
// room down, and the refusal of socket requests the room cannot take.
import type { RoomEngine } from "./room-engine.ts";

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

/** The error response for a socket request the room refuses, or null when it may be upgraded. */
export function refuseUpgrade(request: Request, engine: RoomEngine): Response | null {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
    return Response.json(
      { error: { code: "upgrade_required", message: "expected a WebSocket upgrade" } },
      { status: 426 },
    );
  if (!engine.exists)
    return Response.json({ error: { code: "room_not_found", message: "no such room" } }, { status: 404 });
  return null;
}
