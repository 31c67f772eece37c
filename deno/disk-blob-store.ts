// BlobStore on local disk for the Deno server: bytes in files under one folder (written to a temp
// file, then renamed, so a reader never sees half a photo), content type and etag in SQLite.
import { dirname } from "node:path";
import type { BlobMeta, BlobStore } from "../worker/platform.ts";
import type { Sql } from "../worker/sql.ts";
import { safePath } from "./safe-path.ts";

type MetaRow = { content_type: string; size: number; etag: string };

export function diskBlobStore(root: string, sql: Sql): BlobStore {
  sql.exec(`CREATE TABLE IF NOT EXISTS blobs (
    key TEXT PRIMARY KEY, content_type TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL)`);

  // Keys are server-made, but one that could name a file outside the folder is refused anyway.
  const pathOf = (key: string): string => {
    const path = safePath(root, key);
    if (!path) throw new Error(`refused blob key ${JSON.stringify(key)}`);
    return path;
  };

  const meta = (key: string): BlobMeta | null => {
    const [row] = sql.exec<MetaRow>("SELECT content_type, size, etag FROM blobs WHERE key = ?", key);
    return row ? { contentType: row.content_type, size: row.size, etag: row.etag } : null;
  };

  return {
    async put(key, bytes, contentType) {
      const path = pathOf(key);
      await Deno.mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${crypto.randomUUID()}.tmp`;
      await Deno.writeFile(tmp, bytes);
      // On disk before the record that points at it is committed (SQLite syncs its commits; a file left in
      // the page cache could be empty after a power cut while its acknowledged record survives).
      const f = await Deno.open(tmp, { read: true });
      try {
        await f.syncData();
      } finally {
        f.close();
      }
      await Deno.rename(tmp, path);
      sql.exec(
        `INSERT INTO blobs (key, content_type, size, etag) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET content_type = excluded.content_type, size = excluded.size, etag = excluded.etag`,
        key,
        contentType,
        bytes.byteLength,
        newEtag(),
      );
    },

    async get(key, range) {
      const path = pathOf(key);
      const m = meta(key);
      if (!m) return null;
      let file: Deno.FsFile;
      try {
        file = await Deno.open(path, { read: true });
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return null;
        throw e;
      }
      if (!range) return { ...m, body: file.readable };
      const offset =
        range.suffix !== undefined ? Math.max(0, m.size - range.suffix) : Math.min(Math.max(0, range.offset), m.size);
      const length = Math.min(m.size - offset, range.suffix ?? range.length ?? m.size - offset);
      await file.seek(offset, Deno.SeekMode.Start);
      return { ...m, body: readExactly(file, length), range: { offset, length } };
    },

    async head(key) {
      pathOf(key);
      return meta(key);
    },

    async delete(key) {
      const path = pathOf(key);
      sql.exec("DELETE FROM blobs WHERE key = ?", key);
      await Deno.remove(path).catch((e: unknown) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    },
  };
}

/** A tag new with each write, so it changes whenever the bytes under a key can have. Not a hash of the
 *  bytes: an upload has already hashed its files for their keys, and a second pass over 15 MB is waste. */
function newEtag(): string {
  return `"${crypto.randomUUID()}"`;
}

/** A stream of the next `length` bytes of an open file, closing it at the end or on cancel. */
function readExactly(file: Deno.FsFile, length: number): ReadableStream<Uint8Array> {
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (left <= 0) {
        file.close();
        return controller.close();
      }
      const buf = new Uint8Array(Math.min(left, 64 * 1024));
      const n = await file.read(buf);
      if (n === null) {
        file.close();
        return controller.close();
      }
      left -= n;
      controller.enqueue(buf.subarray(0, n));
    },
    cancel() {
      file.close();
    },
  });
}
