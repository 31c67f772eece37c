// The shards of a sharded room as its owner's stats answer them (GET /api/rooms/:id/stats), for the load
// test's summary: one line per shard and the busiest shard's socket count. Absent on an unsharded server.

export type ShardStat = { index: number; members: number; sockets: number };
export type ShardReport = { shards: ShardStat[] | null; max_sockets: number | null; note: string };

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** Reads the stats answer (status, body); never throws: a room without shards or a failed request is a note. */
export function shardReport(status: number, body: unknown): ShardReport {
  if (status !== 200) return { shards: null, max_sockets: null, note: `room stats answered ${status}` };
  const raw = typeof body === "object" && body !== null ? (body as { shards?: unknown }).shards : undefined;
  if (!Array.isArray(raw)) return { shards: null, max_sockets: null, note: "room stats have no shards" };
  const shards: ShardStat[] = [];
  for (const s of raw as unknown[]) {
    const { index, members, sockets } = (s ?? {}) as Record<string, unknown>;
    if (!isCount(index) || !isCount(members) || !isCount(sockets))
      return { shards: null, max_sockets: null, note: `room stats have a malformed shard: ${JSON.stringify(s)}` };
    shards.push({ index, members, sockets });
  }
  const max = shards.length ? Math.max(...shards.map((s) => s.sockets)) : null;
  return { shards, max_sockets: max, note: `${shards.length} shard${shards.length === 1 ? "" : "s"}` };
}

/** The summary's lines: the shards, then the most sockets on one shard. */
export function shardLines(r: ShardReport): string[] {
  if (!r.shards) return [`shards: none reported (${r.note})`];
  const each = r.shards.map((s) => `#${s.index} ${s.members} members / ${s.sockets} sockets`).join(", ");
  return [`shards: ${r.note}: ${each || "–"}`, `max sockets per shard: ${r.max_sockets ?? "–"}`];
}
