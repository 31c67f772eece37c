// Durable Object stubs by name: the room of a room id, the mosaic builder of a (room, shot).
import type { RoomApi } from "../../platform.ts";
import type { MosaicRef } from "../../mosaic/mosaic-host.ts";
import type { Mosaic } from "./mosaic-object.ts";

export function roomStub(env: Env, roomId: string, hint?: string): RoomApi {
  const id = env.ROOMS.idFromName(roomId);
  return env.ROOMS.get(
    id,
    hint ? { locationHint: hint as DurableObjectLocationHint } : undefined,
  ) as unknown as RoomApi;
}

export function mosaicStub(env: Env, ref: MosaicRef): DurableObjectStub<Mosaic> {
  return env.MOSAICS.get(env.MOSAICS.idFromName(`${ref.roomId}/${ref.shotId}`));
}
