// The Durable Objects of a room id: each object by name (a shard is `roomId/i`), and the room as the one
// RoomApi the routes use, routed over its shards (sharded-room.ts; checked by `satisfies`).
import type { RoomApi } from "../../platform.ts";
import type { ShardPeer } from "../../room/shard-link.ts";
import { shardName } from "../../room/shard-routing.ts";
import { shardedRoom } from "../../room/sharded-room.ts";

/** Object `index` of a room (0: the coordinator, or the whole room when it has one object). */
export function roomObject(env: Env, roomId: string, index: number, hint?: string) {
  const id = env.ROOMS.idFromName(shardName(roomId, index));
  const stub = env.ROOMS.get(id, hint ? { locationHint: hint as DurableObjectLocationHint } : undefined);
  return stub satisfies RoomApi & ShardPeer;
}

export function roomStub(env: Env, roomId: string, hint?: string): RoomApi {
  return shardedRoom(roomId, (index) => roomObject(env, roomId, index, hint));
}
