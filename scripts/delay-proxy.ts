// A loopback TCP proxy that delays bytes per direction (order kept) and can cut every connection
// abruptly: a slow or failing phone network between a client and the server, for the fault tests, and
// with a latency model (./network-latency.ts) for the load test and the e2e suite.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { Link } from "./network-latency.ts";

/** Writes chunks to `to` no earlier than `delay()` ms after they arrived, in arrival order: one queue and
 *  one timer per direction (timers of different lengths due in the same ms may run in either order). */
function delayedPipe(from: Socket, to: Socket, delay: () => number): void {
  const queue: Array<{ at: number; chunk: Buffer | null }> = [];
  let timer: NodeJS.Timeout | null = null;
  const release = () => {
    timer = null;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(release, queue[0]!.at - now);
  };
  const push = (chunk: Buffer | null) => {
    const last = queue.length > 0 ? queue[queue.length - 1]!.at : 0;
    queue.push({ at: Math.max(Date.now() + delay(), last), chunk });
    if (timer === null) release();
  };
  from.on("data", (chunk: Buffer) => push(chunk));
  from.on("end", () => push(null));
}

export class DelayProxy {
  /** Delay of bytes from the server to the client, ms. */
  downMs = 0;
  /** Delay of bytes from the client to the server, ms. */
  upMs = 0;
  /** Connections made so far. */
  connections = 0;
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on 127.0.0.1 and forwards to the host and port of `target` (an http:// URL); each connection
   *  gets a link of its own from `links`, whose delays add to downMs/upMs. */
  static start(target: string, links?: () => Link): Promise<DelayProxy> {
    const t = new URL(target);
    let proxy!: DelayProxy;
    const server = createServer((client) => {
      const upstream = connect(Number(t.port), t.hostname);
      const pair: [Socket, Socket] = [client, upstream];
      proxy.pairs.add(pair);
      proxy.connections++;
      const link = links?.();
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      delayedPipe(client, upstream, () => proxy.upMs + (link ? link.up() : 0));
      delayedPipe(upstream, client, () => proxy.downMs + (link ? link.down() : 0));
      const cut = () => {
        proxy.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", cut).on("close", () => upstream.end());
      upstream.on("error", cut).on("close", () => client.end());
    });
    return new Promise((resolve, reject) => {
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        proxy = new DelayProxy(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
        resolve(proxy);
      });
    });
  }

  /** Resets every connection (TCP RST), as a phone that loses its network does. */
  cutAll(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
  }

  close(): Promise<void> {
    this.cutAll();
    return new Promise((r) => this.server.close(() => r()));
  }
}
