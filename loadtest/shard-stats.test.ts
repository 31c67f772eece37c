// The summary's shards: read from the owner stats' `shards` array when the server answers one, a note when
// it does not (an unsharded server, a refused request, a malformed entry), never an exception.
import { describe, expect, it } from "vitest";
import { shardLines, shardReport } from "./shard-stats.ts";

describe("the room's shards in the load test's summary", () => {
  it("lists each shard and the most sockets on one", () => {
    const r = shardReport(200, {
      members: 5,
      shards: [
        { index: 0, members: 2, sockets: 2 },
        { index: 1, members: 3, sockets: 4 },
      ],
    });
    expect(r.max_sockets).toBe(4);
    expect(shardLines(r)).toEqual([
      "shards: 2 shards: #0 2 members / 2 sockets, #1 3 members / 4 sockets",
      "max sockets per shard: 4",
    ]);
  });

  it("says so when there are none to read", () => {
    expect(shardLines(shardReport(200, { members: 5, photos: 0 }))).toEqual([
      "shards: none reported (room stats have no shards)",
    ]);
    expect(shardReport(403, null).note).toBe("room stats answered 403");
    expect(shardReport(200, { shards: [{ index: 0, members: "2" }] }).shards).toBeNull();
  });
});
