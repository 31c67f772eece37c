// The shoot's fan-out in a sharded room, event by event: the owner's request reaches the coordinator, the
// coordinator calls shards as an F-ary tree (each node at most `maxInFlight` RPCs open at once: the
// Workers limit of 6 simultaneous connections), and every shard sends the frame to its own sockets.
import type { Costs } from "./costs.ts";
import { EventQueue } from "./event-queue.ts";
import { SimObject } from "./sim-object.ts";

export type FanoutParams = {
  /** Members on each shard (index = shard). */
  shardSizes: number[];
  /** Children per tree node; ≥ the shard count makes it flat (the coordinator calls every shard). */
  fanout: number;
  /** RPCs a node keeps open at once. */
  maxInFlight: number;
  /** A shard answers its parent's RPC first and broadcasts after (true), or answers once its broadcast is done. */
  ackFirst: boolean;
  /** Sockets per broadcast task: between tasks, the object handles what queued up (acks, next RPCs). */
  chunk: number;
  costs: Costs;
};

export type FanoutResult = {
  /** When each socket's frame left its shard, ms after the owner's request reached the Worker, sorted. */
  sent: Float64Array;
  /** When the last shard got the shoot RPC, ms. */
  lastShardReached: number;
  /** Tree depth: RPC hops from the coordinator to the deepest shard. */
  depth: number;
};

type Ev =
  { kind: "arrive"; node: number } | { kind: "ack"; node: number } | { kind: "chunk"; shard: number; from: number };

/** Node 0 is the coordinator; shard i is node i + 1. Node n's children are n·F + 1 … n·F + F. */
export function children(node: number, fanout: number, shards: number): number[] {
  const out: number[] = [];
  for (let c = node * fanout + 1; c <= Math.min(node * fanout + fanout, shards); c++) out.push(c);
  return out;
}

export function treeDepth(shards: number, fanout: number): number {
  let depth = 0;
  let node = shards; // the last shard is the deepest
  while (node > 0) {
    node = Math.floor((node - 1) / fanout);
    depth++;
  }
  return depth;
}

export function simulateShoot(p: FanoutParams): FanoutResult {
  const c = p.costs;
  const shards = p.shardSizes.length;
  const objects = Array.from({ length: shards + 1 }, () => new SimObject());
  const q = new EventQueue<Ev>();
  const sent = new Float64Array(p.shardSizes.reduce((a, b) => a + b, 0));
  let nSent = 0;
  let lastShardReached = 0;
  /** Per node: children still to call, and RPCs open now. */
  const pending = objects.map((_, n) => children(n, p.fanout, shards));
  const open = Array.from({ length: shards + 1 }, () => 0);

  /** Calls children of `node` from time `t` while slots are free; each call costs the caller CPU. */
  const callChildren = (node: number, t: number): number => {
    let now = t;
    while (open[node]! < p.maxInFlight && pending[node]!.length > 0) {
      const child = pending[node]!.shift()!;
      open[node]!++;
      now = objects[node]!.serve(now, c.rpcCallerCpuMs).end;
      q.push(now + c.rpcRttMs / 2, { kind: "arrive", node: child });
    }
    return now;
  };

  // The owner's request: Worker → coordinator (one hop), whose shoot writes the shot and starts the tree.
  q.push(c.rpcRttMs / 2, { kind: "arrive", node: 0 });
  q.run(({ time, payload: e }) => {
    if (e.kind === "arrive") {
      const obj = objects[e.node]!;
      const got = obj.serve(time, c.rpcCalleeCpuMs);
      if (e.node === 0) {
        callChildren(0, obj.serve(got.end, c.shootFixedCpuMs).end);
        return;
      }
      lastShardReached = Math.max(lastShardReached, got.end);
      const parent = Math.floor((e.node - 1) / p.fanout);
      // The answer (or not yet), its children, its own rows for the shot, then its sockets.
      if (p.ackFirst) q.push(got.end + c.rpcRttMs / 2, { kind: "ack", node: parent });
      const called = callChildren(e.node, got.end);
      const next = obj.serve(called, p.shardSizes[e.node - 1]! * c.shootRowCpuMs).end;
      q.push(next, { kind: "chunk", shard: e.node, from: 0 });
      return;
    }
    if (e.kind === "ack") {
      open[e.node]!--;
      const done = objects[e.node]!.serve(time, c.rpcCallerCpuMs).end;
      callChildren(e.node, done);
      return;
    }
    const size = p.shardSizes[e.shard - 1]!;
    const n = Math.min(p.chunk, size - e.from);
    const { start, end } = objects[e.shard]!.serve(time, n * c.sendCpuMs);
    for (let j = 1; j <= n; j++) sent[nSent++] = start + j * c.sendCpuMs;
    if (e.from + n < size) q.push(end, { kind: "chunk", shard: e.shard, from: e.from + n });
    else if (!p.ackFirst) q.push(end + c.rpcRttMs / 2, { kind: "ack", node: Math.floor((e.shard - 1) / p.fanout) });
  });
  sent.sort();
  return { sent, lastShardReached, depth: treeDepth(shards, p.fanout) };
}
