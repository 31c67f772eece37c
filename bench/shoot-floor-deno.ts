// The least a shoot can cost on Deno: sockets accepted as the project's Deno server accepts them (node:http's
// `upgrade`, `ws`, no compression), and POST /shoot sending one serialised frame to every one, 202.
// The floor `bench/shoot-bench.ts` compares the project's shoot delivery with. Run: `deno run -A
// bench/shoot-floor-deno.ts` with PORT. Not part of the product.
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";

const port = Number(Deno.env.get("PORT") ?? 8011);
const sockets = new Set<WebSocket>();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/shoot") return void res.writeHead(200).end("floor");
  const frame = JSON.stringify({ type: "shoot", shotId: crypto.randomUUID(), at: Date.now() + 1500, spreadMs: 0 });
  for (const ws of sockets) ws.send(frame);
  res.writeHead(202, { "Content-Type": "application/json" }).end(JSON.stringify({ sockets: sockets.size }));
});
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
  });
});
// As the project's server (deno/node-serve.ts): a join storm's connections wait in a long accept queue.
server.listen({ port, host: "127.0.0.1", backlog: 4096 });
