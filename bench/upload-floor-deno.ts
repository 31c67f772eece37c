// The least an upload can do on Deno: parse the same form, hash both parts, write each to its own file
// durably (written, fsynced, renamed into place), insert one SQLite row as the project's server does
// (WAL, synchronous=NORMAL), answer 201. Run: `deno run -A bench/upload-floor-deno.ts` with PORT, DATA_DIR.
import type {} from "../deno/node-sqlite.d.ts";
import { DatabaseSync } from "node:sqlite";

const port = Number(Deno.env.get("PORT") ?? 8010);
const dir = Deno.env.get("DATA_DIR") ?? ".floor";
await Deno.mkdir(`${dir}/blobs`, { recursive: true });
const db = new DatabaseSync(`${dir}/floor.sqlite`);
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = NORMAL");
db.exec("CREATE TABLE IF NOT EXISTS photos (member TEXT PRIMARY KEY, photo TEXT, thumb TEXT, bytes INTEGER)");
const insert = db.prepare("INSERT OR IGNORE INTO photos VALUES (?, ?, ?, ?)");

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  const f = await Deno.open(tmp, { write: true, create: true });
  try {
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.syncData();
  } finally {
    f.close();
  }
  await Deno.rename(tmp, path);
}

Deno.serve({ port, hostname: "127.0.0.1", onListen: () => console.log(`floor on ${port}`) }, async (request) => {
  if (request.method !== "POST") return new Response("floor", { status: 404 });
  const form = await request.formData();
  const photoFile = form.get("photo");
  const thumbFile = form.get("thumb");
  if (!(photoFile instanceof File) || !(thumbFile instanceof File)) return new Response("bad form", { status: 400 });
  const photo = new Uint8Array(await photoFile.arrayBuffer());
  const thumb = new Uint8Array(await thumbFile.arrayBuffer());
  const [photoSha, thumbSha] = await Promise.all([sha256(photo), sha256(thumb)]);
  await Promise.all([
    writeDurably(`${dir}/blobs/${photoSha}.jpg`, photo),
    writeDurably(`${dir}/blobs/${thumbSha}.jpg`, thumb),
  ]);
  const member = new URL(request.url).searchParams.get("member") ?? photoSha;
  insert.all(member, photoSha, thumbSha, photo.byteLength);
  return Response.json({ photoSha }, { status: 201 });
});
