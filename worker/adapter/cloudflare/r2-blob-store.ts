// BlobStore over an R2 bucket.
import { memoryBlobWriter } from "./memory-blob-writer.ts";
import type { BlobStore } from "../../platform.ts";

export function r2BlobStore(bucket: R2Bucket): BlobStore {
  const put = async (key: string, bytes: Uint8Array, contentType: string) => {
    await bucket.put(key, bytes, { httpMetadata: { contentType } });
  };
  return {
    holdsWhole: true,
    put,
    writer: (sizeHint) => memoryBlobWriter(put, sizeHint),
    async get(key, range) {
      const obj = await bucket.get(key, range ? { range } : undefined);
      if (!obj) return null;
      const r = obj.range as { offset?: number; length?: number } | undefined;
      return {
        body: obj.body,
        size: obj.size,
        contentType: obj.httpMetadata?.contentType ?? "application/octet-stream",
        etag: obj.httpEtag,
        ...(range && r ? { range: { offset: r.offset ?? 0, length: r.length ?? obj.size } } : {}),
      };
    },
    async head(key) {
      const obj = await bucket.head(key);
      return obj
        ? {
            size: obj.size,
            contentType: obj.httpMetadata?.contentType ?? "application/octet-stream",
            etag: obj.httpEtag,
          }
        : null;
    },
    async delete(key) {
      await bucket.delete(key);
    },
  };
}
