// The least an upload can do on Workers, served by Miniflare as `serve:bench` serves the project: parse
// the same form, hash both parts, write both to R2, record one row in a Durable Object, answer 201. A WebSocket
// upgrade is accepted by the object as a room accepts a phone's (hibernatable), to hold the sockets a room holds.
// The floor `bench/upload-bench.ts` compares the project's upload route with. Not part of the product.
import { DurableObject } from "cloudflare:workers";

type FloorEnv = { PHOTOS: R2Bucket; ROOMS: DurableObjectNamespace<FloorRoom> };

export class FloorRoom extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS photos (member TEXT PRIMARY KEY, photo TEXT NOT NULL, thumb TEXT NOT NULL, bytes INTEGER NOT NULL)",
    );
  }

  override fetch(_request: Request): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  record(member: string, photo: string, thumb: string, bytes: number): void {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO photos VALUES (?, ?, ?, ?)", member, photo, thumb, bytes);
  }
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const room = env.ROOMS.get(env.ROOMS.idFromName("floor"));
    if (request.headers.get("Upgrade") === "websocket") return room.fetch(request);
    if (request.method !== "POST") return new Response("floor", { status: 404 });
    const form = await request.formData();
    const photoFile = form.get("photo");
    const thumbFile = form.get("thumb");
    if (!(photoFile instanceof File) || !(thumbFile instanceof File)) return new Response("bad form", { status: 400 });
    const photo = new Uint8Array(await photoFile.arrayBuffer());
    const thumb = new Uint8Array(await thumbFile.arrayBuffer());
    const [photoSha, thumbSha] = await Promise.all([sha256(photo), sha256(thumb)]);
    const photoKey = `floor/${photoSha}.jpg`;
    const thumbKey = `floor/${thumbSha}.jpg`;
    await Promise.all([
      env.PHOTOS.put(photoKey, photo, { httpMetadata: { contentType: "image/jpeg" } }),
      env.PHOTOS.put(thumbKey, thumb, { httpMetadata: { contentType: "image/jpeg" } }),
    ]);
    const member = new URL(request.url).searchParams.get("member") ?? photoSha;
    await room.record(member, photoKey, thumbKey, photo.byteLength);
    return Response.json({ photoKey }, { status: 201 });
  },
};
