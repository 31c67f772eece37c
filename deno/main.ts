// The self-hosted server on Deno: the same Hono app and room engine as on Workers, with rooms as
// in-process actors over SQLite files and photos on disk under DATA_DIR, plus the web app's files.
// `npm run start:deno`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../worker/app.ts";
import { mosaicPageTiles } from "../worker/mosaic/mosaic-engine.ts";
import { diskBlobStore } from "./disk-blob-store.ts";
import { MosaicRegistry } from "./mosaic-registry.ts";
import { serveNode } from "./node-serve.ts";
import { Background, denoPlatform, type ServerEnv } from "./platform.ts";
import { RoomRegistry } from "./room-registry.ts";
import { serverSecret } from "./server-secret.ts";
import { openSqlite } from "./sqlite.ts";
import { staticApp } from "./static-app.ts";
import { WindowLimiter, limitsFromEnv } from "./window-limiter.ts";
import { upgrades } from "./ws-upgrade.ts";

const env: ServerEnv = {
  AUTH_SECRET: Deno.env.get("AUTH_SECRET"),
  ORGANIZER_KEY: Deno.env.get("ORGANIZER_KEY"),
  SHOT_WINDOW_MS: Deno.env.get("SHOT_WINDOW_MS"),
  MAX_ROOM_MEMBERS: Deno.env.get("MAX_ROOM_MEMBERS"),
  SHARD_MEMBERS: Deno.env.get("SHARD_MEMBERS"),
  UPLOAD_SPREAD_RATE: Deno.env.get("UPLOAD_SPREAD_RATE"),
  ALLOWED_ORIGINS: Deno.env.get("ALLOWED_ORIGINS"),
};
const port = Number(Deno.env.get("PORT") ?? 8000);
// Loopback unless told otherwise: reachable from elsewhere only with HOST set, and then only with AUTH_SECRET.
const hostname = Deno.env.get("HOST") ?? "127.0.0.1";
const dataDir = Deno.env.get("DATA_DIR") ?? ".data";
const appDir = Deno.env.get("APP_DIR") ?? fileURLToPath(new URL("../app/dist", import.meta.url));
if (!existsSync(join(appDir, "index.html")))
  console.warn(`no web app in ${appDir} (npm run build:app): serving the API only`);

await Deno.mkdir(dataDir, { recursive: true });
try {
  env.AUTH_SECRET = serverSecret({ secret: env.AUTH_SECRET, hostname, dataDir });
} catch (e) {
  console.error(`simulshot: ${(e as Error).message}`);
  Deno.exit(1);
}
const serverDb = openSqlite(join(dataDir, "server.sqlite"));
const rooms = new RoomRegistry(join(dataDir, "rooms"), env, serverDb);
const background = new Background();
const blobs = diskBlobStore(join(dataDir, "blobs"), serverDb);
const mosaics = new MosaicRegistry(
  join(dataDir, "mosaics"),
  blobs,
  (roomId, index) => rooms.object(roomId, index),
  mosaicPageTiles(Deno.env.get("MOSAIC_PAGE_TILES")),
);
// The client's address, per request: the connection's peer, or (behind a reverse proxy that sets it)
// the header named by CLIENT_IP_HEADER, e.g. X-Real-IP. Never a header a client could set otherwise.
const clientIpHeader = Deno.env.get("CLIENT_IP_HEADER");
const peers = new WeakMap<Request, string>();
const clientIp = (request: Request) =>
  (clientIpHeader ? request.headers.get(clientIpHeader) : null) ?? peers.get(request) ?? "unknown";
const limits = new WindowLimiter(limitsFromEnv((name) => Deno.env.get(name)));
const platform = denoPlatform({ env, rooms, mosaics, blobs, serverDb, background, limits, clientIp });
const app = createApp<ServerEnv>(() => platform);
const serveApp = staticApp(appDir);
const armed = rooms.start() + mosaics.start();

const fetch = (request: Request, peer: string) => {
  if (!new URL(request.url).pathname.startsWith("/api/")) return serveApp(request);
  peers.set(request, peer);
  return app.fetch(request, env);
};
const server = serveNode({
  port,
  hostname,
  onListen: (a) =>
    console.log(`simulshot on Deno: http://${a.hostname}:${a.port} (data in ${dataDir}, ${armed} alarms armed)`),
  fetch,
  upgrade: upgrades(fetch),
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing sockets and databases`);
  rooms.disconnect();
  // Requests in flight (an upload between its blob writes and its record) finish before the databases close.
  await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 5000))]);
  await background.settle();
  mosaics.close();
  rooms.close();
  serverDb.close();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", () => void shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => void shutdown("SIGINT"));
