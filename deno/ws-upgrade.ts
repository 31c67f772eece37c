// WebSocket upgrades on Deno, taken from node:http's `upgrade` event by `ws` rather than Deno.upgradeWebSocket:
// Deno's has no maximum message size (denoland/deno#15809) and would buffer a message of up to 64 MiB before the
// room's 4 KB check; ws refuses one with 1009 as soon as a frame's header declares more than MAX_PAYLOAD.
// An upgrade request goes through the same app as any other; the room's answer decides whether it is taken.
import type { Buffer } from "node:buffer";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { WebSocketServer } from "ws";
import { LIMITS } from "../shared/protocol.ts";
import { type Fetch, type Upgrade, requestOf } from "./node-serve.ts";
import { ServerSocket } from "./server-socket.ts";

/** Over the room's limit, so a frame a little over it still gets the room's own error frame before its close
 *  (as on Workers); anything larger is refused unread. */
const MAX_PAYLOAD = 2 * LIMITS.maxFrameBytes;

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: MAX_PAYLOAD,
  perMessageDeflate: false,
  clientTracking: false,
  // As Deno's: no subprotocol is chosen.
  handleProtocols: () => false,
});

type Raw = { req: IncomingMessage; socket: Socket; head: Buffer };
const raw = new WeakMap<Request, Raw>();
const taken = new WeakMap<Response, ServerSocket>();

/** Deno.upgradeWebSocket's counterpart for a request that came through `upgrades`: the socket opens once the
 *  returned response is what the app answers. */
export function upgradeWebSocket(request: Request): { socket: ServerSocket; response: Response } {
  if (!raw.has(request)) throw new TypeError("not a WebSocket upgrade request of this server");
  const socket = new ServerSocket();
  const response = new Response(null, { status: 200 });
  taken.set(response, socket);
  return { socket, response };
}

/** node:http's `upgrade` handler: the request is answered by `fetch`; a socket the room took is handed to ws,
 *  any other answer is written as plain HTTP and the connection closed. */
export function upgrades(fetch: Fetch): Upgrade {
  return (req, socket, head) => {
    socket.on("error", () => {}); // a client gone before the handshake: nothing to tell
    const request = requestOf(req, null);
    if (!request) return refuse(socket, new Response(null, { status: 400 }));
    raw.set(request, { req, socket, head });
    Promise.resolve()
      .then(() => fetch(request, socket.remoteAddress ?? "unknown"))
      .then((response) => {
        const server = taken.get(response);
        if (!server) return refuse(socket, response);
        wss.handleUpgrade(req, socket, head, (ws) => server.open(ws, socket));
      })
      .catch((e: unknown) => {
        console.error("[upgrade]", e);
        refuse(socket, new Response(null, { status: 500 }));
      });
  };
}

async function refuse(socket: Socket, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`];
  for (const [name, value] of response.headers) if (name !== "content-length") lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${body.byteLength}`, "connection: close", "", "");
  if (!socket.writable) return void socket.destroy();
  socket.write(lines.join("\r\n"));
  socket.end(body);
}
