// The Deno server's HTTP, over node:http (Deno's Node compatibility) rather than Deno.serve: its `upgrade` event
// hands over the connection's own socket, so a WebSocket frame can be refused by its declared length before it is
// read (ws-upgrade.ts). Every other request becomes a web Request with a streamed body, as under Deno.serve.
import type { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

const LINGER_MS = 2_000;

export type Fetch = (request: Request, peer: string) => Response | Promise<Response>;
export type Upgrade = (req: IncomingMessage, socket: Socket, head: Buffer) => void;

/** The web Request for `req`: its URL from the Host header (as Deno.serve makes it), null when it makes none. */
export function requestOf(req: IncomingMessage, body: ReadableStream<Uint8Array> | null): Request | null {
  const headers = new Headers();
  try {
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const target = req.url ?? "/";
    // Concatenated, not resolved: a path of "//host/x" stays a path.
    const url = target.startsWith("/") ? `http://${req.headers.host ?? "localhost"}${target}` : target;
    return new Request(url, { method: req.method, headers, body, ...(body ? { duplex: "half" } : {}) });
  } catch {
    return null;
  }
}

/** What became of a request's body: a body neither read to its end nor dropped ends its connection. */
type BodyState = { ended: boolean; dropped: boolean };

/** The body as a stream read on demand: nothing is read until the handler asks. Cancelled, the rest is read and
 *  dropped so the connection can carry the next request (Platform.answerEarly). */
function bodyOf(req: IncomingMessage, state: BodyState): ReadableStream<Uint8Array> {
  let listening = false;
  const listen = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    listening = true;
    req.on("data", (chunk: Uint8Array) => {
      controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      req.pause();
    });
    req.once("end", () => {
      state.ended = true;
      if (!state.dropped) controller.close();
    });
    // The client gone mid-body: the reader gets an error, not a wait.
    req.once("close", () => {
      if (!state.ended && !state.dropped) controller.error(new Error("the request body ended early"));
    });
  };
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!listening) listen(controller);
        req.resume();
      },
      cancel() {
        state.dropped = true;
        req.removeAllListeners("data");
        req.resume();
      },
    },
    { highWaterMark: 0 },
  );
}

/** A connection closed with request bytes unread sends a reset, and a reset can drop the answer from the client's
 *  buffer before it is read (Deno.serve lingered): so the answer ends with a FIN, and what the client still sends
 *  is read and dropped until it closes or LINGER_MS pass. */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS);
  };
}

/** Writes `response` to `res`, streamed with backpressure; a body of one chunk goes out with its length. */
async function send(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.once("close", () => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  });
  const first = await reader.read();
  if (first.done) return void res.end();
  let next = await reader.read();
  if (next.done) return void res.end(first.value);
  res.write(first.value);
  while (!next.done) {
    if (!res.write(next.value)) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve));
    if (res.destroyed) return;
    next = await reader.read();
  }
  res.end();
}

export type NodeServer = {
  /** Stops taking connections, closes idle ones, and resolves once every request in flight has been answered
   *  and every connection (sockets included: close them first) has ended. */
  shutdown(): Promise<void>;
};

export function serveNode(o: {
  port: number;
  hostname: string;
  onListen(address: { hostname: string; port: number }): void;
  fetch: Fetch;
  upgrade: Upgrade;
}): NodeServer {
  let stopping = false;
  const server = createServer(
    // As under Deno.serve: an idle keep-alive connection stays open, and a slow upload has no deadline.
    { keepAliveTimeout: 0, requestTimeout: 0 },
    async (req, res) => {
      const state: BodyState = { ended: false, dropped: false };
      const bodyless = req.method === "GET" || req.method === "HEAD";
      const request = requestOf(req, bodyless ? null : bodyOf(req, state));
      if (!request) {
        res.statusCode = 400;
        return void res.end();
      }
      let response: Response;
      try {
        response = await o.fetch(request, req.socket.remoteAddress ?? "unknown");
      } catch (e) {
        console.error("[serve]", e);
        response = new Response(null, { status: 500 });
      }
      // Bytes of this request still to come and nobody to drop them: the next request could not be found.
      const unread = !req.complete && !state.ended && !state.dropped;
      if (stopping || unread) res.shouldKeepAlive = false;
      if (unread) lingerOnClose(req.socket);
      res.once("finish", () => {
        if (stopping) setImmediate(() => server.closeIdleConnections());
      });
      await send(res, response).catch((e) => {
        console.error("[serve]", e);
        res.destroy();
      });
    },
  );
  server.on("upgrade", o.upgrade);
  // node:http accepts more slowly than Deno.serve: in a storm of 3000 sockets its queue of connections not yet
  // accepted reached 1486 (Deno.serve's 207), past the default 511, where the kernel drops a connection's first
  // try and the phone retries a second later. The kernel caps it at net.core.somaxconn.
  server.listen({ port: o.port, host: o.hostname, backlog: 4096 }, () => {
    const a = server.address();
    if (a && typeof a === "object") o.onListen({ hostname: a.address, port: a.port });
  });
  return {
    shutdown: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
