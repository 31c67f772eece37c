// Where a sharded room's work goes: how many shards a room has (fixed at creation, written in its id), which
// shard a client's socket and a member's or photo's requests go to, and the tree the shoot fans out along.

/** Shards one object calls at once: the Workers limit of 6 simultaneous open connections per invocation. */
export const FAN_OUT = 6;
/** Members' sockets one shard takes by default (SHARD_MEMBERS): docs/scale.md, "How K was chosen". */
export const DEFAULT_SHARD_MEMBERS = 4096;
/** A hash fills shards unevenly: a room is sized so that the mean shard is this full (docs/scale.md). */
const FILL = 0.9;
const MAX_SHARDS = 99_999;

/** Shards for a room of `expected` members at K members a shard: 1 (the coordinator alone) up to 0.9 K. */
export function shardsFor(expected: number, k: number): number {
  return Math.min(MAX_SHARDS, Math.max(1, Math.ceil(expected / (FILL * k))));
}

/** A new room's id: its 22 random characters, then `-S` when it has S > 1 shards (ROOM_ID in protocol.ts). */
export function shardedRoomId(random: string, shards: number): string {
  return shards > 1 ? `${random}-${shards}` : random;
}

/** The shard count a room id carries (1 for a room of one object). */
export function shardCount(roomId: string): number {
  return roomId.length > 23 && roomId[22] === "-" ? Number(roomId.slice(23)) : 1;
}

/** The object name of shard `index`: the room id itself for shard 0, the coordinator. */
export function shardName(roomId: string, index: number): string {
  return index === 0 ? roomId : `${roomId}/${index}`;
}

/** The shard a client's socket (and so its membership) lives on: FNV-1a of its id, mod S. Stable, so a
 *  reconnect lands on the same shard. */
export function shardOfClient(clientId: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < clientId.length; i++) h = Math.imul(h ^ clientId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

/** An id a shard makes (member, photo): shard 0's as they are, shard i's with `-i` after them (newId()
 *  makes hex, so the suffix is unambiguous). */
export function shardLocalId(id: string, index: number): string {
  return index === 0 ? id : `${id}-${index}`;
}

/** The shard a member or photo id was made by, or null when no shard of this room made it. */
export function shardOfId(id: string, shards: number): number | null {
  const m = /-([1-9][0-9]{0,4})$/.exec(id);
  const index = m ? Number(m[1]) : 0;
  return index < shards ? index : null;
}

/** The shards `index` calls in the fan-out tree (node n calls n·F+1 … n·F+F). */
export function childrenOf(index: number, shards: number): number[] {
  const out: number[] = [];
  for (let c = index * FAN_OUT + 1; c <= index * FAN_OUT + FAN_OUT && c < shards; c++) out.push(c);
  return out;
}

/** The shard of a room that made a member's or photo's id (0 for an id no shard of it made). */
export function shardOfRoomId(roomId: string, id: string): number {
  return shardOfId(id, shardCount(roomId)) ?? 0;
}

/** calls(0) … calls(n − 1), at most FAN_OUT at a time (the Workers limit on open connections). */
export async function inBatches<T>(n: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += FAN_OUT) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + FAN_OUT); j++) batch.push(call(j));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}
