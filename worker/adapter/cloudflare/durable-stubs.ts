// The room Durable Object of a room id, as the RoomApi the routes use (checked by `satisfies`).
import type { RoomApi } from "../../platform.ts";

export function roomStub(env: Env, roomId: string, hint?: string): RoomApi {
  const id = env.ROOMS.idFromName(roomId);
  const stub = env.ROOMS.get(id, hint ? { locationHint: hint as DurableObjectLocationHint } : undefined);
  return stub satisfies RoomApi;
}
