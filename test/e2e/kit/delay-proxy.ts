// A loopback TCP proxy that delays bytes per direction (order kept) and can cut every connection
// abruptly: a slow or failing phone network between a client and the server, for the fault tests.
import { createServer, connect, type Server, type Socket } from "node:net";

/** Writes chunks to `to` no earlier than `delay()` ms after they arrived, in arrival order. */
function delayedPipe(from: Socket, to: Socket, delay: () => number): void {
  let lastRelease = 0;
  const later = (fn: () => void) => {
    const at = Math.max(Date.now() + delay(), lastRelease);
    lastRelease = at;
    const wait = at - Date.now();
    if (wait <= 0) fn();
    else setTimeout(fn, wait);
  };
  from.on("data", (chunk) => later(() => !to.destroyed && to.write(chunk)));
  from.on("end", () => later(() => !to.destroyed && to.end()));
}

export class DelayProxy {
  /** Delay of bytes from the server to the client, ms. */
  downMs = 0;
  /** Delay of bytes from the client to the server, ms. */
  upMs = 0;
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on 127.0.0.1 and forwards to the host and port of `target` (an http:// URL). */
  static start(target: string): Promise<DelayProxy> {
    const t = new URL(target);
    let proxy!: DelayProxy;
    const server = createServer((client) => {
      const upstream = connect(Number(t.port), t.hostname);
      const pair: [Socket, Socket] = [client, upstream];
      proxy.pairs.add(pair);
      delayedPipe(client, upstream, () => proxy.upMs);
      delayedPipe(upstream, client, () => proxy.downMs);
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
