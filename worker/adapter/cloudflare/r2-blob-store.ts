// BlobStore over an R2 bucket.
import type { BlobStore } from "../../platform.ts";

export function r2BlobStore(bucket: R2Bucket): BlobStore {
  return {
    async put(key, bytes, contentType) {
      await bucket.put(key, bytes, { httpMetadata: { contentType } });
    },
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
