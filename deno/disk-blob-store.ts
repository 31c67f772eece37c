// BlobStore on local disk for the Deno server: bytes in files under one folder (hashed as they arrive,
// written to a temp file, flushed, then renamed, so a reader never sees half a photo), content type and
// etag in SQLite.
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import type { BlobMeta, BlobStore, BlobWriter } from "../worker/platform.ts";
import type { Sql } from "../worker/sql.ts";
import { safePath } from "./safe-path.ts";
import { concatBytes } from "../shared/concat-bytes.ts";

type MetaRow = { content_type: string; size: number; etag: string };

/** An upload's bytes stay in memory up to this, then go to a temp file as they arrive. */
const SPILL_BYTES = 1024 * 1024;

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

  const scratch = join(root, ".incoming");
  // Temp files of uploads a stopped server never acknowledged: nothing refers to them.
  try {
    Deno.removeSync(scratch, { recursive: true });
  } catch {
    // none yet
  }
  Deno.mkdirSync(scratch, { recursive: true });

  /** Bytes hashed as they arrive and kept in memory up to SPILL_BYTES, beyond which they stream to a temp
   *  file (memory per upload stays bounded); on commit written, flushed, renamed into place, recorded.
   *  `put` does not hash: its caller has hashed the bytes already, for their key. */
  const open = (hashing: boolean): BlobWriter => {
    const tmp = join(scratch, `${crypto.randomUUID()}.tmp`);
    const hash = hashing ? createHash("sha256") : null;
    let held: Uint8Array[] = [];
    let file: Deno.FsFile | null = null;
    let size = 0;
    let sha: string | null = null;
    let gone = false;
    const spent = { hash: 0, write: 0, flush: 0 };
    const digest = () => (sha ??= hash?.digest("hex") ?? "");
    const writeAll = async (f: Deno.FsFile, bytes: Uint8Array) => {
      const t0 = performance.now();
      for (let off = 0; off < bytes.length;) off += await f.write(bytes.subarray(off));
      spent.write += performance.now() - t0;
    };
    /** The held bytes to the temp file, which is opened on first use. */
    const spill = async (): Promise<Deno.FsFile> => {
      file ??= await Deno.open(tmp, { write: true, create: true, truncate: true });
      const bytes = concatBytes(held);
      held = [];
      if (bytes.length) await writeAll(file, bytes);
      return file;
    };
    return {
      spent,
      async write(chunk) {
        const t0 = performance.now();
        hash?.update(chunk);
        spent.hash += performance.now() - t0;
        size += chunk.length;
        if (file) return writeAll(file, chunk);
        held.push(chunk);
        if (size > SPILL_BYTES) await spill();
      },
      async finish() {
        return { sha256: digest(), size };
      },
      async read() {
        return file ? await Deno.readFile(tmp) : concatBytes(held);
      },
      async commit(key, contentType) {
        const path = pathOf(key);
        const f = await spill();
        // On disk before the record that points at it is committed (SQLite syncs its commits; a file left in
        // the page cache could be empty after a power cut while its acknowledged record survives).
        const t0 = performance.now();
        await f.syncData();
        spent.flush += performance.now() - t0;
        f.close();
        file = null;
        await Deno.mkdir(dirname(path), { recursive: true });
        await Deno.rename(tmp, path);
        gone = true;
        sql.exec(
          `INSERT INTO blobs (key, content_type, size, etag) VALUES (?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET content_type = excluded.content_type, size = excluded.size, etag = excluded.etag`,
          key,
          contentType,
          size,
          newEtag(),
        );
      },
      async discard() {
        held = [];
        file?.close();
        file = null;
        if (gone) return;
        gone = true;
        await Deno.remove(tmp).catch(() => {});
      },
    };
  };

  return {
    async put(key, bytes, contentType) {
      const w = open(false);
      try {
        await w.write(bytes);
        await w.commit(key, contentType);
      } finally {
        await w.discard();
      }
    },

    holdsWhole: false,
    writer: () => open(true),

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
